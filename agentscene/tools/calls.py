"""Tool calls and their results as values: what a model sent, and what it gets back.

A model's mistake is a ToolResult with `ok=False` and an `error` code plus a message the
model can act on. Nothing a model can send raises.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agentscene.limits import DEFAULT_LIMITS, dumps_json, first_unencodable, loads_json, shown
from agentscene.scene import Scene

#: Longest tool-call id accepted (ids are echoed back with each result): Limits.call_id_chars.
MAX_CALL_ID_CHARS = DEFAULT_LIMITS.call_id_chars


class ErrorCode(StrEnum):
    INVALID_CALL = "invalid_call"  # not a {name, arguments} object
    UNKNOWN_TOOL = "unknown_tool"
    INVALID_JSON = "invalid_json"  # arguments string that does not parse
    INVALID_ARGUMENTS = "invalid_arguments"  # missing / extra / wrongly typed / out-of-range fields
    UNKNOWN_OBJECT = "unknown_object"
    AMBIGUOUS_REFERENCE = "ambiguous_reference"  # a SceneReVis jid that names several objects
    OUTSIDE_ROOM = "outside_room"
    TOO_MANY_OBJECTS = "too_many_objects"
    AFTER_TERMINATE = "after_terminate"


class ToolCall(BaseModel):
    """One call: `arguments` may be a dict or the JSON string a provider sends."""

    model_config = ConfigDict(frozen=True)

    name: str
    arguments: dict[str, Any] | str = Field(default_factory=dict)
    id: str | None = None

    def arguments_dict(self) -> dict[str, Any] | None:
        """The arguments as a dict, or None when they are a string that is not a JSON object."""
        if isinstance(self.arguments, dict):
            return self.arguments
        try:
            value = loads_json(self.arguments) if self.arguments.strip() else {}
        except ValueError:  # invalid JSON or over a limit
            return None
        return value if isinstance(value, dict) else None

    def to_openai(self) -> dict[str, Any]:
        """The chat-completions `tool_calls[]` entry for this call."""
        args = self.arguments if isinstance(self.arguments, str) else dumps_json(self.arguments)
        return {"id": self.id or "", "type": "function", "function": {"name": self.name, "arguments": args}}


def coerce_call(raw: Any) -> ToolCall | str:
    """A ToolCall from the shapes models and SDKs produce, or a message saying what is wrong.

    Accepted: a ToolCall; {"name", "arguments", "id"?}; OpenAI's {"id", "type": "function",
    "function": {"name", "arguments"}}; an SDK object with `.function.name`/`.function.arguments`.
    """
    if isinstance(raw, ToolCall):
        return raw
    if not isinstance(raw, dict):
        fn = getattr(raw, "function", None)
        if fn is not None and isinstance(getattr(fn, "name", None), str):
            args = getattr(fn, "arguments", None)
            return ToolCall(name=fn.name, arguments=args if isinstance(args, (str, dict)) else {}, id=getattr(raw, "id", None))
        return f"a tool call must be a JSON object with 'name' and 'arguments', got {type(raw).__name__}"
    if isinstance(raw.get("function"), dict):
        fn = raw["function"]
        name, args, call_id = fn.get("name"), fn.get("arguments", {}), raw.get("id")
    else:
        name, args, call_id = raw.get("name"), raw.get("arguments", raw.get("parameters", {})), raw.get("id")
    if not isinstance(name, str) or not name:
        return "a tool call needs a 'name' string (one of the tool names)"
    if args is None:
        args = {}
    if not isinstance(args, (dict, str)):
        return f"'arguments' of {shown(name, 64)} must be a JSON object, got {type(args).__name__}"
    if isinstance(call_id, int) and not isinstance(call_id, bool) and abs(call_id) < 10**18:
        call_id = str(call_id)
    if call_id is not None and (not isinstance(call_id, str) or len(call_id) > MAX_CALL_ID_CHARS or first_unencodable(call_id) >= 0):
        return f"the 'id' of a {shown(name, 64)} call must be a string of at most {MAX_CALL_ID_CHARS} characters, got {shown(call_id, 40)}"
    return ToolCall(name=name, arguments=args, id=call_id)


class ToolResult(BaseModel):
    """The outcome of one tool call. `scene` is the new scene, or the unchanged one on failure."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    tool: str
    ok: bool
    message: str
    scene: Scene = Field(exclude=True, repr=False)
    error: ErrorCode | None = None
    call_id: str | None = None
    object_id: str | None = None
    terminated: bool = False

    def to_message(self) -> str:
        """The text a model reads back for this call (rendered by agentscene.protocol)."""
        from agentscene.protocol import result_record, result_text

        return result_text(result_record(self))


class ToolCallsResult(BaseModel):
    """Several calls applied in order: the final scene, each result, and whether one terminated."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    scene: Scene = Field(exclude=True, repr=False)
    results: list[ToolResult]
    terminated: bool = False

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def errors(self) -> list[ToolResult]:
        return [r for r in self.results if not r.ok]

    def feedback(self) -> str:
        """One line per call, for the next user message (rendered by agentscene.protocol)."""
        from agentscene.protocol import result_record, results_block

        return results_block([result_record(r) for r in self.results])
