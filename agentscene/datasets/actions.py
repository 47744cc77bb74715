"""Instruction -> action pairs: a sentence a user might say and the exact tool calls that do it.

Each template picks objects it can name unambiguously, words an instruction, and computes the
tool calls (agentscene.tools names and arguments). A pair is kept only when applying the calls
succeeds and leaves the edited objects physically clean (inside the room, not penetrating
anything, doors free; see `spatial.edit_problems`, or the physics evaluator with
`verify="physics"`). Everything is drawn from the `random.Random` passed in, so a seed
reproduces the same pairs.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from agentscene.categories import category_info
from agentscene.datasets.sampling import sample_distinct
from agentscene.datasets.spatial import (
    COMPASS,
    FLAT_HEIGHT,
    SceneIndex,
    edit_problems,
    front,
    noun,
    with_article,
    yaw_towards,
)
from agentscene.geometry import half_extent_along, normalize_yaw, right_vector
from agentscene.rewards import evaluate
from agentscene.scene import Scene, SceneObject
from agentscene.tools import apply_tool_calls

Verify = Literal["boxes", "physics"]


@dataclass(frozen=True)
class ActionPair:
    """One verified instruction with the tool calls that carry it out."""

    kind: str
    instruction: str
    calls: list[dict[str, Any]]
    targets: list[str]
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Candidate:
    kind: str
    instruction: str
    calls: list[dict[str, Any]]
    targets: list[str]
    check: list[str]  # ids whose new pose must be clean; "@new" stands for an added object


def _call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


def _r(v: float) -> float:
    return round(float(v), 2)


def _pos(obj: SceneObject, x: float, z: float) -> list[float]:
    return [_r(x), obj.position[1], _r(z)]


SEATS = frozenset({"chair", "armchair", "dining_chair", "office_chair", "stool", "bar_stool", "bench", "ottoman", "sofa", "desk", "table"})
#: plumbing and built-ins: nobody asks to carry these around
FIXED = frozenset({"toilet", "sink", "bathtub", "shower", "counter", "kitchen_island", "fireplace", "radiator", "stove",
                   "dishwasher", "washing_machine", "fridge", "object"})


def _movable(ix: SceneIndex) -> list[SceneObject]:
    return [o for o in ix.scene.objects if o.support == "floor" and o.size[1] > FLAT_HEIGHT and o.category not in FIXED
            and ix.name(o) and not ix.dependents(o) and o.size[0] * o.size[2] < 5.0]


def _named(ix: SceneIndex) -> list[SceneObject]:
    return [o for o in ix.scene.objects if ix.name(o) and o.size[1] > FLAT_HEIGHT]


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


def _beside(ix: SceneIndex, obj: SceneObject, anchor: SceneObject, side: int, yaw: float, gap: float = 0.08) -> tuple[float, float]:
    """Where obj goes on one side (+1: anchor's local +x, -1: local -x) of anchor, fronts aligned."""
    rx, rz = right_vector(anchor.yaw)
    dx, dz = side * rx, side * rz
    reach = half_extent_along(anchor.size, anchor.yaw, dx, dz) + gap + half_extent_along(obj.size, yaw, dx, dz)
    fx, fz = front(anchor.yaw)
    # line the backs up: shift along the anchor's front by the difference of half depths
    back = (half_extent_along(obj.size, yaw, fx, fz) - anchor.size[2] / 2)
    return anchor.position[0] + dx * reach + fx * back, anchor.position[2] + dz * reach + fz * back


# -- templates ------------------------------------------------------------------------------


def t_move_beside(ix: SceneIndex, rng: random.Random) -> _Candidate | None:
    movers, anchors = _movable(ix), _named(ix)
    if not movers or len(anchors) < 2:
        return None
    obj = rng.choice(movers)
    anchor = rng.choice([o for o in anchors if o.id != obj.id])
    side = rng.choice((-1, 1))
    x, z = _beside(ix, obj, anchor, side, anchor.yaw)
    a, b = ix.name(obj), ix.name(anchor)
    text = rng.choice((f"move {a} next to {b}", f"put {a} beside {b}", f"place {a} right next to {b}, lined up with it"))
    calls = [_call("move_object", object_id=obj.id, position=_pos(obj, x, z))]
    if normalize_yaw(obj.yaw - anchor.yaw) != 0.0:
        calls.append(_call("rotate_object", object_id=obj.id, yaw=anchor.yaw))
        text += rng.choice((", facing the same way", ", turned the same way as it"))
    return _Candidate("move_beside", _cap(text) + ".", calls, [obj.id, anchor.id], [obj.id])


def t_move_to_opening(ix: SceneIndex, rng: random.Random) -> _Candidate | None:
    movers = _movable(ix)
    kinds = [k for k in ("window", "door") if len(ix.anchors_of(k)) == 1]
    if not movers or not kinds:
        return None
    kind = rng.choice(kinds)
    anchor = ix.anchors_of(kind)[0]
    obj = rng.choice(movers)
    others = [o for o in _named(ix) if o.id != obj.id]
    facing = rng.choice(others) if others and rng.random() < 0.7 else None
    ux, uz = anchor.along
    nx, nz = anchor.inward
    # beside the opening on either side, or (low enough, or a seat) right in front of a window
    low = obj.size[1] <= anchor.opening.sill + 0.05 or obj.category in SEATS
    side = rng.choice((-1, 1, 0) if kind == "window" and low else (-1, 1))
    gap = rng.choice((0.03, 0.03, 0.3, 0.6))

    def spot(yaw: float) -> tuple[float, float]:
        along = 0.0 if side == 0 else anchor.opening.width / 2 + 0.08 + half_extent_along(obj.size, yaw, ux, uz)
        inward = half_extent_along(obj.size, yaw, nx, nz) + gap
        return anchor.x + side * ux * along + nx * inward, anchor.z + side * uz * along + nz * inward

    yaw = yaw_towards(0, 0, nx, nz)  # back to the wall, facing into the room
    x, z = spot(yaw)
    if facing is not None:
        for _ in range(3):  # turning changes the footprint, which moves the spot: settle both
            yaw = yaw_towards(x, z, facing.position[0], facing.position[2])
            x, z = spot(yaw)
        x, z = _r(x), _r(z)
        yaw = yaw_towards(x, z, facing.position[0], facing.position[2])
        text = f"move {ix.name(obj)} next to the {kind}, facing {ix.name(facing)}"
    else:
        text = rng.choice((f"move {ix.name(obj)} next to the {kind}", f"put {ix.name(obj)} by the {kind}"))
    calls = [_call("move_object", object_id=obj.id, position=_pos(obj, x, z))]
    if normalize_yaw(yaw - obj.yaw) != 0.0:
        calls.append(_call("rotate_object", object_id=obj.id, yaw=yaw))
    targets = [obj.id] + ([facing.id] if facing else [])
    return _Candidate("move_to_" + kind, _cap(text) + ".", calls, targets, [obj.id])


def t_face(ix: SceneIndex, rng: random.Random) -> _Candidate | None:
    movers, named = _movable(ix), _named(ix)
    if not movers or len(named) < 2:
        return None
    obj = rng.choice(movers)
    other = rng.choice([o for o in named if o.id != obj.id])
    yaw = yaw_towards(obj.position[0], obj.position[2], other.position[0], other.position[2])
    if abs(normalize_yaw(yaw - obj.yaw)) < 10:
        return None
    text = rng.choice((f"turn {ix.name(obj)} to face {ix.name(other)}", f"rotate {ix.name(obj)} so it faces {ix.name(other)}"))
    return _Candidate("face", _cap(text) + ".", [_call("rotate_object", object_id=obj.id, yaw=yaw)], [obj.id, other.id], [obj.id])


def t_turn_around(ix: SceneIndex, rng: random.Random) -> _Candidate | None:
    movers = _movable(ix)
    if not movers:
        return None
    obj = rng.choice(movers)
    yaw = normalize_yaw(round(obj.yaw + 180.0, 1))
    text = rng.choice((f"turn {ix.name(obj)} around", f"rotate {ix.name(obj)} by 180 degrees"))
    return _Candidate("turn_around", _cap(text) + ".", [_call("rotate_object", object_id=obj.id, yaw=yaw)], [obj.id], [obj.id])


def t_against_wall(ix: SceneIndex, rng: random.Random) -> _Candidate | None:
    movers, sides = _movable(ix), ix.wall_sides()
    if not movers or not sides:
        return None
    obj = rng.choice(movers)
    side = rng.choice(sorted(sides))
    (x0, z0), (x1, z1) = ix.room.wall(sides[side])
    ox, oz = COMPASS[side]
    yaw = yaw_towards(0, 0, -ox, -oz)  # back to that wall
    depth = half_extent_along(obj.size, yaw, ox, oz) + 0.01
    ux, uz = x1 - x0, z1 - z0
    length = math.hypot(ux, uz)
    ux, uz = ux / length, uz / length
    t = (obj.position[0] - x0) * ux + (obj.position[2] - z0) * uz
    half = half_extent_along(obj.size, yaw, ux, uz)
    if length < 2 * half + 0.1:
        return None
    t = min(max(t, half + 0.05), length - half - 0.05)
    x, z = x0 + ux * t - ox * depth, z0 + uz * t - oz * depth
    text = rng.choice((f"push {ix.name(obj)} against the {side} wall", f"move {ix.name(obj)} to the {side} wall, with its back to the wall"))
    calls = [_call("move_object", object_id=obj.id, position=_pos(obj, x, z))]
    if normalize_yaw(yaw - obj.yaw) != 0.0:
        calls.append(_call("rotate_object", object_id=obj.id, yaw=yaw))
    return _Candidate("against_wall", _cap(text) + ".", calls, [obj.id], [obj.id])


def t_move_by(ix: SceneIndex, rng: random.Random) -> _Candidate | None:
    movers = _movable(ix)
    if not movers:
        return None
    obj = rng.choice(movers)
    cm = rng.choice((20, 30, 40, 50, 60, 80, 100))
    if rng.random() < 0.5 or not ix.anchors:
        side = rng.choice(sorted(COMPASS))
        dx, dz = COMPASS[side]
        where = f"to the {side}"
    else:
        anchor = rng.choice([a for a in ix.anchors if len(ix.anchors_of(a.kind)) == 1] or [None])
        if anchor is None:
            return None
        dx, dz = anchor.x - obj.position[0], anchor.z - obj.position[2]
        norm = math.hypot(dx, dz)
        if norm < cm / 100 + 0.5:
            return None
        dx, dz = dx / norm, dz / norm
        where = f"toward the {anchor.kind}"
    amount = f"{cm} cm" if cm < 100 else "a metre"
    x, z = obj.position[0] + dx * cm / 100, obj.position[2] + dz * cm / 100
    text = rng.choice((f"move {ix.name(obj)} {amount} {where}", f"shift {ix.name(obj)} {amount} {where}"))
    return _Candidate("move_by", _cap(text) + ".", [_call("move_object", object_id=obj.id, position=_pos(obj, x, z))], [obj.id], [obj.id])


def t_remove(ix: SceneIndex, rng: random.Random) -> _Candidate | None:
    named = [o for o in ix.scene.objects if ix.name(o) and not ix.dependents(o)]
    if not named:
        return None
    obj = rng.choice(named)
    text = rng.choice((f"remove {ix.name(obj)}", f"get rid of {ix.name(obj)}", f"take {ix.name(obj)} out of the room"))
    return _Candidate("remove", _cap(text) + ".", [_call("remove_object", object_id=obj.id)], [obj.id], [])


#: what a user might add next to an object of a category
_ADDITIONS = {
    "bed": ("nightstand", "table_lamp"), "sofa": ("side_table", "floor_lamp", "plant"), "armchair": ("side_table", "floor_lamp"),
    "desk": ("office_chair", "filing_cabinet"), "dining_table": ("dining_chair",), "tv_stand": ("plant", "speaker"),
    "wardrobe": ("plant", "mirror"), "bookshelf": ("armchair", "plant"), "cabinet": ("plant",), "counter": ("bar_stool", "trash_can"),
}
_STYLES = {
    "soft": ("grey fabric", "green velvet", "cognac leather", "cream boucle", "navy linen", "mustard"),
    "wood": ("oak", "walnut", "white lacquered", "light ash", "dark stained", "rattan-fronted"),
    "metal": ("brass", "matte black", "chrome", "white ceramic", "copper"),
    "device": ("stainless steel", "white", "black", "compact", "slim"),
    "plant": ("tall", "leafy", "potted", "small", "trailing"),
    "fixture": ("white ceramic", "modern", "matte black", "wall-hung", "classic"),
    "other": ("modern", "compact", "vintage", "minimalist", "sturdy"),
}
_FAMILY = {
    **dict.fromkeys(("sofa", "sectional_sofa", "armchair", "ottoman", "bed", "bench", "crib", "dining_chair", "chair", "office_chair", "rug", "curtain"), "soft"),
    **dict.fromkeys(("table", "dining_table", "coffee_table", "side_table", "console_table", "desk", "nightstand", "dresser", "wardrobe",
                     "cabinet", "bookshelf", "shelf", "tv_stand", "filing_cabinet", "vanity", "shoe_rack", "counter", "kitchen_island", "stool", "bar_stool"), "wood"),
    **dict.fromkeys(("floor_lamp", "table_lamp", "ceiling_lamp", "wall_lamp", "mirror", "coat_rack", "towel_rack", "trash_can", "clock", "vase"), "metal"),
    **dict.fromkeys(("tv", "monitor", "computer", "printer", "speaker", "fridge", "stove", "microwave", "dishwasher", "washing_machine",
                     "treadmill", "exercise_bike", "fan", "air_conditioner", "game_console"), "device"),
    **dict.fromkeys(("plant",), "plant"),
    **dict.fromkeys(("toilet", "sink", "bathtub", "shower", "radiator", "fireplace"), "fixture"),
}


def _styled(rng: random.Random, category: str) -> str:
    return f"{rng.choice(_STYLES[_FAMILY.get(category, 'other')])} {noun(category)}"


def t_add_beside(ix: SceneIndex, rng: random.Random) -> _Candidate | None:
    anchors = [o for o in _named(ix) if o.support == "floor"]
    if not anchors:
        return None
    anchor = rng.choice(anchors)
    category = rng.choice(_ADDITIONS.get(anchor.category, ("plant", "floor_lamp", "side_table")))
    info = category_info(category)
    if info.support != "floor":
        return None
    size = tuple(_r(v) for v in info.size)
    description = _styled(rng, category)
    probe = SceneObject(id="probe", description=description, size=size, position=(0.0, 0.0, 0.0), yaw=anchor.yaw)
    x, z = _beside(ix, probe, anchor, rng.choice((-1, 1)), anchor.yaw)
    text = rng.choice((f"add {with_article(description)} next to {ix.name(anchor)}", f"put a new {description} beside {ix.name(anchor)}"))
    call = _call("add_object", description=description, position=[_r(x), 0.0, _r(z)], yaw=anchor.yaw, size=list(size),
                 category=category, support="floor")
    return _Candidate("add_beside", _cap(text) + ".", [call], [anchor.id], ["@new"])


def t_resize(ix: SceneIndex, rng: random.Random) -> _Candidate | None:
    movers = _movable(ix)
    if not movers:
        return None
    obj = rng.choice(movers)
    pct = rng.choice((10, 15, 20, 25, 30))
    if rng.random() < 0.5:
        grow = rng.random() < 0.5
        f = 1 + pct / 100 if grow else 1 - pct / 100
        size = [_r(obj.size[0] * f), _r(obj.size[1] * f), _r(obj.size[2] * f)]
        text = f"make {ix.name(obj)} {pct}% {'bigger' if grow else 'smaller'}"
    else:
        grow = rng.random() < 0.5
        f = 1 + pct / 100 if grow else 1 - pct / 100
        size = [_r(obj.size[0] * f), obj.size[1], obj.size[2]]
        text = f"make {ix.name(obj)} {pct}% {'wider' if grow else 'narrower'}"
    return _Candidate("resize", _cap(text) + ".", [_call("scale_object", object_id=obj.id, size=size)], [obj.id], [obj.id])


def t_replace(ix: SceneIndex, rng: random.Random) -> _Candidate | None:
    named = [o for o in _named(ix) if o.category != "object"]
    if not named:
        return None
    obj = rng.choice(named)
    description = _styled(rng, obj.category)
    text = rng.choice((f"replace {ix.name(obj)} with {with_article(description)}", f"swap {ix.name(obj)} for {with_article(description)}"))
    return _Candidate("replace", _cap(text) + ".", [_call("replace_object", object_id=obj.id, description=description)], [obj.id], [])


def t_swap(ix: SceneIndex, rng: random.Random) -> _Candidate | None:
    movers = _movable(ix)
    if len(movers) < 2:
        return None
    a, b = rng.sample(movers, 2)
    calls = [_call("move_object", object_id=a.id, position=_pos(a, b.position[0], b.position[2])),
             _call("move_object", object_id=b.id, position=_pos(b, a.position[0], a.position[2]))]
    if normalize_yaw(a.yaw - b.yaw) != 0.0:
        calls += [_call("rotate_object", object_id=a.id, yaw=b.yaw), _call("rotate_object", object_id=b.id, yaw=a.yaw)]
    text = rng.choice((f"swap the places of {ix.name(a)} and {ix.name(b)}", f"switch {ix.name(a)} and {ix.name(b)} around"))
    return _Candidate("swap", _cap(text) + ".", calls, [a.id, b.id], [a.id, b.id])


TEMPLATES: dict[str, Callable[[SceneIndex, random.Random], _Candidate | None]] = {
    "move_beside": t_move_beside, "move_to_opening": t_move_to_opening, "face": t_face, "turn_around": t_turn_around,
    "against_wall": t_against_wall, "move_by": t_move_by, "remove": t_remove, "add_beside": t_add_beside,
    "resize": t_resize, "replace": t_replace, "swap": t_swap,
}
#: how often each template is drawn: placements are the interesting part, removals the easy one
WEIGHTS = {"move_beside": 3, "move_to_opening": 3, "face": 2, "turn_around": 1, "against_wall": 2, "move_by": 2,
           "remove": 1, "add_beside": 2, "resize": 1, "replace": 1, "swap": 1}


# -- verification ---------------------------------------------------------------------------


def _physics_problems(scene: Scene, ids: list[str]) -> list[str]:
    report = evaluate(scene)
    wanted = set(ids)
    out = [f"{p.a}-{p.b} collide" for p in report.colliding_pairs if p.a in wanted or p.b in wanted]
    out += [f"{o.id} out of bounds" for o in report.out_of_bounds if o.oob and o.id in wanted]
    return out


def _changed(before: SceneObject | None, after: SceneObject | None) -> bool:
    if before is None or after is None:
        return True
    moved = math.dist(before.position, after.position) >= 0.05
    turned = abs(normalize_yaw(before.yaw - after.yaw)) >= 5.0
    resized = max(abs(a - b) for a, b in zip(before.size, after.size, strict=True)) >= 0.02
    return moved or turned or resized


def verify(scene: Scene, candidate: _Candidate, index: SceneIndex, mode: Verify = "boxes") -> tuple[Scene, list[str]] | None:
    """Apply the calls; None if a call fails, else (new scene, problems of the edited objects)."""
    result = apply_tool_calls(scene, candidate.calls)
    if not all(r.ok for r in result.results) or result.terminated:
        return None
    check = [result.results[-1].object_id if c == "@new" else c for c in candidate.check]
    check = [c for c in check if c]
    problems = [f"{p.object_id}: {p.detail}" for p in edit_problems(result.scene, check, index)]
    if "@new" not in candidate.check and check and not any(_changed(scene.get(c), result.scene.get(c)) for c in check):
        problems.append("nothing changes noticeably")  # e.g. pushing a bed against the wall it already touches
    if not problems and mode == "physics" and check:
        problems = _physics_problems(result.scene, check)
    return result.scene, problems


def synthesize_actions(scene: Scene, n: int, rng: random.Random, *, verify_mode: Verify = "boxes",
                       templates: list[str] | None = None, attempts: int = 8, index: SceneIndex | None = None) -> list[ActionPair]:
    """Up to n verified, distinct instruction/action pairs for one scene.

    Each slot draws a template by weight and tries up to `attempts` candidates of it; a
    template that keeps failing on this scene (no room by any window, say) is dropped.
    """
    index = index or SceneIndex(scene)

    def accept(candidate: _Candidate) -> ActionPair | None:
        checked = verify(scene, candidate, index, verify_mode)
        if checked is None or checked[1]:
            return None
        return ActionPair(candidate.kind, candidate.instruction, candidate.calls, candidate.targets, {"verified": verify_mode})

    generators = {name: (lambda rng, t=template: t(index, rng)) for name, template in TEMPLATES.items()}
    return sample_distinct(generators, templates, WEIGHTS, n, rng, key=lambda c: c.instruction, accept=accept,
                           attempts=attempts, what="templates")
