"""Per-session scene state, autosaved so a disconnect or a killed server loses nothing.

A session owns `workdir/sessions/<key>/`: `scene.json` (the current scene, native, rewritten
atomically after every change) and `turns/turn_XX.json` (one file per change: the tool call,
its result and the scene after it), the same layout as a `generate` run directory, so
`agentscene view` can replay an MCP session with its slider. Undo keeps scenes in memory only.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections import OrderedDict, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agentscene.fileio import atomic_write_json
from agentscene.formats import dump_scene, load_scene
from agentscene.mcpserver.settings import MCPSettings
from agentscene.scene import Room, Scene

SESSIONS_DIR = "sessions"
SCENE_FILE = "scene.json"
TURNS_DIR = "turns"
_TURN_RE = re.compile(r"^turn_(\d+)\.json$")
_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def _save_json(path: Path, data: Any, indent: int | None, within: Path) -> None:
    """Atomic rename without fsync: a killed server loses nothing, and an edit stays ~1 ms.

    Only an OS crash could lose the last edits; an interactive agent would feel the ~10 ms
    an fsync costs on a busy disk.
    """
    atomic_write_json(path, data, indent=indent, fsync=False, within=within)


class SessionBusy(RuntimeError):
    """Another live server process holds this session directory."""


def default_scene() -> Scene:
    """The empty room a session starts with when no scene was given: 5 m x 4 m, 2.8 m high."""
    room = Room(room_type="room", floor=((0.0, 0.0), (5.0, 0.0), (5.0, 4.0), (0.0, 4.0)), height=2.8)
    return Scene(room=room, metadata={"provenance": "agentscene mcp default room"})


def turn_numbers(turns_dir: Path) -> list[int]:
    """Turn numbers present in a turns/ directory, ascending."""
    if not turns_dir.is_dir():
        return []
    found = []
    for entry in os.scandir(turns_dir):
        m = _TURN_RE.match(entry.name)
        if m:
            found.append(int(m.group(1)))
    return sorted(found)


def turn_path(turns_dir: Path, turn: int) -> Path:
    return turns_dir / f"turn_{turn:02d}.json"


class SceneSession:
    """One client's scene: the current scene, an undo stack and the autosave directory."""

    def __init__(self, key: str, directory: Path, scene: Scene, *, next_turn: int, undo_depth: int, history_turns: int):
        self.key = key
        self.directory = directory
        self.scene = scene
        self._undo: deque[Scene] = deque(maxlen=undo_depth)
        self._next_turn = next_turn
        self._history_turns = history_turns

    @property
    def scene_file(self) -> Path:
        return self.directory / SCENE_FILE

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def commit(self, scene: Scene, *, tool: str, arguments: dict[str, Any] | None, result: dict[str, Any], undoable: bool = True) -> int:
        """Make `scene` current, save it and record the turn; returns the turn number."""
        if undoable:
            self._undo.append(self.scene)
        self.scene = scene
        return self._save(tool, arguments, result)

    def undo(self) -> Scene | None:
        """Restore the scene before the last change (and save it); None when there is nothing to undo."""
        if not self._undo:
            return None
        previous = self._undo.pop()
        self.scene = previous
        self._save("undo", {}, {"tool": "undo", "ok": True, "message": "Restored the previous scene."})
        return previous

    def _save(self, tool: str, arguments: dict[str, Any] | None, result: dict[str, Any]) -> int:
        data = dump_scene(self.scene, "native")
        turn = self._next_turn
        turns_dir = self.directory / TURNS_DIR
        _save_json(turn_path(turns_dir, turn), {
            "turn": turn,
            "source": "mcp",
            "time": time.time(),
            "tool_calls": [{"name": tool, "arguments": arguments or {}}],
            "results": [result],
            "metrics": {},
            "scene": data,
        }, indent=None, within=self.directory)
        _save_json(self.scene_file, data, indent=2, within=self.directory)
        self._next_turn += 1
        stale = turn - self._history_turns
        if stale >= 0:
            turn_path(turns_dir, stale).unlink(missing_ok=True)
        return turn


class SessionStore:
    """Sessions by key: an LRU in memory, the truth on disk under `workdir/sessions/`."""

    def __init__(self, settings: MCPSettings):
        self.settings = settings
        self.root = settings.workdir.resolve() / SESSIONS_DIR
        self._live: OrderedDict[str, SceneSession] = OrderedDict()
        self._locks: dict[str, int] = {}

    def get(self, key: str) -> SceneSession:
        """The session for `key`, resumed from disk or started fresh."""
        session = self._live.get(key)
        if session is not None:
            self._live.move_to_end(key)
            return session
        session = self._open(key)
        self._live[key] = session
        if len(self._live) > self.settings.max_sessions_in_memory:
            # everything is on disk already; an evicted session reloads on its next call (without its undo stack)
            for old in list(self._live):
                if old not in self._locks:
                    del self._live[old]
                    break
        return session

    def lock(self, key: str) -> None:
        """Hold this session's directory for the life of the process (one stdio server per session)."""
        directory = self._directory(key)
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise SessionBusy(
                f"session {key!r} in {self.settings.workdir} is in use by another agentscene mcp server "
                f"(pid {holder}); pass --session NAME for a separate session"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        self._locks[key] = fd

    def close(self) -> None:
        for fd in self._locks.values():
            os.close(fd)
        self._locks.clear()
        self._live.clear()

    def __iter__(self) -> Iterator[SceneSession]:
        return iter(list(self._live.values()))

    def _directory(self, key: str) -> Path:
        if not _KEY_RE.match(key):
            raise ValueError(f"invalid session key {key!r}")
        return self.root / key

    def _open(self, key: str) -> SceneSession:
        directory = self._directory(key)
        turns = turn_numbers(directory / TURNS_DIR)
        scene_file = directory / SCENE_FILE
        if scene_file.exists():
            scene = load_scene(scene_file, dialect="native")
            return SceneSession(key, directory, scene, next_turn=(turns[-1] + 1) if turns else 0,
                                undo_depth=self.settings.undo_depth, history_turns=self.settings.history_turns)
        scene = self._initial_scene()
        session = SceneSession(key, directory, scene, next_turn=0, undo_depth=self.settings.undo_depth,
                               history_turns=self.settings.history_turns)
        origin = str(self.settings.scene) if self.settings.scene else "default room"
        session.commit(scene, tool="start", arguments={"from": origin}, undoable=False,
                       result={"tool": "start", "ok": True, "message": f"Session started from {origin}."})
        return session

    def _initial_scene(self) -> Scene:
        if self.settings.scene is None:
            return default_scene()
        return load_scene(self.settings.scene)

