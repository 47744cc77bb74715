"""Reading and writing scenes: native JSON and the SceneReVis / ReSpace dialects.

`load_scene(path_or_dict, dialect="auto")` and `save_scene(scene, path, dialect="native")`
are the entry points; dialects live in a registry so new formats plug in.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from agentscene.fileio import atomic_write_json
from agentscene.formats import native, scenerevis
from agentscene.formats.errors import SceneFormatError, describe_validation_error
from agentscene.formats.registry import (
    Dialect,
    detect_dialect,
    dialect_names,
    get_dialect,
    register_dialect,
)
from agentscene.limits import (
    DEFAULT_LIMITS,
    InputLimitError,
    Limits,
    check_tree,
    loads_json,
    read_regular_file,
)
from agentscene.scene import Scene

#: Scene files larger than this are refused before parsing (Limits.json_bytes).
MAX_SCENE_FILE_BYTES = DEFAULT_LIMITS.json_bytes

register_dialect(Dialect("native", native.is_native, native.load_native, native.dump_native,
                         "agentscene's own format (schema_version, room, objects)"))
register_dialect(Dialect("scenerevis-grouped", scenerevis.is_grouped, scenerevis.load_grouped,
                         scenerevis.dump_grouped, "SceneReVis grouped: room_envelope + groups[].objects"))
register_dialect(Dialect("respace", scenerevis.is_respace, scenerevis.load_respace, scenerevis.dump_respace,
                         "ReSpace flat JSON with sampled_asset_* fields"))
register_dialect(Dialect("scenerevis", scenerevis.is_flat, scenerevis.load_flat, scenerevis.dump_flat,
                         "SceneReVis flat: bounds_top/bounds_bottom + objects[]"))

from agentscene.formats import roomplan  # noqa: E402,F401 - registers the read-only "roomplan" dialect

#: Short names accepted on the command line.
ALIASES = {"scenerevis-flat": "scenerevis", "grouped": "scenerevis-grouped", "flat": "scenerevis"}


def _resolve(name: str) -> str:
    return ALIASES.get(name, name)


def read_json_file(path: str | os.PathLike[str], max_bytes: int = MAX_SCENE_FILE_BYTES, limits: Limits = DEFAULT_LIMITS,
                   *, allow_nan: bool = False) -> Any:
    """Parse a JSON file through the guarded reader (regular files only; size, depth, digits,
    finite numbers unless `allow_nan`, encodable text) with errors that say which file and where."""
    p = Path(path)
    try:
        raw = read_regular_file(p, max_bytes)
    except FileNotFoundError:
        raise SceneFormatError("file not found", source=str(p)) from None
    except InputLimitError as e:
        raise SceneFormatError(str(e).removeprefix(f"{p}: ").removeprefix(f"{p} "), source=str(p)) from None
    except OSError as e:
        raise SceneFormatError(f"cannot read: {e.strerror or e}", source=str(p)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SceneFormatError(f"not UTF-8 text (byte {e.start})", source=str(p)) from None
    try:
        return loads_json(text, limits, what="the file", allow_nan=allow_nan)
    except json.JSONDecodeError as e:
        raise SceneFormatError(f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}", source=str(p)) from None
    except InputLimitError as e:
        raise SceneFormatError(str(e), source=str(p)) from None


def load_scene(source: str | os.PathLike[str] | dict[str, Any] | Scene, dialect: str = "auto") -> Scene:
    """A Scene from a file path, a parsed dict or a Scene; the dialect is detected by default."""
    if isinstance(source, Scene):
        return source
    origin = None
    if isinstance(source, dict):
        try:
            data = check_tree(source, what="the scene")
        except InputLimitError as e:
            raise SceneFormatError(str(e)) from None
    else:
        origin = str(source)
        data = read_json_file(source)
    if not isinstance(data, dict):
        raise SceneFormatError(f"expected a JSON object at the top level, got {type(data).__name__}", source=origin)
    name = _resolve(dialect)
    if name == "auto":
        detected = detect_dialect(data)
        if detected is None:
            raise SceneFormatError(
                "cannot tell the scene format: expected native (`room`, `objects`), SceneReVis "
                "(`bounds_bottom`, `objects` or `room_envelope`, `groups`) or another registered "
                f"dialect ({', '.join(dialect_names())})",
                source=origin,
            )
        name = detected
    try:
        return get_dialect(name).load(data)
    except SceneFormatError as e:
        if origin and e.source is None:
            raise SceneFormatError(e.message, source=origin, problems=e.problems) from None
        raise


def dump_scene(scene: Scene, dialect: str = "native") -> dict[str, Any]:
    """The scene as a JSON-ready dict in the given dialect."""
    d = get_dialect(_resolve(dialect))
    if d.dump is None:
        raise ValueError(f"dialect {d.name!r} can be read but not written")
    return d.dump(scene)


def save_scene(scene: Scene, path: str | os.PathLike[str], dialect: str = "native", indent: int | None = 2) -> Path:
    """Write the scene atomically (temp file + rename)."""
    return atomic_write_json(path, dump_scene(scene, dialect), indent=indent)


__all__ = [
    "ALIASES",
    "Dialect",
    "SceneFormatError",
    "describe_validation_error",
    "detect_dialect",
    "dialect_names",
    "dump_scene",
    "get_dialect",
    "load_scene",
    "read_json_file",
    "register_dialect",
    "save_scene",
]
