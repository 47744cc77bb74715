"""Spatial relations a request can ask for ("a sofa facing the TV", "a desk under the window").

`holds(ix, relation, subject, target)` says whether one object stands in a relation to another
(or to the room: `window`, `wall`, `door`); thresholds are rules.RELATION_PARAMS. A relation
name nobody knows is reported by the caller as skipped, never guessed.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from agentscene.critics.index import Item, SceneIndex, facing_angle
from agentscene.critics.rules import RELATION_PARAMS

ROOM_TARGETS = ("window", "door", "wall")


def gap(a: Item, b: Item) -> float:
    """Distance between two footprints (0 when they touch or overlap), from corners and centres."""
    d1 = min(b.box_distance(x, z) for x, z in (*a.corners, (a.x, a.z)))
    d2 = min(a.box_distance(x, z) for x, z in (*b.corners, (b.x, b.z)))
    return min(d1, d2)


def _openings(ix: SceneIndex, kind: str) -> list[tuple[float, float, object, object]]:
    """(x, z, opening, wall) of each opening of a kind ("door" also takes open doorways)."""
    walls = {w.index: w for w in ix.walls}
    kinds = ("door", "opening") if kind == "door" else (kind,)
    out = []
    for op in ix.scene.room.openings:
        w = walls.get(op.wall)
        if op.kind in kinds and w is not None:
            out.append((w.a[0] + w.direction[0] * op.offset, w.a[1] + w.direction[1] * op.offset, op, w))
    return out


Predicate = Callable[[SceneIndex, Item, "Item | str", dict[str, float]], bool]


def _facing(ix: SceneIndex, a: Item, b: Item | str, p: dict[str, float]) -> bool:
    points = [(o[0], o[1]) for o in _openings(ix, b)] if isinstance(b, str) else [(b.x, b.z)]
    return any(facing_angle(a, x, z) <= p["max_angle"] for x, z in points)


def _beside(ix: SceneIndex, a: Item, b: Item | str, p: dict[str, float]) -> bool:
    if isinstance(b, str):
        return any(math.hypot(a.x - x, a.z - z) <= p["max_gap"] + max(a.w, a.d) / 2 for x, z, _, _ in _openings(ix, b))
    return gap(a, b) <= p["max_gap"]


def _in_front_of(ix: SceneIndex, a: Item, b: Item | str, p: dict[str, float]) -> bool:
    if isinstance(b, str):
        return False
    lx, lz = b.local(a.x, a.z)
    return lz > b.d / 2 - 0.1 and gap(a, b) <= p["max_gap"] and facing_angle(b, a.x, a.z) <= p["max_angle"]


def _under_window(ix: SceneIndex, a: Item, b: Item | str, p: dict[str, float]) -> bool:
    for _, _, op, w in _openings(ix, "window"):
        corners = a.corners
        if min(w.distance(x, z) for x, z in corners) > p["max_gap"]:
            continue
        along = [w.along(x, z) for x, z in corners]
        if min(along) < op.offset + op.width / 2 and max(along) > op.offset - op.width / 2:
            return True
    return False


def _against_wall(ix: SceneIndex, a: Item, b: Item | str, p: dict[str, float]) -> bool:
    return ix.back_gap(a, p["max_angle"])[0] <= p["max_gap"]


def _on(ix: SceneIndex, a: Item, b: Item | str, p: dict[str, float]) -> bool:
    if isinstance(b, str):
        return False
    return a.obj.support == b.id or (abs(a.bottom - b.top) <= p["max_gap"] and b.box_distance(a.x, a.z) <= 1e-6)


PREDICATES: dict[str, Predicate] = {
    "facing": _facing, "beside": _beside, "near": _beside, "in_front_of": _in_front_of,
    "under_window": _under_window, "against_wall": _against_wall, "on": _on,
}
#: relations that need no target object
UNARY = frozenset({"under_window", "against_wall"})


def relation_names() -> list[str]:
    return sorted({*PREDICATES, "flanked_by"})


def holds(ix: SceneIndex, relation: str, subjects: list[Item], targets: list[Item] | str | None) -> bool:
    """Whether some subject stands in the relation to some target (`flanked_by`: two targets, one each side)."""
    p = RELATION_PARAMS[relation]
    if relation == "flanked_by":
        if not isinstance(targets, list):
            return False
        for a in subjects:
            sides = {math.copysign(1.0, a.local(t.x, t.z)[0]) for t in targets if t is not a and gap(a, t) <= p["max_gap"]}
            if len(sides) == 2:
                return True
        return False
    fn = PREDICATES[relation]
    if relation in UNARY:
        return any(fn(ix, a, "", p) for a in subjects)
    if isinstance(targets, str):
        return any(fn(ix, a, targets, p) for a in subjects)
    return any(fn(ix, a, t, p) for a in subjects for t in targets or [] if t is not a)
