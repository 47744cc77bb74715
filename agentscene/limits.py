"""Every bound on untrusted input in one settings object, and the guarded readers that apply them.

Untrusted input (model output, scene files, datasets, asset servers, MCP and HTTP clients)
crosses this boundary: `loads_json` / `read_json` (size, depth, integer digits, non-finite
numbers, unencodable text), `read_regular_file` (regular files only, size-capped), `check_text`
(lone UTF-16 surrogates) and `shown` (what an error message may quote). `Limits` is beside
`Tolerances`: one is how strict the metrics are, the other how much input we accept.
docs/security.md lists every limit and what happens when it is reached.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MeshLimits(_Settings):
    """Caps applied to every mesh read from a dataset or a server, checked before the expensive work."""

    max_file_bytes: int = Field(default=64 * 1024 * 1024, gt=0, description="per file, incl. textures and glTF buffers")
    max_faces: int = Field(default=500_000, gt=0, description="triangles of one asset, instances counted")
    max_vertices: int = Field(default=1_500_000, gt=0, description="vertices of one asset, instances counted")
    max_texture_pixels: int = Field(default=4096 * 4096, gt=0, description="pixels of one texture image, read from its header before decoding")
    max_nodes: int = Field(default=10_000, gt=0, description="nodes of a glTF scene graph")
    max_instances: int = Field(default=10_000, gt=0, description="placements of meshes in a scene graph")


class Limits(_Settings):
    """How much untrusted input is accepted; each limit refuses with a message that names it."""

    json_bytes: int = Field(default=64 * 1024 * 1024, gt=0, description="largest JSON document read (scene files, run files, metadata)")
    json_depth: int = Field(default=64, ge=4, le=500, description="deepest nesting of arrays and objects in any JSON read")
    json_int_digits: int = Field(default=64, ge=20, le=4000, description="most digits of one integer in JSON (Python's own limit is 4300)")
    floor_vertices: int = Field(default=1000, ge=3, description="most vertices of a floor polygon (evaluation, viewer and renderers scale with it)")
    scene_objects: int = Field(default=50_000, ge=1, description="most objects in a scene file")
    tool_objects: int = Field(default=1000, ge=1, description="most objects add_object builds a scene up to")
    tool_argument_chars: int = Field(default=100_000, ge=1, description="longest arguments string of one tool call")
    prompt_chars: int = Field(default=200_000, ge=1, description="longest prompt `generate` accepts; past brief_chars only the start is read, with a warning")
    brief_chars: int = Field(default=4000, ge=100, description="how much of a prompt the brief parser reads and an RL task holds (tokenizers choke on novels)")
    reply_chars: int = Field(default=400_000, ge=1, description="longest model reply the text protocol parses")
    call_id_chars: int = Field(default=256, ge=1, description="longest tool-call id (ids are echoed back)")
    metadata_bytes: int = Field(default=1024 * 1024 * 1024, gt=0, description="largest dataset metadata file (3D-FUTURE model_info, Objaverse annotations), after gunzip")
    viewer_file_bytes: int = Field(default=32 * 1024 * 1024, gt=0, description="largest scene or turn file the viewer reads")
    quote_chars: int = Field(default=80, ge=16, description="longest piece of input an error message quotes")
    http_reply_bytes: int = Field(default=64 * 1024 * 1024, gt=0, description="decoded bytes of one HTTP reply body (gzip, deflate and zstd are decoded in bounded steps; other encodings are refused)")
    http_line_bytes: int = Field(default=1024 * 1024, gt=0, description="one line of a streamed NDJSON reply")
    http_error_bytes: int = Field(default=64 * 1024, gt=0, description="an HTTP error body read for its message")
    http_deadline_s: float = Field(default=1800.0, gt=0, description="total seconds for one request, however slowly the server sends")
    request_body_bytes: int = Field(default=1024 * 1024, gt=0, description="a request body our HTTP servers accept")
    glb_cache_bytes: int = Field(default=256 * 1024 * 1024, gt=0, description="GLBs the asset server keeps in memory (least recently used go first)")
    mesh: MeshLimits = Field(default_factory=MeshLimits)


#: The defaults; pass your own `Limits` where a function takes `limits=`.
DEFAULT_LIMITS = Limits()


class InputLimitError(ValueError):
    """Input over a limit or not representable (too deep, too many digits, NaN, lone surrogate)."""


# -- quoting -------------------------------------------------------------------------------------


def shown(value: Any, limit: int | None = None) -> str:
    """repr(value) cut to `limit` characters, safe for values whose repr would itself fail or be huge."""
    limit = limit or DEFAULT_LIMITS.quote_chars
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 3 * limit:  # repr would need thousands of digits (or raise past 4300)
            return f"<integer of about {int(value.bit_length() * 0.30103) + 1} digits>"
        text = repr(value)
    elif isinstance(value, str):
        text = repr(value[: limit + 1])
    elif isinstance(value, (list, tuple, dict)) and len(value) > limit:
        text = f"<{type(value).__name__} of {len(value)} items>"
    else:
        try:
            text = repr(value)
        except (ValueError, RecursionError):
            text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- text ----------------------------------------------------------------------------------------


def first_unencodable(text: str) -> int:
    """Index of the first character UTF-8 cannot encode (a lone surrogate), or -1."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        return e.start
    return -1


def check_text(text: str, what: str = "text") -> str:
    """`text` unchanged, or InputLimitError when it holds a lone UTF-16 surrogate (half an emoji)."""
    at = first_unencodable(text)
    if at >= 0:
        raise InputLimitError(
            f"{what} holds an unpaired UTF-16 surrogate {text[at]!a} at character {at}, which no file can store; "
            "send whole characters"
        )
    return text


def _repair(text: str) -> str:
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


def repair_text(text: str) -> tuple[str, bool]:
    """`text` with each unencodable character (lone surrogate) replaced by U+FFFD, and whether it changed."""
    if first_unencodable(text) < 0:
        return text, False
    return _repair(text), True


# -- JSON ----------------------------------------------------------------------------------------


def _path(trail: tuple | None) -> str:
    parts = []
    while trail is not None:
        trail, key = trail
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    text = "$" + "".join(reversed(parts))
    return text if len(text) <= 80 else text[:77] + "..."


def check_tree(value: Any, limits: Limits = DEFAULT_LIMITS, what: str = "JSON", *, allow_nan: bool = False,
               repair: list[str] | None = None) -> Any:
    """Walk a parsed JSON value without recursion: refuse nesting past `json_depth`, non-finite
    numbers (unless `allow_nan`), integers past `json_int_digits` and unencodable strings. Returns `value`.

    With `repair` (a list), unencodable strings in lists and dicts are replaced in place by their
    `repair_text` form instead, and the path of each is appended to `repair` so the caller can say so.
    """
    max_bits = int(limits.json_int_digits * 3.33) + 4
    # (node, depth, trail, container): the trail is a linked list of keys, turned into a path only for a message
    stack: list[tuple[Any, int, tuple | None, Any]] = [(value, 1, None, None)]
    while stack:
        node, depth, trail, container = stack.pop()
        if isinstance(node, (dict, list, tuple)):
            if depth > limits.json_depth:
                raise InputLimitError(f"{what} is nested more than {limits.json_depth} levels deep (at {_path(trail)})")
            if isinstance(node, dict):
                for key in list(node):
                    if isinstance(key, str) and first_unencodable(key) >= 0:
                        if repair is None:
                            raise InputLimitError(f"{what}: a key at {_path(trail)} holds an unpaired UTF-16 surrogate")
                        node[_repair(key)] = node.pop(key)
                        repair.append(_path((trail, _repair(key))))
                        key = _repair(key)
                    stack.append((node[key], depth + 1, (trail, key), node))
            else:
                stack.extend((item, depth + 1, (trail, i), node) for i, item in enumerate(node))
        elif isinstance(node, str):
            at = first_unencodable(node)
            if at >= 0:
                if repair is None or not isinstance(container, (dict, list)):
                    raise InputLimitError(f"{what}: the text at {_path(trail)} holds an unpaired UTF-16 surrogate at character {at}")
                container[trail[1]] = _repair(node)  # type: ignore[index]
                repair.append(_path(trail))
        elif isinstance(node, float):
            if not allow_nan and not math.isfinite(node):
                raise InputLimitError(f"{what}: {_path(trail)} is {node}; numbers must be finite")
        elif isinstance(node, int) and not isinstance(node, bool):
            if node.bit_length() > max_bits:
                raise InputLimitError(f"{what}: the integer at {_path(trail)} has more than {limits.json_int_digits} digits")
    return value


def loads_json(text: str | bytes, limits: Limits = DEFAULT_LIMITS, what: str = "JSON", *, allow_nan: bool = False,
               repair: list[str] | None = None) -> Any:
    """json.loads that never raises anything but InputLimitError / json.JSONDecodeError (both ValueError).

    Refuses documents over `json_bytes`, nested past `json_depth`, integers past
    `json_int_digits`, NaN / Infinity and numbers that overflow to infinity (unless `allow_nan`:
    for records such as metrics, never for scenes), and lone surrogates.
    """
    size = len(text)
    if size > limits.json_bytes:
        raise InputLimitError(f"{what} is {size} bytes, over the {limits.json_bytes}-byte limit")

    def parse_int(s: str) -> int:
        if len(s.lstrip("-")) > limits.json_int_digits:
            raise InputLimitError(f"{what} has an integer of {len(s)} digits, over the {limits.json_int_digits}-digit limit")
        return int(s)

    def parse_float(s: str) -> float:
        v = float(s)
        if not allow_nan and not math.isfinite(v):
            raise InputLimitError(f"{what} has the number {s[:40]!r}, too large to represent; numbers must be finite")
        return v

    def parse_constant(s: str) -> Any:
        if allow_nan:
            return float(s)
        raise InputLimitError(f"{what} has {s}; numbers must be finite (NaN and Infinity are not JSON)")

    try:  # the C parser raises RecursionError past ~1000 levels; check_tree enforces json_depth below that
        value = json.loads(text, parse_int=parse_int, parse_float=parse_float, parse_constant=parse_constant)
    except RecursionError:
        raise InputLimitError(f"{what} is nested more than {limits.json_depth} levels deep") from None
    except UnicodeDecodeError as e:
        raise InputLimitError(f"{what} is not UTF-8 text (byte {e.start})") from None
    return check_tree(value, limits, what, allow_nan=allow_nan, repair=repair)


def dumps_json(value: Any) -> str:
    """json.dumps for values a model or SDK handed over, which may not serialise (huge integers,
    nesting past the recursion limit, objects): those become a JSON string describing them."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError, TypeError, OverflowError):
        return json.dumps(f"<not serialisable: {shown(value, 200)}>")


def read_regular_file(path: str | os.PathLike[str], max_bytes: int, what: str | None = None) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; FIFOs, devices, sockets and directories are refused.

    Opened without blocking, so a FIFO never hangs the reader; the size is checked on the open
    file and the read is capped, so a file that grows meanwhile cannot exhaust memory.
    """
    p = Path(path)
    label = what or str(p)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise FileNotFoundError(f"{label}: file not found") from None
    except IsADirectoryError:
        raise InputLimitError(f"{label} is a directory, not a file") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputLimitError(f"{label} is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise InputLimitError(f"{label} is not a regular file (a pipe, device or socket); only regular files are read")
        if st.st_size > max_bytes:
            raise InputLimitError(f"{label} is {st.st_size} bytes, over the {max_bytes}-byte limit")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise InputLimitError(f"{label} is over the {max_bytes}-byte limit")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_json(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS, max_bytes: int | None = None,
              *, allow_nan: bool = False) -> Any:
    """Parse a JSON file through `read_regular_file` and `loads_json`; errors name the file."""
    p = Path(path)
    data = read_regular_file(p, max_bytes or limits.json_bytes)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputLimitError(f"{p}: not UTF-8 text (byte {e.start})") from None
    try:
        return loads_json(text, limits, what=str(p), allow_nan=allow_nan)
    except json.JSONDecodeError as e:
        raise json.JSONDecodeError(f"{p}: {e.msg}", e.doc, e.pos) from None
