"""The SceneReVis text protocol: tagged replies for models fine-tuned on SceneReVis data.

First turn: `<think>…</think><create_scene>```json {scene} ```</create_scene>`.
Edit turns: `<think>…</think><conclusion>…</conclusion><tool_calls>[{"id","name","arguments"}]</tool_calls>`.

`parse_reply` returns a `Reply` or a `FormatError` value, never raises. It is strict where a
reply is ambiguous and lenient where the model's intent is clear; each leniency is recorded in
`Reply.repairs` (a format reward can penalise it), and `lenient=False` turns them into errors.

Lenient (repaired, recorded):
- a markdown fence (```json … ```) around the JSON inside a block;
- one call object instead of a one-element list, or {"tool_calls": [...]};
- tags in another letter case or with inner spaces (`<Tool_Calls >`);
- no tags at all, but the whole reply is a (fenced) JSON list of calls;
- a final `<tool_calls>` block missing only its closing tag whose JSON is complete;
- prose outside the blocks (ignored).

Strict (FormatError): empty reply; prose with no action; unclosed or stray tags; nested
blocks; two blocks of the same kind; invalid JSON (trailing commas, comments, single quotes,
truncation); calls that are not {name, arguments} objects; an empty call list.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agentscene.limits import DEFAULT_LIMITS, InputLimitError, loads_json
from agentscene.tools.calls import ToolCall, coerce_call

TAGS = ("think", "conclusion", "tool_calls", "create_scene")
MAX_REPLY_CHARS = DEFAULT_LIMITS.reply_chars

_TAG_RE = re.compile(r"<\s*(/?)\s*(think|conclusion|tool_calls|create_scene)\s*>", re.IGNORECASE)
_FENCE_RE = re.compile(r"^```[a-zA-Z0-9_-]*[ \t]*\n?(.*?)\n?[ \t]*```$", re.DOTALL)
_ANY_FENCE_RE = re.compile(r"```[a-zA-Z0-9_-]*[ \t]*\n(.*?)\n[ \t]*```", re.DOTALL)

FormatErrorCode = Literal[
    "not_text", "empty_reply", "too_long", "unclosed_tag", "stray_closing_tag", "nested_tag",
    "duplicate_block", "no_action", "invalid_json", "invalid_tool_calls", "invalid_scene_json",
    "not_lenient",
]

_HOW = (
    "Reply as <think>your reasoning</think><conclusion>one line</conclusion>"
    '<tool_calls>[{"id": "tool_1", "name": "move_object", "arguments": {...}}]</tool_calls>.'
)


class FormatError(BaseModel):
    """A reply that cannot be acted on, with a message the model can fix it from."""

    model_config = ConfigDict(frozen=True)

    code: FormatErrorCode
    message: str
    ok: Literal[False] = False


RepairCode = Literal[
    "fence_in_tool_calls", "fence_in_create_scene", "unwrapped_tool_calls", "single_call_object",
    "calls_without_tags", "tag_normalised", "missing_close_tool_calls", "text_outside_blocks",
]


class Repair(BaseModel):
    """One leniency the parser applied: a code for rewards, a message for people and models."""

    model_config = ConfigDict(frozen=True)

    code: RepairCode
    message: str


class Reply(BaseModel):
    """A parsed reply. `tool_calls` is None when the reply has no <tool_calls> block."""

    model_config = ConfigDict(frozen=True)

    think: str | None = None
    conclusion: str | None = None
    tool_calls: list[ToolCall] | None = None
    create_scene: dict[str, Any] | None = None
    repairs: list[Repair] = Field(default_factory=list)
    ok: Literal[True] = True


class _Bad(Exception):
    def __init__(self, code: FormatErrorCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _unfence(text: str, block: str, repairs: list[Repair]) -> str:
    stripped = text.strip()
    m = _FENCE_RE.match(stripped)
    if m:
        repairs.append(Repair(code=f"fence_in_{block}", message=f"removed a markdown fence inside <{block}>"))
        return m.group(1).strip()
    return stripped


def _loads(text: str, block: str, code: FormatErrorCode) -> Any:
    try:
        return loads_json(text, what=f"the JSON in <{block}>")
    except InputLimitError as e:
        raise _Bad(code, str(e)) from None
    except json.JSONDecodeError as e:
        hint = ""
        if re.search(r",\s*[\]}]", text):
            hint = " Trailing commas are not allowed in JSON."
        elif "'" in text and '"' not in text:
            hint = " JSON needs double quotes, not single quotes."
        elif text.count("[") + text.count("{") > text.count("]") + text.count("}"):
            hint = " The JSON looks cut off: close every bracket."
        raise _Bad(code, f"the JSON in <{block}> is invalid at line {e.lineno} column {e.colno}: {e.msg}.{hint}") from None


def _calls_from(value: Any, repairs: list[Repair], where: str) -> list[ToolCall]:
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        repairs.append(Repair(code="unwrapped_tool_calls", message=f"unwrapped {{\"tool_calls\": [...]}} in {where}"))
        value = value["tool_calls"]
    elif isinstance(value, dict) and "name" in value:
        repairs.append(Repair(code="single_call_object", message=f"wrapped a single call object in a list in {where}"))
        value = [value]
    if not isinstance(value, list):
        raise _Bad("invalid_tool_calls", f"{where} must hold a JSON list of calls, got a {type(value).__name__}. {_HOW}")
    if not value:
        raise _Bad("no_action", f"{where} holds an empty list. Call tools to edit the scene, or call terminate when it is finished.")
    calls = []
    for i, raw in enumerate(value):
        call = coerce_call(raw)
        if isinstance(call, str):
            raise _Bad("invalid_tool_calls", f"call {i + 1} in {where}: {call}")
        calls.append(call)
    return calls


def _bare_calls(text: str, repairs: list[Repair]) -> list[ToolCall] | None:
    """Calls from a reply with no tags whose whole content is a (fenced) JSON list of calls."""
    stripped = text.strip()
    candidates = [m.group(1).strip() for m in _ANY_FENCE_RE.finditer(stripped)]
    if not candidates and stripped[:1] in "[{":
        candidates = [stripped]
    if len(candidates) != 1:
        return None
    try:
        value = loads_json(candidates[0])
    except InputLimitError as e:
        raise _Bad("invalid_json", str(e)) from None
    except json.JSONDecodeError:
        return None
    looks_like_calls = (isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value)) or (
        isinstance(value, dict) and ("name" in value and "arguments" in value or isinstance(value.get("tool_calls"), list))
    )
    if not looks_like_calls:
        return None
    repairs.append(Repair(code="calls_without_tags", message="tool calls were not inside <tool_calls> tags"))
    return _calls_from(value, repairs, "the reply")


def _blocks(text: str, repairs: list[Repair]) -> tuple[dict[str, str], str]:
    """Split into {tag: content} and the text outside the blocks."""
    blocks: dict[str, str] = {}
    outside: list[str] = []
    pos = 0
    open_tag: str | None = None
    open_end = 0
    for m in _TAG_RE.finditer(text):
        closing, tag = m.group(1) == "/", m.group(2).lower()
        if m.group(0) != f"<{'/' if closing else ''}{tag}>":
            repairs.append(Repair(code="tag_normalised", message=f"normalised the tag {m.group(0)!r}"))
        if open_tag is None:
            if closing:
                raise _Bad("stray_closing_tag", f"</{tag}> has no matching <{tag}>. {_HOW}")
            outside.append(text[pos : m.start()])
            if tag in blocks:
                raise _Bad("duplicate_block", f"the reply has two <{tag}> blocks; use one (put every call in a single <tool_calls> list).")
            open_tag, open_end = tag, m.end()
        elif closing and tag == open_tag:
            blocks[tag] = text[open_end : m.start()]
            open_tag, pos = None, m.end()
        elif closing:
            raise _Bad("nested_tag", f"</{tag}> closes a block that is not open: <{open_tag}> is still open.")
        else:
            raise _Bad("nested_tag", f"<{tag}> opens inside <{open_tag}>; close <{open_tag}> first. Blocks cannot be nested.")
    if open_tag is not None:
        rest = text[open_end:]
        if open_tag == "tool_calls":
            try:
                loads_json(_FENCE_RE.sub(r"\1", rest.strip()))
            except ValueError:  # invalid JSON or over a limit
                raise _Bad("unclosed_tag", "<tool_calls> is never closed and its JSON is incomplete; end it with </tool_calls>.") from None
            repairs.append(Repair(code="missing_close_tool_calls", message="added the missing </tool_calls>"))
            blocks[open_tag] = rest
            pos = len(text)
        else:
            raise _Bad("unclosed_tag", f"<{open_tag}> is never closed; add </{open_tag}>.")
    outside.append(text[pos:])
    return blocks, "".join(outside)


def parse_reply(text: Any, lenient: bool = True) -> Reply | FormatError:
    """Parse a model reply in the text protocol. Returns a Reply or a FormatError, never raises."""
    try:
        if not isinstance(text, str):
            raise _Bad("not_text", f"the reply must be text, got {type(text).__name__}")
        if len(text) > MAX_REPLY_CHARS:
            raise _Bad("too_long", f"the reply has {len(text)} characters, over the {MAX_REPLY_CHARS} limit")
        if not text.strip():
            raise _Bad("empty_reply", f"the reply is empty. {_HOW}")
        repairs: list[Repair] = []
        blocks, outside = _blocks(text, repairs)
        if not blocks:
            calls = _bare_calls(text, repairs)
            if calls is None:
                raise _Bad("no_action", f"the reply has no <tool_calls> or <create_scene> block, so nothing happens. {_HOW}")
            reply = Reply(tool_calls=calls, repairs=repairs)
        else:
            if outside.strip():
                repairs.append(Repair(code="text_outside_blocks", message="ignored text outside the tagged blocks"))
            if "tool_calls" not in blocks and "create_scene" not in blocks:
                raise _Bad("no_action", f"the reply has no <tool_calls> or <create_scene> block, so nothing happens. {_HOW}")
            calls = None
            if "tool_calls" in blocks:
                body = _unfence(blocks["tool_calls"], "tool_calls", repairs)
                if not body:
                    raise _Bad("no_action", "<tool_calls> is empty. Call tools to edit the scene, or call terminate when it is finished.")
                calls = _calls_from(_loads(body, "tool_calls", "invalid_json"), repairs, "<tool_calls>")
            scene = None
            if "create_scene" in blocks:
                body = _unfence(blocks["create_scene"], "create_scene", repairs)
                scene = _loads(body, "create_scene", "invalid_scene_json")
                if not isinstance(scene, dict):
                    raise _Bad("invalid_scene_json", "<create_scene> must hold one JSON object describing the scene")
            reply = Reply(
                think=blocks["think"].strip() if "think" in blocks else None,
                conclusion=blocks["conclusion"].strip() if "conclusion" in blocks else None,
                tool_calls=calls, create_scene=scene, repairs=repairs,
            )
        if reply.repairs and not lenient:
            raise _Bad("not_lenient", "the reply needed repairs: " + "; ".join(r.message for r in reply.repairs))
        return reply
    except _Bad as bad:
        return FormatError(code=bad.code, message=bad.message)


def format_reply(
    think: str | None = None,
    conclusion: str | None = None,
    tool_calls: list[ToolCall] | list[dict[str, Any]] | None = None,
    create_scene: dict[str, Any] | None = None,
) -> str:
    """The inverse of parse_reply: a well-formed tagged reply (used for SFT data)."""
    parts = []
    if think is not None:
        parts.append(f"<think>\n{think}\n</think>")
    if conclusion is not None:
        parts.append(f"<conclusion>\n{conclusion}\n</conclusion>")
    if create_scene is not None:
        parts.append("<create_scene>\n```json\n" + json.dumps(create_scene, ensure_ascii=False) + "\n```\n</create_scene>")
    if tool_calls is not None:
        items = []
        for i, call in enumerate(tool_calls):
            c = coerce_call(call)
            if isinstance(c, str):
                raise ValueError(f"tool_calls[{i}]: {c}")
            args = c.arguments_dict()
            if args is None:
                raise ValueError(f"tool_calls[{i}]: arguments are not a JSON object")
            items.append({"id": c.id or f"tool_{i + 1}", "name": c.name, "arguments": args})
        parts.append("<tool_calls>\n" + json.dumps(items, ensure_ascii=False, indent=2) + "\n</tool_calls>")
    return "\n".join(parts)
