"""What the viewer shows: one scene file, or a run directory with turns/turn_XX.json history.

Reads only the target: the scene file, or inside the run directory `scene.json`,
`turns/turn_XX.json` and `renders/turn_XX_<view>.png`. A change is noticed by a version token
built from modification times, cheap enough to poll ten times a second.
"""

from __future__ import annotations

import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentscene.formats import SceneFormatError, dump_scene, load_scene, read_json_file
from agentscene.limits import DEFAULT_LIMITS
from agentscene.scene import Scene

_TURN_RE = re.compile(r"^turn_(\d+)\.json$")
_VIEW_RE = re.compile(r"^[a-z0-9_]{1,32}$")
#: Largest scene or turn file the viewer reads (Limits.viewer_file_bytes).
MAX_FILE_BYTES = DEFAULT_LIMITS.viewer_file_bytes
#: Longest list of tool calls / results shown for one turn.
MAX_CALLS_SHOWN = 200


class ViewerTargetError(ValueError):
    """The path given to `agentscene view` is not a scene file or run directory."""


def _stamp(path: Path) -> str:
    try:
        st = path.stat()
    except FileNotFoundError:
        return "-"
    return f"{st.st_mtime_ns}.{st.st_ino}.{st.st_size}"


@dataclass(frozen=True)
class Turn:
    number: int
    path: Path


class ViewTarget:
    """A scene file or a run directory, read fresh on every request (files change under us)."""

    def __init__(self, path: Path):
        path = path.resolve()
        if not path.exists():
            raise ViewerTargetError(f"{path} does not exist")
        self.path = path
        if path.is_file():
            self.kind = "scene"
        elif (path / "scene.json").is_file() or (path / "turns").is_dir():
            self.kind = "run"
        else:
            hint = ""
            sessions = path / "sessions"
            if sessions.is_dir():
                names = sorted(p.name for p in sessions.iterdir() if p.is_dir())[:10]
                hint = f"; it looks like an MCP workdir: view one of its sessions, e.g. {sessions / names[0]}" if names else ""
            raise ViewerTargetError(f"{path} is neither a scene file nor a run directory (no scene.json or turns/){hint}")

    @property
    def name(self) -> str:
        return self.path.name

    def inside(self, path: Path) -> Path | None:
        """`path` when it is a regular file whose real path lies inside the run directory, else None:
        a symlinked turn or render pointing elsewhere on the machine is never read or served."""
        try:
            real = path.resolve(strict=True)
            regular = stat.S_ISREG(real.stat().st_mode)
        except (OSError, RuntimeError):  # missing, a symlink loop, unreadable
            return None
        return real if regular and real.is_relative_to(self.path) else None

    def version(self) -> str:
        """Changes whenever anything the page shows changes (atomic renames update these stamps)."""
        if self.kind == "scene":
            return _stamp(self.path)
        return "|".join((_stamp(self.path / "scene.json"), _stamp(self.path / "turns"), _stamp(self.path / "renders")))

    def turns(self) -> list[Turn]:
        if self.kind != "run":
            return []
        turns_dir = self.path / "turns"
        if not turns_dir.is_dir():
            return []
        found = [Turn(int(m.group(1)), turns_dir / e.name) for e in os.scandir(turns_dir) if (m := _TURN_RE.match(e.name))]
        return sorted(found, key=lambda t: t.number)

    def current_scene(self) -> Scene:
        """The scene as it is now: the file, or the run's scene.json, or its latest turn's scene."""
        if self.kind == "scene":
            return load_scene(read_json_file(self.path, MAX_FILE_BYTES))
        scene_file = self.inside(self.path / "scene.json")
        if scene_file is not None:
            return load_scene(read_json_file(scene_file, MAX_FILE_BYTES))
        for turn in reversed(self.turns()):
            try:
                scene = self.read_turn(turn.number).get("scene_obj")
            except KeyError:  # not a regular file inside the run directory
                continue
            if isinstance(scene, Scene):
                return scene
        raise SceneFormatError("the run has no scene.json and no turn with a readable scene yet", source=str(self.path))

    def read_turn(self, number: int) -> dict[str, Any]:
        """One turn: its scene (native JSON), tool calls, results, metrics and which renders exist."""
        path = self.inside(self.path / "turns" / f"turn_{number:02d}.json") if self.kind == "run" else None
        if path is None:
            raise KeyError(number)
        out: dict[str, Any] = {"turn": number, "tool_calls": [], "results": [], "metrics": {}, "scene": None, "problem": None}
        try:
            data = read_json_file(path, MAX_FILE_BYTES, allow_nan=True)  # metrics may hold NaN; jsonable() nulls it
        except SceneFormatError as e:
            out["problem"] = e.message
            return out
        if not isinstance(data, dict):
            out["problem"] = "the turn file is not a JSON object"
            return out
        for key in ("tool_calls", "results"):
            value = data.get(key)
            if isinstance(value, list):
                out[key] = value[:MAX_CALLS_SHOWN]
        if isinstance(data.get("metrics"), dict):
            out["metrics"] = data["metrics"]
        raw_scene = data.get("scene")
        if isinstance(raw_scene, dict):
            try:
                scene = load_scene(raw_scene)
            except SceneFormatError as e:
                out["problem"] = f"the turn's scene cannot be read: {e.message}"
            else:
                out["scene_obj"] = scene
                out["scene"] = dump_scene(scene, "native")
        out["renders"] = self.renders(number)
        return out

    def renders(self, number: int) -> list[str]:
        renders = self.path / "renders"
        if not renders.is_dir():
            return []
        prefix = f"turn_{number:02d}_"
        return sorted(e.name[len(prefix):-4] for e in os.scandir(renders)
                      if e.name.startswith(prefix) and e.name.endswith(".png") and _VIEW_RE.match(e.name[len(prefix):-4]))

    def render_path(self, number: int, view: str) -> Path | None:
        """The PNG of a turn's render, only from renders/ and only by this exact name pattern."""
        if self.kind != "run" or not _VIEW_RE.match(view):
            return None
        return self.inside(self.path / "renders" / f"turn_{number:02d}_{view}.png")


def jsonable(value: Any) -> Any:
    """Turn-file content sent back as it is, but strict JSON: NaN and infinities become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value
