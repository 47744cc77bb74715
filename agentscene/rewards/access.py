"""Access: how much free floor a person can reach, and whether doors can be used.

Obstacles are footprints of objects that are taller than `step_height` (rugs and mats can be
walked over) and whose bottom is below `head_clearance` (wall shelves and ceiling lamps are
not in the way). The agent is a disc of radius `agent_radius`: its centre may go wherever the
floor, shrunk by the radius, is not within the radius of an obstacle.
"""

from __future__ import annotations

from agentscene.rewards.geometry import RoomGeometry, SceneGeometry
from agentscene.rewards.report import DoorClearance
from agentscene.rewards.tolerances import Tolerances

_PASSABLE = ("door", "opening")


def obstacles(geo: SceneGeometry, tol: Tolerances) -> list[tuple[str, object]]:
    """(id, footprint polygon) of every object that blocks walking."""
    out = []
    for g in geo.objects:
        if g.obj.support == "ceiling":
            continue
        if g.top - max(g.bottom, 0.0) <= tol.step_height and g.bottom <= tol.step_height:
            continue  # a floor covering
        if g.bottom >= tol.head_clearance:
            continue
        out.append((g.id, g.polygon()))
    return out


def door_segments(room: RoomGeometry) -> list[tuple[int, object]]:
    """(opening index, LineString) of every door or open doorway along its wall."""
    from shapely.geometry import LineString

    out = []
    for k, op in enumerate(room.room.openings):
        if op.kind not in _PASSABLE:
            continue
        w = room.walls[op.wall]
        length = w.length
        t0 = max(0.0, op.offset - op.width / 2.0) / length
        t1 = min(length, op.offset + op.width / 2.0) / length
        (x0, z0), (x1, z1) = w.start, w.end
        a = (x0 + (x1 - x0) * t0, z0 + (z1 - z0) * t0)
        b = (x0 + (x1 - x0) * t1, z0 + (z1 - z0) * t1)
        if a != b:
            out.append((k, LineString([a, b])))
    return out


def walkable_ratio(geo: SceneGeometry, tol: Tolerances, blocking: list[tuple[str, object]] | None = None) -> float:
    """Share of the free floor that an agent entering through a door can reach (0..1).

    Without doors the largest connected free region counts as reachable.
    """
    from shapely.ops import unary_union

    room = geo.room
    blocking = obstacles(geo, tol) if blocking is None else blocking
    polys = [p for _, p in blocking]
    blocked = unary_union(polys) if polys else None
    free = room.floor.difference(blocked) if blocked is not None else room.floor
    free_area = free.area
    if free_area <= 1e-9:
        return 0.0
    r = tol.agent_radius
    centres = room.floor.buffer(-r)
    if blocked is not None:
        centres = centres.difference(blocked.buffer(r))
    parts = [p for p in getattr(centres, "geoms", [centres]) if p.geom_type == "Polygon" and not p.is_empty]
    if not parts:
        return 0.0
    doors = door_segments(room)
    if doors:
        reach = [p for p in parts if any(p.distance(seg) <= r + 1e-6 for _, seg in doors)]
    else:
        reach = [max(parts, key=lambda p: p.area)]
    if not reach:
        return 0.0
    # An opening stays inside the set it opens: centres are at least r from the walls and from
    # every obstacle, so their r-disc sweep lies in the free floor (no intersection needed).
    covered = unary_union(reach).buffer(r)
    return float(min(1.0, covered.area / free_area))


def door_clearance(geo: SceneGeometry, tol: Tolerances,
                   blocking: list[tuple[str, object]] | None = None) -> list[DoorClearance]:
    """Free depth in front of each door or doorway (up to `door_clearance_depth`)."""
    from shapely.geometry import Polygon

    room = geo.room
    blocking = obstacles(geo, tol) if blocking is None else blocking
    depth = tol.door_clearance_depth
    out = []
    for k, seg in door_segments(room):
        op = room.room.openings[k]
        w = room.walls[op.wall]
        ix, iz = -w.normal[0], -w.normal[1]
        (ax, az), (bx, bz) = seg.coords
        zone = Polygon([(ax, az), (bx, bz), (bx + ix * depth, bz + iz * depth), (ax + ix * depth, az + iz * depth)])
        clearance = depth
        hits = []
        for oid, poly in blocking:
            if not poly.intersects(zone):
                continue
            part = poly.intersection(zone)
            if part.is_empty or part.area <= 1e-12:
                continue
            d = float(seg.distance(part))
            clearance = min(clearance, d)
            if d < tol.min_door_clearance:
                hits.append(oid)
        out.append(DoorClearance(opening=k, wall=op.wall, kind=op.kind, clearance=max(0.0, clearance),
                                 blocked=clearance < tol.min_door_clearance, blocking=hits))
    return out
