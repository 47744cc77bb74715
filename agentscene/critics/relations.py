"""Spatial relations a brief can ask for ("a sofa facing the TV", "nightstands either side of the bed").

The relation names are the brief's (agentscene.brief.model.RelationKind). `holds(ix, relation,
subjects, targets)` says whether the scene's objects stand in the relation; thresholds are
rules.RELATION_PARAMS. Room-relative relations (in_corner, against_wall, on_wall, by_window)
take no target.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from agentscene.critics.index import Item, JudgedScene, facing_angle
from agentscene.critics.rules import RELATION_PARAMS

#: relations with no target object: they relate the subject to the room
ROOM_RELATIONS = frozenset({"in_corner", "against_wall", "on_wall", "by_window"})
#: relations every subject must satisfy ("six chairs around the table"), not just one of them
ALL_SUBJECTS = frozenset({"around", "at", "at_sides", "at_ends"})


def gap(a: Item, b: Item) -> float:
    """Distance between two footprints (0 when they touch or overlap), from corners and centres."""
    d1 = min(b.box_distance(x, z) for x, z in (*a.corners, (a.x, a.z)))
    d2 = min(a.box_distance(x, z) for x, z in (*b.corners, (b.x, b.z)))
    return min(d1, d2)


def _closest(table: Item, it: Item) -> tuple[float, float]:
    lx, lz = table.local(it.x, it.z)
    if abs(lx) <= table.w / 2 and abs(lz) <= table.d / 2:
        return table.x, table.z
    return table.world(max(-table.w / 2, min(table.w / 2, lx)), max(-table.d / 2, min(table.d / 2, lz)))


Pair = Callable[[JudgedScene, Item, Item, dict[str, float]], bool]
Room = Callable[[JudgedScene, Item, dict[str, float]], bool]


def _facing(ix: JudgedScene, a: Item, b: Item, p: dict[str, float]) -> bool:
    return facing_angle(a, *_closest(b, a)) <= p["max_angle"] or facing_angle(a, b.x, b.z) <= p["max_angle"]


def _beside(ix: JudgedScene, a: Item, b: Item, p: dict[str, float]) -> bool:
    return gap(a, b) <= p["max_gap"]


def _at(ix: JudgedScene, a: Item, b: Item, p: dict[str, float]) -> bool:
    return gap(a, b) <= p["max_gap"] and facing_angle(a, *_closest(b, a)) <= p["max_angle"]


def _long_axis_local(b: Item, a: Item) -> tuple[float, float, float, float]:
    """(along, across, half_long, half_short): a's centre in b's frame, with b's long side first."""
    lx, lz = b.local(a.x, a.z)
    return (lx, lz, b.w / 2, b.d / 2) if b.w >= b.d else (lz, lx, b.d / 2, b.w / 2)


def _at_ends(ix: JudgedScene, a: Item, b: Item, p: dict[str, float]) -> bool:
    along, _, half_long, _ = _long_axis_local(b, a)
    return _at(ix, a, b, p) and abs(along) > half_long


def _at_sides(ix: JudgedScene, a: Item, b: Item, p: dict[str, float]) -> bool:
    along, _, half_long, _ = _long_axis_local(b, a)
    return _at(ix, a, b, p) and abs(along) <= half_long


def _in_front_of(ix: JudgedScene, a: Item, b: Item, p: dict[str, float]) -> bool:
    _, lz = b.local(a.x, a.z)
    return lz > b.d / 2 - 0.1 and gap(a, b) <= p["max_gap"] and facing_angle(b, a.x, a.z) <= p["max_angle"]


def _at_foot(ix: JudgedScene, a: Item, b: Item, p: dict[str, float]) -> bool:
    lx, lz = b.local(a.x, a.z)
    return lz > b.d / 2 - 0.1 and abs(lx) <= b.w / 2 + 0.1 and gap(a, b) <= p["max_gap"]


def _on(ix: JudgedScene, a: Item, b: Item, p: dict[str, float]) -> bool:
    return a.obj.support == b.id or (abs(a.bottom - b.top) <= ix.tol.support_tolerance and b.box_distance(a.x, a.z) <= 1e-6)


def _under(ix: JudgedScene, a: Item, b: Item, p: dict[str, float]) -> bool:
    """a lies under b: their footprints overlap and a is the lower (a rug under a table, a stool tucked under)."""
    if a.bottom > b.bottom + p["max_gap"] or a.top > b.top + 0.3:
        return False
    return a.box_distance(b.x, b.z) <= 1e-6 or any(a.box_distance(x, z) <= 1e-6 for x, z in b.corners)


def _above(ix: JudgedScene, a: Item, b: Item, p: dict[str, float]) -> bool:
    """a hangs above b: higher than b's top, its centre over b's footprint grown by `max_gap`."""
    return a.bottom >= b.top - 0.05 and b.box_distance(a.x, a.z) <= p["max_gap"]


def _in_corner(ix: JudgedScene, a: Item, p: dict[str, float]) -> bool:
    near = [w for w in ix.walls if min(w.distance(x, z) for x, z in a.corners) <= p["max_gap"]]
    return any(abs(u.direction[0] * v.direction[0] + u.direction[1] * v.direction[1]) < 0.5 for u in near for v in near)


def _against_wall(ix: JudgedScene, a: Item, p: dict[str, float]) -> bool:
    return ix.back_gap(a, p["max_angle"])[0] <= p["max_gap"]


def _on_wall(ix: JudgedScene, a: Item, p: dict[str, float]) -> bool:
    return a.obj.support == "wall" and ix.back_gap(a, p["max_angle"])[0] <= ix.tol.wall_tolerance + p["max_gap"]


def _by_window(ix: JudgedScene, a: Item, p: dict[str, float]) -> bool:
    walls = {w.index: w for w in ix.walls}
    for op in ix.scene.room.openings:
        w = walls.get(op.wall)
        if op.kind != "window" or w is None:
            continue
        if min(w.distance(x, z) for x, z in (*a.corners, (a.x, a.z))) > p["max_gap"]:
            continue
        along = [w.along(x, z) for x, z in a.corners]
        if min(along) < op.offset + op.width / 2 and max(along) > op.offset - op.width / 2:
            return True
    return False


PAIR: dict[str, Pair] = {
    "facing": _facing, "beside": _beside, "at": _at, "around": _at, "at_ends": _at_ends, "at_sides": _at_sides,
    "in_front_of": _in_front_of, "at_foot": _at_foot, "on": _on, "under": _under, "above": _above,
}
ROOM: dict[str, Room] = {"in_corner": _in_corner, "against_wall": _against_wall, "on_wall": _on_wall, "by_window": _by_window}


#: how a finding says each relation
WORDS = {
    "either_side": "either side of", "in_front_of": "in front of", "at_foot": "at the foot of", "at_ends": "at the ends of",
    "at_sides": "at the sides of", "by_window": "by the window", "in_corner": "in a corner", "on_wall": "on a wall",
    "against_wall": "against a wall",
}


def relation_names() -> list[str]:
    return sorted({*PAIR, *ROOM, "either_side"})


def holds(ix: JudgedScene, relation: str, subjects: list[Item], targets: list[Item]) -> bool:
    """Whether the subjects stand in `relation` to the targets (to the room for ROOM_RELATIONS).

    One subject suffices, except for ALL_SUBJECTS relations (every subject at some target) and
    `either_side` (subjects on both sides of one target, "nightstands either side of the bed").
    """
    p = RELATION_PARAMS[relation]
    if not subjects:
        return False
    if relation in ROOM:
        return any(ROOM[relation](ix, a, p) for a in subjects)
    if relation == "either_side":
        for t in targets:
            sides = {math.copysign(1.0, t.local(a.x, a.z)[0]) for a in subjects if a is not t and gap(a, t) <= p["max_gap"]}
            if len(sides) == 2:
                return True
        return False
    fn = PAIR[relation]
    if relation in ALL_SUBJECTS:
        return all(any(fn(ix, a, t, p) for t in targets if t is not a) for a in subjects)
    return any(fn(ix, a, t, p) for a in subjects for t in targets if t is not a)
