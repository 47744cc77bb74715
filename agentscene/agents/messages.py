"""The user message of a turn, in tagged sections, and the conversions a provider needs.

Sections are tags (SceneReVis style) so any model and the offline planner read the same message;
machine-readable parts (the scene, the physics issues) are JSON inside their tags:

    <user_requirement>a cozy bedroom</user_requirement>
    <turn>2 of 5</turn>
    <tool_results>…</tool_results>            (text protocol, or when the last reply was unusable)
    <physics_feedback>…</physics_feedback>
    <physics_issues>{"colliding_pairs": [...], "out_of_bounds": [...], "floating": [...]}</physics_issues>
    <critic_feedback>…</critic_feedback>
    <current_scene>```json {...} ```</current_scene>

Images are kept as `{"type": "image", "path": ...}` parts (so logs hold paths, not megabytes)
and become `image_url` data URLs only when sent to a model that can see.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from agentscene.agents.client import Message
from agentscene.limits import loads_json

_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


def build_user_message(
    *,
    prompt: str,
    turn: int,
    max_turns: int,
    scene_json: dict[str, Any],
    tool_results: str | None = None,
    physics_text: str | None = None,
    physics_issues: dict[str, Any] | None = None,
    critic_text: str | None = None,
    note: str | None = None,
    images: list[str] = (),
    instructions: str = "Edit the scene with tool calls. Call terminate when it is finished and physically clean.",
) -> Message:
    parts = [f"<user_requirement>{prompt}</user_requirement>", f"<turn>{turn} of {max_turns}</turn>"]
    if note:
        parts.append(f"<note>{note}</note>")
    if tool_results:
        parts.append(f"<tool_results>\n{tool_results}\n</tool_results>")
    if physics_text is not None:
        parts.append(f"<physics_feedback>\n{physics_text}\n</physics_feedback>")
    if physics_issues is not None:
        parts.append("<physics_issues>" + json.dumps(physics_issues, separators=(",", ":")) + "</physics_issues>")
    if critic_text:
        parts.append(f"<critic_feedback>\n{critic_text}\n</critic_feedback>")
    parts.append("<current_scene>\n```json\n" + json.dumps(scene_json, separators=(",", ":")) + "\n```\n</current_scene>")
    if images:
        parts.append("The attached image shows the scene from the top (left) and from a corner (right).")
    parts.append(instructions)
    content: list[dict[str, Any]] = [{"type": "text", "text": "\n".join(parts)}]
    content += [{"type": "image", "path": str(p)} for p in images]
    return {"role": "user", "content": content}


def message_text(message: Message) -> str:
    """All text of a message, whether its content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def tag_text(text: str, tag: str) -> str | None:
    """The content of the first <tag>…</tag>, or None."""
    m = re.search(rf"<{tag}>(.*?)</{tag}>", text, re.DOTALL)
    return m.group(1).strip() if m else None


def tag_json(text: str, tag: str) -> Any | None:
    """The JSON inside <tag>…</tag> (fenced or not), or None when absent or not JSON."""
    body = tag_text(text, tag)
    if body is None:
        return None
    m = _FENCE.match(body)
    if m:
        body = m.group(1)
    try:
        return loads_json(body)
    except ValueError:  # invalid JSON or over a limit
        return None


def image_data_url(path: str | Path) -> str:
    data = Path(path).read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def to_provider(messages: list[Message], *, vision: bool, base_dir: Path | None = None,
                images_from_index: int = 0) -> list[Message]:
    """Messages as a provider takes them: image parts become data URLs (or a note for blind models).

    Images in messages before `images_from_index` are replaced by a short note, so old renders
    do not fill the context window.
    """
    out: list[Message] = []
    for i, msg in enumerate(messages):
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
