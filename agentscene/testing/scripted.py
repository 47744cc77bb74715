"""ScriptedModel: a ModelClient that replays given replies, for tests without a provider."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from agentscene.agents.client import ChatResponse, Message, Usage
from agentscene.tools.calls import ToolCall

#: A reply in a script: text, a list of calls, a full ChatResponse, an exception to raise,
#: or a function of (messages, tools) returning one of those.
ScriptItem = Any


class ScriptExhausted(RuntimeError):
    """The loop asked for more replies than the test scripted: a bug in the test or the loop."""


def _call(raw: Any, index: int) -> ToolCall:
    if isinstance(raw, ToolCall):
        return raw if raw.id else raw.model_copy(update={"id": f"call_{index + 1}"})
    if isinstance(raw, (tuple, list)) and len(raw) == 2:
        name, args = raw
        return ToolCall(name=name, arguments=args if isinstance(args, str) else json.dumps(args), id=f"call_{index + 1}")
    if isinstance(raw, dict):
        args = raw.get("arguments", {})
        return ToolCall(name=raw["name"], arguments=args if isinstance(args, str) else json.dumps(args),
                        id=raw.get("id") or f"call_{index + 1}")
    raise TypeError(f"cannot turn {type(raw).__name__} into a tool call")


def to_response(item: ScriptItem, model: str = "scripted") -> ChatResponse:
    """Normalise a script item (text, calls or ChatResponse) into a ChatResponse."""
    if isinstance(item, ChatResponse):
        return item
    if isinstance(item, str):
        return ChatResponse(content=item, finish_reason="stop", model=model, usage=Usage(calls=1))
    if isinstance(item, (list, tuple)):
        calls = [_call(raw, i) for i, raw in enumerate(item)]
        return ChatResponse(content=None, tool_calls=calls, finish_reason="tool_calls", model=model, usage=Usage(calls=1))
    raise TypeError(f"unsupported script item {type(item).__name__}")


class ScriptedModel:
    """Replays `replies` in order; `default` (if given) answers once they run out.

    Every request is kept in `requests` ({"messages", "tools", "tool_choice", "response_format"})
    so tests can check what the agent sent.
    """

    kind = "scripted"

    def __init__(self, replies: Iterable[ScriptItem] = (), *, default: ScriptItem | None = None,
                 model: str = "scripted", vision: bool = True):
        self.replies = list(replies)
        self.default = default
        self.model = model
        self.vision = vision
        self.requests: list[dict[str, Any]] = []
        self.closed = False

    def complete(self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None,
                 tool_choice: str | None = None, response_format: dict[str, Any] | None = None) -> ChatResponse:
        self.requests.append({"messages": messages, "tools": tools, "tool_choice": tool_choice,
                              "response_format": response_format})
        if self.replies:
            item = self.replies.pop(0)
        elif self.default is not None:
            item = self.default
        else:
            raise ScriptExhausted(f"the script ran out after {len(self.requests) - 1} replies")
        if isinstance(item, Callable) and not isinstance(item, (ChatResponse, str, list, tuple)):
            item = item(messages, tools)
        if isinstance(item, BaseException):
            raise item
        return to_response(item, self.model)

    def close(self) -> None:
        self.closed = True
