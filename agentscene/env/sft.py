"""SFT data from run directories: multi-turn chats with images, in ms-swift or TRL layout.

A run directory (written by `agentscene generate` / the loop) holds `conversation.jsonl` (one chat
message per line), `turns/turn_XX.json` and `renders/`. The chat is the sample; images are the
files it references (`{"type": "image", "image": "renders/turn_01_merged.png"}`, an `image_url`
part, or a message's `images` list), resolved inside the run directory only. Without
`conversation.jsonl` the chat is rebuilt from the turn files, which hold each turn's messages as
the protocol laid them out: the same lines `conversation.jsonl` has.

- ms-swift (the SceneChain layout): `{"messages": [...], "images": [...]}` with an `<image>`
  tag in the text where each image goes; native tool calls become `tool_call` / `tool_response`
  messages and the schemas go in `tools`.
- trl: `{"messages": [...], "images": [...], "tools": [...]}` with `{"type": "image"}` content
  parts and OpenAI-style `tool_calls` (arguments as objects).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from agentscene.limits import loads_json, read_json
from agentscene.loop import TurnRecord, conversation_lines
from agentscene.tools import coerce_call, tool_schemas

SftFormat = Literal["ms-swift", "trl"]
SFT_FORMATS = ("ms-swift", "trl")
MAX_CONVERSATION_BYTES = 64 * 1024 * 1024
_TURN_RE = re.compile(r"^turn_(\d+)\.json$")
_ROLES = ("system", "user", "assistant", "tool")


class RunDirError(ValueError):
    """A run directory that cannot be exported; the message names the file and the reason."""


def _inside(run: Path, ref: str) -> Path:
    """An image reference resolved inside the run directory (no absolute paths, no '..' escapes)."""
    if not isinstance(ref, str) or not ref or ref.startswith(("data:", "http://", "https://")):
        raise RunDirError(f"{run}: image reference {str(ref)[:80]!r} is not a file in the run directory")
    ref = ref.removeprefix("file://")
    path = (run / ref).resolve()
    if not path.is_relative_to(run.resolve()):
        raise RunDirError(f"{run}: image {ref!r} points outside the run directory")
    if not path.is_file():
        raise RunDirError(f"{run}: image {ref!r} does not exist")
    return path


def _split_content(run: Path, message: dict[str, Any]) -> tuple[str, list[Path]]:
    """The text of a message and the images it carries, in order."""
    content = message.get("content")
    images = [_inside(run, ref) for ref in message.get("images") or []]
    if content is None:
        return "", images
    if isinstance(content, str):
        return content, images
    if not isinstance(content, list):
        raise RunDirError(f"{run}: message content must be text or a list of parts, got {type(content).__name__}")
    texts: list[str] = []
    for part in content:
        if not isinstance(part, dict):
            raise RunDirError(f"{run}: a content part must be an object, got {type(part).__name__}")
        kind = part.get("type")
        if kind == "text":
            texts.append(str(part.get("text", "")))
        elif kind == "image":
            images.append(_inside(run, part.get("image") or part.get("path") or ""))
            texts.append("\x00image\x00")
        elif kind == "image_url":
            url = part.get("image_url")
            images.append(_inside(run, url.get("url", "") if isinstance(url, dict) else url or ""))
            texts.append("\x00image\x00")
        else:
            raise RunDirError(f"{run}: unknown content part type {kind!r}")
    return "".join(texts) if texts else "", images


def read_conversation(run: Path) -> list[dict[str, Any]]:
    """The run's chat: conversation.jsonl, or rebuilt from turns/ when there is none."""
    path = run / "conversation.jsonl"
    if not path.is_file():
        return rebuild_from_turns(run)
    if path.stat().st_size > MAX_CONVERSATION_BYTES:
        raise RunDirError(f"{path}: larger than {MAX_CONVERSATION_BYTES} bytes")
    messages = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            msg = loads_json(line, allow_nan=True)
        except ValueError as e:  # invalid JSON or over a limit
            raise RunDirError(f"{path}:{n}: not JSON ({getattr(e, 'msg', e)})") from None
        if not isinstance(msg, dict) or msg.get("role") not in _ROLES:
            raise RunDirError(f"{path}:{n}: a message needs a role ({', '.join(_ROLES)})")
        messages.append(msg)
    if not any(m["role"] == "assistant" for m in messages):
        raise RunDirError(f"{path}: no assistant message to learn from")
    return messages


def rebuild_from_turns(run: Path) -> list[dict[str, Any]]:
    """The chat from turns/turn_XX.json: exactly the lines the loop writes to conversation.jsonl.

    Each turn file holds the messages of its turn (and turn 0 the system message), as the
    protocol laid them out when the run happened; nothing is re-rendered here.
    """
    turns_dir = run / "turns"
    numbers = sorted(int(m.group(1)) for p in (turns_dir.iterdir() if turns_dir.is_dir() else ()) if (m := _TURN_RE.match(p.name)))
    if not numbers:
        raise RunDirError(f"{run}: neither conversation.jsonl nor turns/turn_XX.json")
    records = []
    for k in numbers:
        path = turns_dir / f"turn_{k:02d}.json"
        try:
            data = read_json(path, allow_nan=True)
        except (OSError, ValueError) as e:  # invalid JSON, over a limit, not a regular file
            raise RunDirError(f"{path}: not JSON ({getattr(e, 'msg', e)})") from None
        if not isinstance(data, dict):
            raise RunDirError(f"{path}: a turn file must hold an object")
        if not isinstance(data.get("messages"), list):
            raise RunDirError(f"{path}: the turn file has no messages list (written by another tool or an older agentscene)")
        try:
            records.append(TurnRecord.from_json(data))
        except (ValueError, TypeError) as e:
            raise RunDirError(f"{path}: not a turn record ({str(e).splitlines()[0][:200]})") from None
    messages = conversation_lines(records)
    if not any(m.get("role") == "assistant" for m in messages):
        raise RunDirError(f"{run}: no assistant message to learn from")
    return messages


def _call_dict(call: Any) -> dict[str, Any]:
    c = coerce_call(call)
    if isinstance(c, str):
        raise RunDirError(f"a recorded tool call is malformed: {c}")
    args = c.arguments_dict()
    return {"name": c.name, "arguments": args if args is not None else c.arguments}


def to_sample(run: str | Path, fmt: SftFormat = "ms-swift") -> dict[str, Any]:
    """One training sample from a run directory."""
    run = Path(run)
    if not run.is_dir():
        raise RunDirError(f"{run}: not a directory")
    if fmt not in SFT_FORMATS:
        raise ValueError(f"unknown SFT format {fmt!r}; choose one of {', '.join(SFT_FORMATS)}")
    messages: list[dict[str, Any]] = []
    images: list[str] = []
    uses_tools = False
    for msg in read_conversation(run):
        text, imgs = _split_content(run, msg)
        images += [str(p) for p in imgs]
        role = msg["role"]
        calls = [_call_dict(c) for c in msg.get("tool_calls") or []] if role == "assistant" else []
        uses_tools = uses_tools or bool(calls) or role == "tool"
        if fmt == "ms-swift":
            placeholder_text = text.replace("\x00image\x00", "<image>")
            missing = len(imgs) - placeholder_text.count("<image>")
            content = "<image>" * max(missing, 0) + ("\n" if missing > 0 and placeholder_text else "") + placeholder_text
            if role == "tool":
                messages.append({"role": "tool_response", "content": content})
                continue
            if content or not calls:
                messages.append({"role": role, "content": content})
            messages += [{"role": "tool_call", "content": json.dumps(c, ensure_ascii=False)} for c in calls]
        else:
            parts: list[dict[str, Any]] = []
            pieces = text.split("\x00image\x00")
            inline = len(pieces) - 1
            parts += [{"type": "image"}] * (len(imgs) - inline)
            for i, piece in enumerate(pieces):
                if i:
                    parts.append({"type": "image"})
                if piece:
                    parts.append({"type": "text", "text": piece})
            out: dict[str, Any] = {"role": role, "content": parts}
            if calls:
                out["tool_calls"] = [{"type": "function", "function": c} for c in calls]
            if role == "tool" and msg.get("tool_call_id"):
                out["tool_call_id"] = msg["tool_call_id"]
            messages.append(out)
    sample: dict[str, Any] = {"messages": messages, "images": images}
    if uses_tools:
        schemas = tool_schemas()
        sample["tools"] = json.dumps(schemas, ensure_ascii=False) if fmt == "ms-swift" else schemas
    return sample


def export_sft(runs: Iterable[str | Path], fmt: SftFormat = "ms-swift", *,
               relative_to: str | Path | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Samples from many runs, and one problem line per run that could not be exported.

    With `relative_to` (the folder of the JSONL file being written) image paths are relative to it,
    so the file and its run directories can move together; otherwise they are absolute."""
    samples, problems = [], []
    for run in runs:
        try:
            sample = to_sample(run, fmt)
        except RunDirError as e:
            problems.append(str(e))
            continue
        if relative_to is not None:
            base = Path(relative_to).resolve()
            sample["images"] = [os.path.relpath(image, base) for image in sample["images"]]
        samples.append(sample)
    return samples, problems
