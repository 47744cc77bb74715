"""3D question/answer pairs whose answers are computed from the scene geometry.

Every question states what it measures or from where it looks, so the answer is unambiguous:

- distances are horizontal, in metres, between footprints (nearest edges) unless the question
  says "centre"; distances to a door or window are measured to the middle of the opening;
- left/right are egocentric for a stated viewer: "standing in the doorway looking at X"
  (the viewer 0.3 m inside the door) or "facing the front of X" (the viewer 1.5 m in front of
  X looking back at it). An object counts as left or right when its bearing differs from the
  line of sight by at least 10 degrees (and from straight behind by as much);
- compass directions: north is -z (the top of the top view), east is +x.

Each pair carries the answer as text (`answer`) and as a value (`value`: a number, a word or
a sorted list of object ids) for exact scoring.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentscene.datasets.sampling import sample_distinct
from agentscene.datasets.spatial import (
    FLAT_HEIGHT,
    SceneIndex,
    compass_of,
    front,
    noun,
    plural,
    with_article,
)
from agentscene.scene import Scene, SceneObject

#: Bearing difference (degrees) below which an object is "ahead", neither left nor right.
SIDE_MARGIN_DEG = 10.0
#: "what is on its left" only looks this far from the object (m, footprint gap).
NEAR = 2.0

FAMILIES = {
    "chairs": ("chair", "dining_chair", "office_chair", "armchair"),
    "tables": ("table", "dining_table", "coffee_table", "side_table", "console_table"),
    "lamps": ("floor_lamp", "table_lamp", "ceiling_lamp", "wall_lamp"),
}
#: categories worth asking about even when absent (answer 0)
COMMON = ("bed", "sofa", "armchair", "desk", "dining_chair", "tv", "bookshelf", "plant", "wardrobe", "bathtub", "fridge", "rug")
_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass(frozen=True)
class QAPair:
    kind: str
    question: str
    answer: str
    value: Any
    targets: list[str]
    meta: dict[str, Any] = field(default_factory=dict)


def _m(v: float) -> float:
    return round(float(v), 2)


def _named(ix: SceneIndex) -> list[SceneObject]:
    return [o for o in ix.scene.objects if ix.name(o) and o.size[1] > FLAT_HEIGHT]


def _listing(objs: list[SceneObject]) -> str:
    """ "a sofa and two dining chairs" """
    counts = Counter(o.category for o in objs)
    parts = [with_article(noun(c)) if n == 1 else f"{_WORDS[n] if n < len(_WORDS) else n} {plural(c)}" for c, n in sorted(counts.items())]
    if not parts:
        return "nothing"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def bearing_side(vx: float, vz: float, tx: float, tz: float, px: float, pz: float) -> str | None:
    """Is point p left or right of target t for a viewer at v looking at t? None when nearly ahead."""
    fx, fz = tx - vx, tz - vz
    qx, qz = px - vx, pz - vz
    if math.hypot(fx, fz) < 1e-9 or math.hypot(qx, qz) < 1e-9:
        return None
    # the viewer's right is forward x up = (-fz, fx) in (x, z)
    lateral = qx * -fz + qz * fx
    ahead = qx * fx + qz * fz
    angle = math.degrees(math.atan2(lateral, ahead))
    if abs(angle) < SIDE_MARGIN_DEG or abs(angle) > 180.0 - SIDE_MARGIN_DEG:
        return None  # straight ahead or straight behind
    return "right" if angle > 0 else "left"


# -- question kinds ---------------------------------------------------------------------------


def q_count(ix: SceneIndex, rng: random.Random) -> QAPair | None:
    roll = rng.random()
    if roll < 0.25:
        family = rng.choice(sorted(FAMILIES))
        members = FAMILIES[family]
        n = sum(len(ix.by_category.get(c, [])) for c in members)
        kinds = ", ".join(noun(c) for c in members[:-1]) + " or " + noun(members[-1])
        return QAPair("count", f"How many {family} are there in the room, counting every {kinds}?", str(n), n, [],
                      {"categories": list(members)})
    present = sorted(ix.by_category)
    absent = [c for c in COMMON if c not in ix.by_category]
    if roll < 0.4 and absent:
        category = rng.choice(absent)
    elif present:
        category = rng.choice(present)
    else:
        return None
    n = len(ix.by_category.get(category, []))
    q = rng.choice((f"How many {plural(category)} are there?", f"How many {plural(category)} does the room have?"))
    return QAPair("count", q, str(n), n, [o.id for o in ix.by_category.get(category, [])], {"categories": [category]})


def q_distance(ix: SceneIndex, rng: random.Random) -> QAPair | None:
    named = _named(ix)
    if len(named) < 2:
        return None
    a, b = rng.sample(named, 2)
    if rng.random() < 0.7:
        d = _m(ix.gap(a, b))
        q = f"How far apart are {ix.name(a)} and {ix.name(b)}, edge to edge?"
        metric = "footprint_gap"
    else:
        d = _m(math.hypot(a.position[0] - b.position[0], a.position[2] - b.position[2]))
        q = f"How far is the centre of {ix.name(a)} from the centre of {ix.name(b)}?"
        metric = "centre_to_centre"
    answer = f"{d:.2f} m" + (" (they touch)" if d == 0 else "")
    return QAPair("distance", q, answer, d, [a.id, b.id], {"unit": "m", "metric": metric})


def q_distance_opening(ix: SceneIndex, rng: random.Random) -> QAPair | None:
    from shapely.geometry import Point

    kinds = [k for k in ("door", "window") if len(ix.anchors_of(k)) == 1]
    named = _named(ix)
    if not kinds or not named:
        return None
    kind = rng.choice(kinds)
    anchor = ix.anchors_of(kind)[0]
    obj = rng.choice(named)
    d = _m(ix.feet[obj.id].distance(Point(anchor.x, anchor.z)))
    q = f"How far is {ix.name(obj)} from the {kind}?"
    return QAPair("distance", q, f"{d:.2f} m", d, [obj.id], {"unit": "m", "metric": f"footprint_to_{kind}_centre"})


def _sided(ix: SceneIndex, vx: float, vz: float, target: SceneObject, side: str, near: bool) -> list[SceneObject]:
    tx, tz = target.position[0], target.position[2]
    out = []
    for o in ix.scene.objects:
        if o.id == target.id or o.size[1] <= FLAT_HEIGHT or o.support in ("wall", "ceiling") or o.support == target.id:
            continue
        if near and ix.gap(o, target) > NEAR:
            continue
        if bearing_side(vx, vz, tx, tz, o.position[0], o.position[2]) == side:
            out.append(o)
    return out


def q_left_right_from_door(ix: SceneIndex, rng: random.Random) -> QAPair | None:
    doors = ix.anchors_of("door")
    named = _named(ix)
    if len(doors) != 1 or len(named) < 2:
        return None
    door = doors[0]
    vx, vz = door.x + door.inward[0] * 0.3, door.z + door.inward[1] * 0.3
    a, b = rng.sample(named, 2)
    side = bearing_side(vx, vz, b.position[0], b.position[2], a.position[0], a.position[2])
    if side is None:
        return None
    q = f"Standing in the doorway and looking at {ix.name(b)}, is {ix.name(a)} to its left or to its right?"
    return QAPair("relation", q, side, side, [a.id, b.id], {"viewpoint": "door", "viewer": [_m(vx), _m(vz)]})


def q_left_of(ix: SceneIndex, rng: random.Random) -> QAPair | None:
    named = _named(ix)
    if not named:
        return None
    target = rng.choice(named)
    side = rng.choice(("left", "right"))
    doors = ix.anchors_of("door")
    if len(doors) == 1 and rng.random() < 0.5:
        door = doors[0]
        vx, vz = door.x + door.inward[0] * 0.3, door.z + door.inward[1] * 0.3
        q = f"Standing in the doorway and looking at {ix.name(target)}, what is to the {side} of it?"
        viewpoint = "door"
        found = _sided(ix, vx, vz, target, side, near=False)
    else:
        fx, fz = front(target.yaw)
        reach = target.size[2] / 2 + 1.5
        vx, vz = target.position[0] + fx * reach, target.position[2] + fz * reach
        q = f"Facing the front of {ix.name(target)}, what is on its {side}, within {NEAR:g} m of it?"
        viewpoint = "facing_front"
        found = _sided(ix, vx, vz, target, side, near=True)
    found.sort(key=lambda o: o.id)
    return QAPair("relation", q, _listing(found), [o.id for o in found], [target.id],
                  {"viewpoint": viewpoint, "viewer": [_m(vx), _m(vz)], "side": side})


def q_nearest(ix: SceneIndex, rng: random.Random) -> QAPair | None:
    named = _named(ix)
    if not named:
        return None
    target = rng.choice(named)
    others = [o for o in ix.scene.objects if o.id != target.id and o.size[1] > FLAT_HEIGHT
              and o.support != target.id and target.support != o.id]
    if len(others) < 2:
        return None
    ranked = sorted((ix.gap(target, o), o.id, o) for o in others)
    if ranked[1][0] - ranked[0][0] < 0.1:
        return None  # no clear winner
    best = ranked[0][2]
    answer = ix.name(best) or with_article(noun(best.category))
    return QAPair("nearest", f"Which object is closest to {ix.name(target)}?", answer, best.id, [target.id, best.id],
                  {"metric": "footprint_gap", "distance": _m(ranked[0][0])})


def q_size(ix: SceneIndex, rng: random.Random) -> QAPair | None:
    named = _named(ix)
    if not named:
        return None
    obj = rng.choice(named)
    axis, word = rng.choice(((1, "tall"), (0, "wide"), (2, "deep")))
    v = _m(obj.size[axis])
    return QAPair("size", f"How {word} is {ix.name(obj)}?", f"{v:.2f} m", v, [obj.id], {"unit": "m", "axis": "xyz"[axis]})


def q_facing(ix: SceneIndex, rng: random.Random) -> QAPair | None:
    named = [o for o in _named(ix) if compass_of(*front(o.yaw), tolerance_deg=10.0)]
    if not named:
        return None
    obj = rng.choice(named)
    side = compass_of(*front(obj.yaw), tolerance_deg=10.0)
    q = f"Which compass direction does {ix.name(obj)} face (north is -z, east is +x)?"
    return QAPair("facing", q, side, side, [obj.id], {"yaw": obj.yaw})


def q_room(ix: SceneIndex, rng: random.Random) -> QAPair | None:
    if rng.random() < 0.5:
        area = round(ix.room.area, 1)
        return QAPair("room", "What is the floor area of the room?", f"{area:.1f} m²", area, [], {"unit": "m2"})
    kind = rng.choice(("door", "window"))
    n = len(ix.anchors_of(kind))
    return QAPair("count", f"How many {kind}s does the room have?", str(n), n, [], {"categories": [kind]})


QUESTIONS: dict[str, Callable[[SceneIndex, random.Random], QAPair | None]] = {
    "count": q_count, "distance": q_distance, "distance_opening": q_distance_opening,
    "left_right_from_door": q_left_right_from_door, "left_of": q_left_of, "nearest": q_nearest,
    "size": q_size, "facing": q_facing, "room": q_room,
}
WEIGHTS = {"count": 2, "distance": 2, "distance_opening": 2, "left_right_from_door": 2, "left_of": 3, "nearest": 2,
           "size": 1, "facing": 1, "room": 1}


def synthesize_qa(scene: Scene, n: int, rng: random.Random, *, kinds: list[str] | None = None, attempts: int = 8,
                  index: SceneIndex | None = None) -> list[QAPair]:
    """Up to n distinct question/answer pairs for one scene."""
    index = index or SceneIndex(scene)
    generators = {name: (lambda rng, q=question: q(index, rng)) for name, question in QUESTIONS.items()}
    return sample_distinct(generators, kinds, WEIGHTS, n, rng, key=lambda p: p.question, attempts=attempts,
                           what="question kinds")
