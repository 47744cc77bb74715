"""The judge's rules as code: one function per rule of agentscene.critics.rules, reading its row.

Each check yields Findings (rule, object ids, a sentence a model can act on) and notes in
`ctx.skipped` what it could not judge. Thresholds come from the rule's `params` and from
`Tolerances`; category facts from agentscene.categories.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agentscene.critics.index import Item, JudgedScene, facing_angle
from agentscene.critics.judgement import Finding
from agentscene.critics.rules import ESSENTIALS, HOME_ROOMS, RULES_BY_ID, Rule
from agentscene.geometry import normalize_yaw, yaw_facing


@dataclass
class CheckContext:
    ix: JudgedScene
    report: Any = None  # an EvalReport, or None
    requirements: Any = None  # a critics.requirements.Requirements, or None
    skipped: list[str] = field(default_factory=list)


Check = Callable[[CheckContext, Rule], Iterator[Finding]]
CHECKS: dict[str, Check] = {}


def _check(rule_id: str):
    def deco(fn: Check) -> Check:
        CHECKS[rule_id] = fn
        return fn

    return deco


def finding(rule: Rule, objects: tuple[str, ...], severity: float = 1.0, **fields: Any) -> Finding:
    return Finding(rule=rule.id, objects=objects, message=rule.message.format(**fields), penalty=round(rule.penalty * severity, 4))


def spoken(category: str) -> str:
    return category.replace("_", " ")


def article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _xz(x: float, z: float) -> str:
    return f"({x:.2f}, {z:.2f})"


def _against_nearest_wall(ix: JudgedScene, it: Item, max_angle: float = 20.0, slide: float = 2.0) -> str:
    """'move it to (x, z) with yaw Y' that puts its back against a wall: the one behind it when that is
    within `slide` metres (the smallest change), else the nearest."""
    gap, wall = ix.back_gap(it, max_angle)
    if wall is None or gap > slide:
        _, wall = ix.nearest_wall(it.x, it.z)
    if wall is None:
        return "put its back against a wall"
    t = max(min(it.w / 2, wall.length / 2), min(wall.length - it.w / 2, wall.along(it.x, it.z)))
    x = wall.a[0] + wall.direction[0] * t + wall.normal[0] * (it.d / 2 + 0.01)
    z = wall.a[1] + wall.direction[1] * t + wall.normal[1] * (it.d / 2 + 0.01)
    return f"move it to {_xz(x, z)} with yaw {yaw_facing(*wall.normal):.0f}, its back against wall {wall.index}"


#: sample points of a unit square (cell centres of a 4 x 4 grid) and of a unit zone in front (x centred, z from 0 to 1)
_UNIT4 = tuple(a.ravel() for a in np.meshgrid(np.linspace(-0.375, 0.375, 4), np.linspace(-0.375, 0.375, 4)))
_ZONE = tuple(a.ravel() for a in np.meshgrid(np.linspace(-0.5, 0.5, 5), np.linspace(0.0, 1.0, 4)))


# -- rationality ------------------------------------------------------------------------------

@_check("back_to_wall")
def back_to_wall(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    ix, p = ctx.ix, rule.params
    for it in ix.select(rule.subjects, rule.exempt):
        if not ix.on_floor(it):
            continue
        gap, _ = ix.back_gap(it, p["max_angle"])
        if gap <= p["max_gap"] or _back_to_back(ix, it, p["max_gap"]):
            continue
        nearest, _ = ix.nearest_wall(*it.world(0.0, -it.d / 2))
        front = ix.front_gap(it, p["max_angle"])
        if front <= p["max_gap"] + 0.5:
            fix = (f"it faces a wall {front:.2f} m away; turn it round (yaw {normalize_yaw(it.obj.yaw + 180.0):.0f}) "
                   "so its back is against that wall and it faces the room")
        else:
            fix = _against_nearest_wall(ix, it, p["max_angle"])
        yield finding(rule, (it.id,), gap=nearest, a=it.id, fix=fix)


def _back_to_back(ix: JudgedScene, it: Item, max_gap: float) -> bool:
    """Backed by another piece of its kind (desks in a pod, a kitchen island's two sides)."""
    bx, bz = it.world(0.0, -it.d / 2 - max_gap / 2)
    return any(o is not it and o.obj.category == it.obj.category and o.box_distance(bx, bz) <= max_gap / 2
               for o in ix.items)


@_check("lamp_support")
def lamp_support(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    ix = ctx.ix
    for it in ix.select(rule.subjects):
        if it.obj.support in ("wall", "ceiling") or it.info.support in ("wall", "ceiling"):
            continue  # wall lamps: wall_mount; ceiling lamps hang by design
        height, below = ix.support_below(it)
        gap = it.bottom - height
        if gap > ix.tol.support_tolerance:
            yield finding(rule, (it.id,), a=it.id, gap=gap, below=below, y=height)


@_check("wall_mount")
def wall_mount(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    ix, tol = ctx.ix, ctx.ix.tol
    room_h = ix.scene.room.height
    for it in ix.items:
        if it.obj.support != "wall":
            continue
        gap, _ = ix.back_gap(it, rule.params["max_angle"])
        if gap > tol.wall_tolerance:
            yield finding(rule, (it.id,), a=it.id, problem="is not hung on a wall facing into the room",
                          fix=_against_nearest_wall(ix, it, rule.params["max_angle"]))
            continue
        band = it.info.mount_height
        if band is None:
            ctx.skipped.append(f"{it.id}: no mount height is known for a {spoken(it.obj.category)}")
            continue
        h = it.obj.size[1]
        lo, hi = band[0], min(band[1], room_h - h / 2)
        centre = it.bottom + h / 2
        if lo - 1e-6 <= centre <= hi + 1e-6 or lo > hi:
            continue
        target = min(max(centre, lo), hi) - h / 2
        yield finding(rule, (it.id,), a=it.id, problem=f"hangs with its centre {centre:.2f} m above the floor",
                      fix=f"set its bottom to y = {target:.2f} (centre between {lo:.1f} and {hi:.1f} m)")


@_check("opening_blocked")
def opening_blocked(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    ix, p = ctx.ix, rule.params
    walls = {w.index: w for w in ix.walls}
    for op in ix.scene.room.openings:
        w = walls.get(op.wall)
        if w is None:
            continue
        lo, hi = op.offset - op.width / 2, op.offset + op.width / 2
        # windows: anything above the sill (a bed's headboard may rise a little); doors: wall items only
        v_lo = op.sill + p["sill_margin"] if op.kind == "window" else 0.0
        for it in ix.items:
            if op.kind != "window" and it.obj.support != "wall":
                continue
            if it.obj.support == "ceiling" or it.top <= v_lo or it.bottom >= op.sill + op.height:
                continue
            if min(w.distance(x, z) for x, z in it.corners) > p["max_gap"]:
                continue
            along = [w.along(x, z) for x, z in it.corners]
            if min(hi, max(along)) - max(lo, min(along)) <= p["min_overlap"]:
                continue
            if op.kind == "window":
                fix = "move it along the wall clear of the window" + (", or lower it" if it.obj.support == "wall" else "")
            else:
                fix = "move it off the doorway"
            yield finding(rule, (it.id,), a=it.id, kind="window" if op.kind == "window" else "door", wall=op.wall, fix=fix)


@_check("essentials")
def essentials(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    room = ctx.ix.scene.room.room_type
    if ctx.requirements is not None and ctx.requirements.only_named:
        ctx.skipped.append("essentials: the request asks for only what it names")
        return
    if room not in ESSENTIALS:
        ctx.skipped.append(f"essentials: no list for room type {room!r}")
        return
    have = {it.obj.category for it in ctx.ix.items}
    for group in ESSENTIALS[room]:
        if not have.intersection(group):
            yield finding(rule, (), room=article(spoken(room)), b=article(spoken(group[0])))


@_check("collision")
def collision(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    for pair in getattr(ctx.report, "colliding_pairs", None) or []:
        yield finding(rule, (pair.a, pair.b), a=pair.a, b=pair.b, depth=pair.depth)


@_check("out_of_room")
def out_of_room(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    for b in getattr(ctx.report, "out_of_bounds", None) or []:
        if b.oob:
            yield finding(rule, (b.id,), a=b.id)


@_check("floating")
def floating(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    for f in getattr(ctx.report, "floating", None) or []:
        yield finding(rule, (f.id,), a=f.id)


# -- spatial layout ---------------------------------------------------------------------------

def _gap(it: Item, a: Item) -> float:
    """Distance from `it`'s footprint (corners and centre) to `a`'s footprint."""
    return min(a.box_distance(x, z) for x, z in (*it.corners, (it.x, it.z)))


def _nearest(it: Item, anchors: list[Item]) -> tuple[float, Item | None]:
    best: tuple[float, Item | None] = (math.inf, None)
    for a in sorted(anchors, key=lambda a: math.hypot(a.x - it.x, a.z - it.z) - a.radius):
        if a is it:
            continue
        if math.hypot(a.x - it.x, a.z - it.z) - a.radius - it.radius > best[0]:
            break
        d = _gap(it, a)
        if d < best[0]:
            best = (d, a)
    return best


@_check("nightstand_by_bed")
def nightstand_by_bed(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    ix, p = ctx.ix, rule.params
    beds = ix.select(rule.anchors)
    taken: set[tuple[str, float]] = set()  # (bed, side) with a nightstand there or suggested there
    findings = []
    for it in ix.select(rule.subjects):
        if not beds:
            yield finding(rule, (it.id,), a=it.id, b="a bed", fix="there is no bed: remove it or add a bed")
            continue
        best: tuple[float, Item, float, float] | None = None
        for bed in beds:
            lx, lz = bed.local(it.x, it.z)
            side_gap = abs(lx) - bed.w / 2 - it.w / 2
            head_off = lz + bed.d / 2  # 0 at the head board, grows toward the foot
            err = max(0.0, side_gap - p["max_side_gap"]) + max(0.0, -0.05 - side_gap) + max(0.0, head_off - p["head_zone"]) \
                + max(0.0, -0.3 - head_off)
            if best is None or err < best[0]:
                best = (err, bed, lx, lz)
        assert best is not None
        err, bed, lx, _ = best
        side = 1.0 if lx >= 0 else -1.0
        turned = abs(math.remainder(it.obj.yaw - bed.obj.yaw, 360.0)) > p["max_angle"]
        if err <= 1e-6:
            taken.add((bed.id, side))
            if not turned:
                continue
        findings.append((it, bed, err, side))
    for it, bed, err, side in findings:
        if err > 1e-6 and (bed.id, side) in taken:
            side = -side  # the other side of the head is the free one
        taken.add((bed.id, side))
        x, z = bed.world(side * (bed.w / 2 + it.w / 2 + 0.05), -bed.d / 2 + it.d / 2 + 0.05)
        fix = (f"move it to {_xz(x, z)} beside the head, yaw {bed.obj.yaw:.0f}" if err > 1e-6
               else f"turn it to yaw {bed.obj.yaw:.0f}, facing the same way as the bed")
        yield finding(rule, (it.id, bed.id), a=it.id, b=bed.id, fix=fix)


@_check("chair_at_table")
def chair_at_table(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    ix, p = ctx.ix, rule.params
    tables = ix.select(rule.anchors)
    for it in ix.select(rule.subjects):
        if not ix.on_floor(it):
            continue
        allowed = [t for t in tables if t.obj.category in it.info.companions] if it.info.companions else tables
        gap, table = _nearest(it, allowed or tables)
        must_sit_at_table = bool(it.info.companions)  # dining chairs, bar stools, desk chairs
        if table is None or gap > p["near"]:
            if must_sit_at_table and allowed:
                what = " or ".join(sorted({spoken(t.obj.category) for t in allowed}))
                _, t = _nearest(it, allowed)
                yield finding(rule, (it.id,), a=it.id, problem=f"stands {gap:.1f} m from any {what}",
                              fix=f"move it to {t.id if t else 'a table'} and turn it to face it")
            continue
        if gap > p["max_gap"]:
            if must_sit_at_table:
                yield finding(rule, (it.id, table.id), a=it.id, problem=f"stands {gap:.2f} m from {table.id}",
                              fix=f"move it within {p['max_gap']:.1f} m of {table.id}, facing it")
            continue
        # it must face (the closest point of) one of the tables it stands at
        at = [t for t in (allowed or tables) if t is table or (math.hypot(t.x - it.x, t.z - it.z) - t.radius - it.radius
                                                               <= p["max_gap"] and _gap(it, t) <= p["max_gap"])]
        if any(facing_angle(it, *_closest_point(t, it)) <= p["max_angle"] for t in at):
            continue
        tx, tz = _closest_point(table, it)
        angle = facing_angle(it, tx, tz)
        if angle > p["max_angle"]:
            yaw = yaw_facing(tx - it.x, tz - it.z)
            yield finding(rule, (it.id, table.id), a=it.id, problem=f"turns {angle:.0f}° away from {table.id}",
                          fix=f"rotate it to yaw {yaw:.0f} to face {table.id}")


def _closest_point(table: Item, it: Item) -> tuple[float, float]:
    """The point of the table's footprint closest to `it` (its centre when `it` is tucked under)."""
    lx, lz = table.local(it.x, it.z)
    if abs(lx) <= table.w / 2 and abs(lz) <= table.d / 2:
        return table.x, table.z
    return table.world(max(-table.w / 2, min(table.w / 2, lx)), max(-table.d / 2, min(table.d / 2, lz)))


@_check("desk_chair")
def desk_chair(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    ix = ctx.ix
    seats = [s for s in ix.select(rule.anchors) if ix.on_floor(s)]
    for desk in ix.select(rule.subjects):
        reach = rule.params["max_gap"] + desk.radius
        near = [s for s in seats if abs(s.x - desk.x) <= reach + s.radius and abs(s.z - desk.z) <= reach + s.radius
                and desk.box_distance(s.x, s.z) <= rule.params["max_gap"] + s.radius and desk.local(s.x, s.z)[1] > -desk.d / 4]
        if near:
            continue
        x, z = desk.world(0.0, desk.d / 2 + 0.35)
        yaw = yaw_facing(desk.x - x, desk.z - z)
        yield finding(rule, (desk.id,), a=desk.id, fix=f"add a desk chair at {_xz(x, z)} with yaw {yaw:.0f}, facing it")


@_check("seat_faces_focal")
def seat_faces_focal(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    ix, p = ctx.ix, rule.params
    focal = [f for f in ix.select(rule.anchors) if f.obj.support != "ceiling"]
    seats = ix.select(rule.subjects)
    if not focal:
        if seats:
            ctx.skipped.append("seat_faces_focal: no TV, coffee table or fireplace to face")
        return
    for it in seats:
        # the focal point it faces best; a coffee table in front counts as much as the TV
        best = min(focal, key=lambda f: facing_angle(it, f.x, f.z))
        angle = facing_angle(it, best.x, best.z)
        limit = p["max_angle_armchair"] if it.obj.category == "armchair" else p["max_angle"]
        if angle > limit:
            target = min(focal, key=lambda f: math.hypot(f.x - it.x, f.z - it.z))
            yaw = yaw_facing(target.x - it.x, target.z - it.z)
            yield finding(rule, (it.id, target.id), a=it.id, b=target.id, angle=facing_angle(it, target.x, target.z), yaw=yaw)


@_check("screen_faces_seats")
def screen_faces_seats(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    ix = ctx.ix
    seats = ix.select(rule.anchors)
    if not seats:
        return
    for it in ix.select(rule.subjects):
        if any(facing_angle(it, s.x, s.z) <= rule.params["max_angle"] for s in seats):
            continue
        target = max(seats, key=lambda s: s.w * s.d)  # the main seat: the sofa, else the bed
        yaw = yaw_facing(target.x - it.x, target.z - it.z)
        yield finding(rule, (it.id, target.id), a=it.id, b=target.id, angle=facing_angle(it, target.x, target.z), yaw=yaw)


@_check("rug_under_group")
def rug_under_group(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    ix = ctx.ix
    furniture = [f for f in ix.select(rule.anchors) if ix.on_floor(f) and ix.is_obstacle(f)]
    fixtures = [f for f in ix.select(rule.fronts) if ix.on_floor(f)]
    reach = rule.params["mat_reach"]
    for rug in ix.select(rule.subjects):
        if rug.top > ix.tol.step_height + rug.bottom:
            continue  # not a flat covering
        if any(rug.box_distance(*f.world(0.0, f.d / 2 + reach)) <= reach for f in fixtures):
            continue  # a mat in front of a tub, a sink, a stove
        covered = False
        for f in furniture:
            # share of the piece's footprint (sampled) that lies on the rug
            if math.hypot(f.x - rug.x, f.z - rug.z) > f.radius + rug.radius:
                continue
            xs, zs = f.world_many(_UNIT4[0] * f.w, _UNIT4[1] * f.d)
            if rug.contains(xs, zs).mean() >= rule.params["min_overlap"]:
                covered = True
                break
        if covered:
            continue
        if furniture:
            anchor = min(furniture, key=lambda f: math.hypot(f.x - rug.x, f.z - rug.z) - f.info.clearance)
            bigger = [f for f in furniture if f.info.family in ("bed", "table") or f.obj.category in ("sofa", "sectional_sofa")]
            if bigger:
                anchor = min(bigger, key=lambda f: math.hypot(f.x - rug.x, f.z - rug.z))
            fix = f"move it under {anchor.id} (centre it near {_xz(*anchor.world(0.0, anchor.d / 4))})"
        else:
            fix = "place it under a furniture group or remove it"
        yield finding(rule, (rug.id,), a=rug.id, fix=fix)


@_check("density")
def density(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    ix, p = ctx.ix, rule.params
    floor = [it for it in ix.items if ix.on_floor(it) and ix.is_obstacle(it)]
    area = max(ix.scene.room.area, 1e-6)
    cover = sum(it.w * it.d for it in floor) / area
    if floor and cover > p["crammed"]:
        yield finding(rule, (), severity=p["crammed_points"], problem=f"furniture covers {cover:.0%} of the floor: remove or shrink some pieces")
    elif cover < p["sparse"]:
        yield finding(rule, (), problem=f"the room is sparsely furnished ({cover:.0%} of the floor): add the furniture it needs")
    if len(floor) >= p["pile_min"]:
        cx, cz = ix.scene.room.center
        quadrants = {(it.x >= cx, it.z >= cz) for it in floor}
        if len(quadrants) <= 1:
            yield finding(rule, (), severity=p["pile_points"], problem="all furniture is piled in one part of the room: spread it out")


# -- accessibility ----------------------------------------------------------------------------

@_check("front_clearance")
def front_clearance(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    ix, p = ctx.ix, rule.params
    subjects = [it for it in ix.select(rule.subjects) if ix.on_floor(it)]
    if not subjects:
        return
    zones = [it.world_many(_ZONE[0] * it.w * p["width_share"], it.d / 2 + 0.1 + _ZONE[1] * (it.info.clearance - 0.1))
             for it in subjects]
    n = _ZONE[0].size
    inside = ix.inside_floor(np.concatenate([z[0] for z in zones]), np.concatenate([z[1] for z in zones]))  # one call
    for k, (it, (xs, zs)) in enumerate(zip(subjects, zones, strict=True)):
        depth = it.info.clearance
        outside = ~inside[k * n:(k + 1) * n]
        skip = {it.id} | {o.id for o in ix.items if o.obj.category in it.info.companions or o.obj.support == it.id}
        if ix.matches(it, rule.fronts):  # counters, stoves, sinks in one run may meet at a corner
            skip |= {o.id for o in ix.select(rule.fronts)}
        hit, who = ix.blocked_by(xs, zs, skip)
        blocked = outside | hit
        share = float(blocked.mean())
        if share <= p["max_blocked"]:
            continue
        by = ", ".join([*who, *(["a wall"] if outside.any() else [])]) or "something"
        fix = ("turn it to face into the room" if outside.mean() >= share / 2
               else f"move {', '.join(who)} out of the way" if who else "move it away from the wall it faces")
        yield finding(rule, (it.id, *who), a=it.id, free=1.0 - share, depth=depth, by=by, fix=fix)


@_check("door_clearance")
def door_clearance(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    ix = ctx.ix
    depth = ix.tol.door_clearance_depth
    walls = {w.index: w for w in ix.walls}
    for op in ix.scene.room.openings:
        if op.kind not in ("door", "opening") or op.wall not in walls:
            continue
        w = walls[op.wall]
        ts = np.linspace(op.offset - op.width * 0.4, op.offset + op.width * 0.4, 4)
        ds = np.linspace(0.1, depth, 4)
        tt, dd = np.meshgrid(ts, ds)
        xs = w.a[0] + w.direction[0] * tt.ravel() + w.normal[0] * dd.ravel()
        zs = w.a[1] + w.direction[1] * tt.ravel() + w.normal[1] * dd.ravel()
        hit, who = ix.blocked_by(xs, zs, set())
        if hit.mean() > rule.params["max_blocked"]:
            yield finding(rule, tuple(who), by=", ".join(who), wall=op.wall, depth=depth)


@_check("reachable")
def reachable(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    from agentscene.critics.reach import reach_map

    ix = ctx.ix
    grid = reach_map(ix, rule.params["cell"], int(rule.params["max_cells"]))
    if grid is None:
        ctx.skipped.append("reachable: the room has no door to walk in from")
        return
    reach = ix.tol.agent_radius + rule.params["reach"] + grid.cell
    for it in ix.select(rule.subjects):
        if not ix.on_floor(it):
            continue
        if not grid.reaches(it, reach):
            yield finding(rule, (it.id,), a=it.id, fix="clear a path at least "
                          f"{2 * ix.tol.agent_radius:.1f} m wide from the door to it")


@_check("walkable_floor")
def walkable_floor(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    from agentscene.critics.reach import reach_map

    cell = RULES_BY_ID["reachable"].params  # one grid serves both rules
    grid = reach_map(ctx.ix, cell["cell"], int(cell["max_cells"]))
    if grid is None:
        return  # reachable says why
    share, good, bad = grid.walkable_share, rule.params["good"], rule.params["bad"]
    if share < good:
        yield finding(rule, (), severity=min(1.0, (good - share) / (good - bad)) * rule.cap / rule.penalty, share=share)


# -- requirement match ------------------------------------------------------------------------

@_check("excluded_object")
def excluded_object(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    req = ctx.requirements
    if req is None:
        return
    for cat in req.excluded:
        for it in ctx.ix.items:
            if it.obj.category == cat:
                yield finding(rule, (it.id,), a=it.id, b=spoken(cat))


@_check("out_of_place")
def out_of_place(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    room = ctx.ix.scene.room.room_type
    asked = {o.category for o in ctx.requirements.objects} if ctx.requirements is not None else set()
    rooms = {room, *(ctx.requirements.zones if ctx.requirements is not None else ())}  # an open plan's zones
    for it in ctx.ix.items:
        homes = HOME_ROOMS.get(it.obj.category)
        if homes and not rooms.intersection(homes) and it.obj.category not in asked:
            yield finding(rule, (it.id,), a=it.id, room=article(spoken(room)))



def _matching(ix: JudgedScene, category: str) -> list[Item]:
    from agentscene.rewards.terms import object_matches

    return [it for it in ix.items if it.obj.category == category or object_matches(spoken(category), it.obj)]


def _units(ctx: CheckContext) -> int:
    req = ctx.requirements
    return len(req.objects) + len(req.relations)


@_check("requested_object")
def requested_object(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    req = ctx.requirements
    if req is None or not _units(ctx):
        return
    for want in req.objects:
        have = _matching(ctx.ix, want.category)
        missing = max(0, want.count - len(have))
        if missing:
            fix = f"add {missing} more" if have else ("add them" if want.count > 1 else "add one")
            yield finding(rule, tuple(it.id for it in have), severity=missing / want.count / _units(ctx),
                          count=want.count, b=spoken(want.category), have=len(have), fix=fix)


@_check("requested_relation")
def requested_relation(ctx: CheckContext, rule: Rule) -> Iterator[Finding]:
    from agentscene.critics.relations import ROOM_RELATIONS, WORDS, holds, relation_names

    req = ctx.requirements
    if req is None or not req.relations:
        return
    for rel in req.relations:
        if rel.relation not in relation_names():
            ctx.skipped.append(f"requested relation {rel.relation!r} is not one the judge knows ({', '.join(relation_names())})")
            continue
        subjects = _matching(ctx.ix, rel.subject)
        targets = [] if rel.relation in ROOM_RELATIONS or rel.target is None else _matching(ctx.ix, rel.target)
        if holds(ctx.ix, rel.relation, subjects, targets):
            continue
        what = WORDS.get(rel.relation, spoken(rel.relation))
        target = "" if rel.target is None else f" the {spoken(rel.target)}"
        if not subjects:
            fix = f"there is no {spoken(rel.subject)}: add one"
        elif rel.target is not None and rel.relation not in ROOM_RELATIONS and not targets:
            fix = f"there is no {spoken(rel.target)}: add one"
        else:
            fix = f"place the {spoken(rel.subject)} {what}{target}"
        yield finding(rule, tuple(it.id for it in subjects), severity=1.0 / _units(ctx),
                      b=article(spoken(rel.subject)), relation=what, c=target, fix=fix)
