"""The chat-message layout: which messages a model gets at a turn, and how they go on the wire.

A conversation is the system message, then per turn the user message (the observation), the
assistant's reply and, in the native-tools protocol, one `tool` message per call. At turn k a
model gets the system message, the last `window` completed turns and the user message of turn
k (`chat_messages`). The loop sends exactly this; `SceneEnv` returns it as `info["messages"]`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentscene.limits import loads_json

#: one chat message, OpenAI layout ({"role": ..., "content": ...})
Message = dict[str, Any]

_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


def chat_messages(system: Message | None, turns: Sequence[Sequence[Message]], current: Message,
                  window: int | None = None) -> list[Message]:
    """System message, the last `window` turns (None: all, 0: none), then the current user message."""
    past = list(turns) if window is None else (list(turns)[-window:] if window > 0 else [])
    out: list[Message] = [system] if system is not None else []
    for turn in past:
        out += turn
    out.append(current)
    return out


def message_text(message: Message) -> str:
    """All text of a message, whether its content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def tagged_json(text: str, tag: str) -> Any | None:
    """The JSON inside the first <tag>…</tag> of a rendered message (fenced or not), or None.

    The inverse of this package's rendering, for clients that only see text (a model behind a
    wire, such as the offline planner served over HTTP in tests).
    """
    m = re.search(rf"<{tag}>(.*?)</{tag}>", text, re.DOTALL)
    if m is None:
        return None
    body = m.group(1).strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1)
    try:
        return loads_json(body)
    except ValueError:  # invalid JSON or over a limit
        return None


def tagged_text(text: str, tag: str) -> str | None:
    m = re.search(rf"<{tag}>(.*?)</{tag}>", text, re.DOTALL)
    return m.group(1).strip() if m else None


def image_data_url(path: str | Path) -> str:
    data = Path(path).read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _wire_call(call: dict[str, Any]) -> dict[str, Any]:
    """A recorded tool call as a provider accepts it back: arguments that are not a JSON object become {}."""
    fn = call.get("function") or {}
    args = fn.get("arguments")
    try:
        ok = isinstance(loads_json(args), dict) if isinstance(args, str) else isinstance(args, dict)
    except ValueError:  # invalid JSON or over a limit
        ok = False
    if ok:
        return call
    return {**call, "function": {**fn, "arguments": "{}"}}


def to_provider(messages: list[Message], *, vision: bool, base_dir: Path | None = None,
                images_from_index: int = 0) -> list[Message]:
    """Messages as a provider takes them: image parts become data URLs (or a note for blind models).

    Images in messages before `images_from_index` are replaced by a short note, so old renders
    do not fill the context window. Replayed tool calls with unusable arguments are sent as `{}`
    (providers reject them otherwise); the log keeps what the model sent.
    """
    out: list[Message] = []
    for i, msg in enumerate(messages):
        if msg.get("tool_calls"):
            msg = {**msg, "tool_calls": [_wire_call(c) for c in msg["tool_calls"]]}
        content = msg.get("content")
        if not isinstance(content, list):
            out.append(msg)
            continue
        parts: list[dict[str, Any]] = []
        for part in content:
            if part.get("type") != "image":
                parts.append(part)
                continue
            path = Path(part["path"])
            if base_dir is not None and not path.is_absolute():
                path = base_dir / path
            if vision and i >= images_from_index:
                parts.append({"type": "image_url", "image_url": {"url": image_data_url(path)}})
            else:
                parts.append({"type": "text", "text": f"[render {path.name} not shown]"})
        if all(p.get("type") == "text" for p in parts):
            out.append({**msg, "content": "\n".join(p["text"] for p in parts)})
        else:
            out.append({**msg, "content": parts})
    return out
