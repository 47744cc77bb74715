"""The scene as an agent reads it: compact JSON in a chosen dialect, and a one-line room summary.

Floats are rounded to millimetres and empty fields and metadata dropped, so the JSON is short
and stable. `SceneJsonCache` re-serialises only the objects an edit replaced (frozen scenes
share their unchanged objects), which keeps an RL step well under a millisecond.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from agentscene.formats import dump_scene

if TYPE_CHECKING:
    from agentscene.scene import Room, Scene


def _round(value: Any) -> Any:
    if isinstance(value, float):
        r = round(value, 3)
        return int(r) if r.is_integer() else r
    if isinstance(value, list):
        return [_round(v) for v in value]
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items() if v is not None and v != {} and v != []}
    return value


def _compact(value: Any) -> str:
    return json.dumps(_round(value), ensure_ascii=False, separators=(",", ":"))


def scene_json(scene: Scene, dialect: str = "native") -> str:
    """The scene as compact JSON for a prompt: floats to mm, empty fields and metadata dropped."""
    if dialect == "native":
        return SceneJsonCache()(scene)
    data = dump_scene(scene, dialect)
    for key in ("metadata", "schema_version"):
        data.pop(key, None)
    return _compact(data)


class SceneJsonCache:
    """`scene_json` for one trajectory, re-serialising only what an edit replaced.

    An object seen in the previous scene (same identity) reuses its JSON. Native dialect only;
    other dialects are dumped whole.
    """

    def __init__(self, dialect: str = "native"):
        self.dialect = dialect
        self._room: tuple[Any, str] | None = None
        self._room_line: tuple[Any, str] | None = None
        self._objects: dict[int, tuple[Any, str]] = {}

    def room_summary(self, scene: Scene) -> str:
        """`room_summary`, with the room's line kept while the room object stays the same."""
        if self._room_line is None or self._room_line[0] is not scene.room:
            self._room_line = (scene.room, room_line(scene.room))
        return f"{self._room_line[1]}; {len(scene.objects)} object(s) so far."

    def __call__(self, scene: Scene) -> str:
        if self.dialect != "native":
            return scene_json(scene, self.dialect)
        if self._room is None or self._room[0] is not scene.room:
            self._room = (scene.room, _compact(scene.room.model_dump(mode="json")))
        fresh: dict[int, tuple[Any, str]] = {}
        parts = []
        for obj in scene.objects:
            hit = self._objects.get(id(obj))
            if hit is None or hit[0] is not obj:
                hit = (obj, _compact(obj.model_dump(mode="json")))
            fresh[id(obj)] = hit
            parts.append(hit[1])
        self._objects = fresh
        return '{"room":' + self._room[1] + ',"objects":[' + ",".join(parts) + "]}"


def room_summary(scene: Scene) -> str:
    """One line: room type, shape, extent, area, height, openings and object count."""
    return f"{room_line(scene.room)}; {len(scene.objects)} object(s) so far."


def room_line(room: Room) -> str:
    """The room part of `room_summary`."""
    x0, z0, x1, z1 = room.bounds
    shape = "rectangular" if len(room.floor) == 4 else f"{len(room.floor)}-sided"
    doors = sum(1 for o in room.openings if o.kind == "door")
    windows = sum(1 for o in room.openings if o.kind == "window")
    return (f"{room.room_type.replace('_', ' ')}, {shape}, floor spanning x {x0:g}..{x1:g} m and z {z0:g}..{z1:g} m "
            f"({room.area:.1f} m²), height {room.height:g} m, {doors} door(s), {windows} window(s)")
