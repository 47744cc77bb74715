"""Turning whatever a rollout produced into tool calls, without ever raising.

An action is one of:
- a reply in SceneReVis' text protocol (`<think>…<tool_calls>[…]</tool_calls>`), parsed by
  agentscene.tools.parse_reply;
- a reply with Hermes-style calls (`<tool_call>{"name": …, "arguments": …}</tool_call>`), what
  Qwen/Hermes chat templates and `vllm --tool-call-parser hermes` produce;
- a list of tool calls (dicts, OpenAI tool calls, ToolCall) from native function calling;
- an OpenAI assistant message dict (`{"role": "assistant", "content": …, "tool_calls": […]}`).
Anything else (None, numbers, bytes, junk) becomes a FormatError value, so the reward can
penalise it and the episode goes on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from agentscene import protocol
from agentscene.limits import InputLimitError, loads_json, shown
from agentscene.tools import FormatError, Reply, ToolCall, coerce_call, parse_reply
from agentscene.tools.text_protocol import MAX_REPLY_CHARS

_HERMES_RE = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_THINK_RE = re.compile(r"<think>(.*?)</think>", re.DOTALL)
NO_CALLS = "the reply has no <tool_calls>; edit the scene with tool calls, or call terminate when it is finished"
NO_TOOL_CALL = "the reply called no tool; call tools to edit the scene, or terminate when it is finished"
#: Most calls one action may carry; more is junk, not a plan.
MAX_CALLS_PER_ACTION = 64


@dataclass(frozen=True)
class ParsedAction:
    """What to do with an action: calls to apply, the reply the format term scores, a first-turn scene."""

    reply: Reply | FormatError
    calls: list[ToolCall] = field(default_factory=list)
    create_scene: dict[str, Any] | None = None
    #: a well-formed reply that still does nothing (no calls, no scene), told to the model
    issue: str | None = None

    @property
    def problem(self) -> str | None:
        return self.reply.message if isinstance(self.reply, FormatError) else self.issue


def _error(code: str, message: str) -> ParsedAction:
    return ParsedAction(reply=FormatError(code=code, message=message))  # type: ignore[arg-type]


def _native(raw_calls: list[Any], think: str = "") -> ParsedAction:
    """Calls from native function calling: the format term checks each against the scene."""
    if not raw_calls:
        return _error("no_action", NO_TOOL_CALL)
    if len(raw_calls) > MAX_CALLS_PER_ACTION:
        return _error("invalid_tool_calls", f"{len(raw_calls)} calls in one reply, over the limit of {MAX_CALLS_PER_ACTION}")
    calls: list[ToolCall] = []
    for i, raw in enumerate(raw_calls):
        call = coerce_call(raw)
        if isinstance(call, str):
            return _error("invalid_tool_calls", f"call {i + 1}: {call}")
        calls.append(call if call.id else call.model_copy(update={"id": f"call_{i + 1}"}))  # tool messages answer ids
    return ParsedAction(reply=Reply(think=think, tool_calls=calls), calls=calls)


def _hermes(text: str) -> ParsedAction:
    raw: list[Any] = []
    for k, m in enumerate(_HERMES_RE.finditer(text)):
        body = m.group(1).strip()
        if body.startswith("```"):
            body = body.strip("`").removeprefix("json").strip()
        try:
            value = loads_json(body, what=f"the JSON in <tool_call> number {k + 1}")
        except InputLimitError as e:
            return _error("invalid_json", str(e))
        except json.JSONDecodeError:
            return _error("invalid_json", f"the JSON in <tool_call> number {k + 1} is invalid; write {{\"name\": ..., \"arguments\": {{...}}}}")
        raw.append(value)
    think = _THINK_RE.search(text)
    return _native(raw, think.group(1).strip() if think else "")


def parse_action(action: Any, reply_protocol: str = "text") -> ParsedAction:
    """Normalise any action; never raises for anything a model or trainer can send.

    Under the native-tools protocol a reply that does nothing is told so in those words (no tags to
    teach); calls written as text are still accepted either way.
    """
    parsed = _parse(action)
    if reply_protocol == "tools" and not parsed.calls and parsed.create_scene is None:
        if isinstance(parsed.reply, FormatError) and parsed.reply.code == "no_action" or parsed.issue is not None:
            return _error("no_action", NO_TOOL_CALL)
    return parsed


def _parse(action: Any) -> ParsedAction:
    if isinstance(action, (Reply, FormatError)):
        if isinstance(action, Reply):
            return ParsedAction(reply=action, calls=list(action.tool_calls or []), create_scene=action.create_scene)
        return ParsedAction(reply=action)
    if isinstance(action, dict):
        if "tool_calls" in action or "role" in action or "content" in action:
            calls = action.get("tool_calls")
            if isinstance(calls, list) and calls:
                content = action.get("content")
                return _native(calls, content.strip() if isinstance(content, str) else "")
            return _parse(action.get("content"))
        return _native([action])
    if isinstance(action, (list, tuple)):
        return _native(list(action))
    if isinstance(action, str):
        if len(action) > MAX_REPLY_CHARS:
            return _error("too_long", f"the reply has {len(action)} characters, over the {MAX_REPLY_CHARS} limit")
        if "<tool_call>" in action:
            return _hermes(action)
        reply = parse_reply(action)
        if isinstance(reply, FormatError):
            return ParsedAction(reply=reply)
        issue = None if reply.tool_calls or reply.create_scene is not None else NO_CALLS
        return ParsedAction(reply=reply, calls=list(reply.tool_calls or []), create_scene=reply.create_scene, issue=issue)
    return _error("not_text", f"an action must be a reply text or a list of tool calls, got {type(action).__name__}")


def assistant_of(action: Any, parsed: ParsedAction) -> dict[str, Any]:
    """The assistant message an action stands for, every native call with an id (tool messages answer ids)."""
    if isinstance(action, dict) and action.get("role") == "assistant":
        calls = action.get("tool_calls")
        if not calls or all(isinstance(c, dict) and c.get("id") for c in calls):
            return dict(action)
        content = action.get("content")
        return protocol.assistant_message(content if isinstance(content, str) else "", parsed.calls)
    if isinstance(action, str):
        return {"role": "assistant", "content": action}
    if parsed.calls and isinstance(action, (list, tuple, dict)):
        return protocol.assistant_message("", parsed.calls)
    return {"role": "assistant", "content": "" if action is None else shown(action, 2000)}


def action_message(action: Any) -> dict[str, Any]:
    """An action as the assistant message that produced it (for histories and SFT data)."""
    return assistant_of(action, _parse(action))
