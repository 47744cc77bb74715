"""Tool results as an agent reads them, and the assistant / tool messages around them.

A result is recorded as a plain dict (`result_record`: call id, tool, ok, message, error code,
object id) so the same record is written to a turn file, put in `info["tool_results"]`, and
rendered here: `message` when it worked, `Error (<code>): message` when it did not. In the
native-tools protocol each call the assistant message carries is answered by a `tool` message;
everything else (the text protocol, calls written as text) goes in the next user message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agentscene.protocol.chat import Message

if TYPE_CHECKING:
    from agentscene.scene import Scene
    from agentscene.tools.calls import ToolCall, ToolResult

#: what a tool message says for a call the turn did not apply (a provider needs every id answered)
NOT_APPLIED = "this call was not applied"


def result_record(result: ToolResult) -> dict[str, Any]:
    """The JSON record of one result (turn files, env info, rendering)."""
    return {"call_id": result.call_id, "tool": result.tool, "ok": result.ok, "message": result.message,
            "error": None if result.error is None else str(result.error), "object_id": result.object_id}


def result_text(record: dict[str, Any]) -> str:
    """What a model reads back for one call: the message, or `Error (code): message`."""
    if record.get("ok"):
        return str(record.get("message", ""))
    return f"Error ({record.get('error') or 'error'}): {record.get('message', '')}"


def results_block(records: Sequence[dict[str, Any]]) -> str:
    """Numbered lines, one per call, for a user message."""
    return "\n".join(f"{i + 1}. {r.get('tool', '?')}: {result_text(r)}" for i, r in enumerate(records))


def assistant_message(content: str | None, calls: Sequence[ToolCall] = ()) -> Message:
    """The assistant message of a turn: its text, plus native `tool_calls` when there are any."""
    msg: Message = {"role": "assistant", "content": content or ""}
    if calls:
        msg["tool_calls"] = [c.to_openai() for c in calls]
    return msg


def with_call_ids(calls: Sequence[ToolCall], prefix: str = "call_") -> list[ToolCall]:
    """Calls with an id each (`call_1`, `call_2`, ... where the model gave none), so results can answer them."""
    return [c if c.id else c.model_copy(update={"id": f"{prefix}{i + 1}"}) for i, c in enumerate(calls)]


def tool_messages(protocol: str, assistant: Message, records: Sequence[dict[str, Any]]) -> tuple[list[Message], list[dict[str, Any]]]:
    """(tool messages answering the assistant's native calls, the results left for the next user message)."""
    calls = assistant.get("tool_calls") or []
    if protocol != "tools" or not calls:
        return [], list(records)
    by_id = {r["call_id"]: r for r in records if r.get("call_id")}
    out: list[Message] = []
    for call in calls:
        call_id = call.get("id") if isinstance(call, dict) else None
        record = by_id.pop(call_id, None) if call_id else None
        text = result_text(record) if record is not None else f"Error (invalid_call): {NOT_APPLIED}"
        out.append({"role": "tool", "tool_call_id": call_id or "", "content": text})
    answered = {id(r) for r in records} - {id(r) for r in by_id.values()}
    return out, [r for r in records if id(r) not in answered]


def apply_capped(scene: Scene, calls: Sequence[Any], limit: int) -> tuple[Scene, list[ToolResult], bool]:
    """Apply at most `limit` calls of a turn; the rest come back as errors the model can read."""
    from agentscene.tools import apply_tool_calls
    from agentscene.tools.calls import ErrorCode, ToolCall, ToolResult, coerce_call

    applied = apply_tool_calls(scene, list(calls[:limit]))
    results = list(applied.results)
    for raw in calls[limit:]:
        c = coerce_call(raw)
        name = c.name[:64] if isinstance(c, ToolCall) else "(invalid)"
        results.append(ToolResult(tool=name, ok=False, scene=applied.scene, error=ErrorCode.INVALID_CALL,
                                  call_id=c.id if isinstance(c, ToolCall) else None,
                                  message=f"not applied: at most {limit} calls are applied per turn; send the rest next turn"))
    return applied.scene, results, applied.terminated


def call_record(call: ToolCall) -> dict[str, Any]:
    return {"id": call.id, "name": call.name, "arguments": call.arguments}


