"""Access: how much free floor a person can reach, and whether doors can be used.

Obstacles are footprints of objects that are taller than `step_height` (rugs and mats can be
walked over) and whose bottom is below `head_clearance` (wall shelves and ceiling lamps are
not in the way). The agent is a disc of radius `agent_radius`: its centre may go wherever the
floor, shrunk by the radius, is not within the radius of an obstacle.

The shapely work is split so that an edit redoes only what it touched (`WalkableFloor`, kept
per room and radius): obstacles are grouped into clusters that lie more than two radii apart
(their grown footprints cannot meet, so each cluster is grown on its own, exactly as the
grown union would be), and the reachable floor's area is its outline grown by the radius less
each hole shrunk by it; clusters and rings are cached by identity and by exact coordinates.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agentscene.rewards.geometry import RoomGeometry, SceneGeometry, object_array
from agentscene.rewards.report import DoorClearance
from agentscene.rewards.tolerances import Tolerances

_PASSABLE = ("door", "opening")
#: GEOS' round-join segments per quarter circle; `BaseGeometry.buffer`'s default (the
#: module-level `shapely.buffer` defaults to 8, which would change the areas).
QUAD_SEGS = 16
#: Obstacles closer than two radii plus this share a cluster. The margin covers GEOS'
#: buffer input simplification (1 % of the distance), so grown clusters never touch.
CLUSTER_MARGIN = 0.01


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
        out.append(g)
    if not out:
        return []
    polys = geo.polygons(out)
    return [(g.id, p) for g, p in zip(out, polys, strict=True)]


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


def _clockwise(poly: Any) -> Any:
    import shapely

    return shapely.reverse(poly) if shapely.is_ccw(poly.exterior) else poly


class _Cluster:
    """Obstacles that may reach each other's grown footprints, grown together."""

    __slots__ = ("members", "grown", "on_floor")

    def __init__(self, members: tuple, grown: Any, on_floor: float):
        self.members = members  # the footprint polygons (kept, so their ids stay unique)
        self.grown = grown  # their union grown by the radius
        self.on_floor = on_floor  # area of their union inside the floor polygon


def _clusters(polys: list, reach: float) -> list[list[int]]:
    """Indices of the polygons grouped by chains of pairs closer than `reach`, in first-index order."""
    import shapely

    n = len(polys)
    parent = list(range(n))
    if n > 1:
        arr = object_array(polys)
        b = shapely.bounds(arr)
        i, j = np.triu_indices(n, 1)
        gap_x = np.maximum(b[i, 0] - b[j, 2], b[j, 0] - b[i, 2])
        gap_z = np.maximum(b[i, 1] - b[j, 3], b[j, 1] - b[i, 3])
        near = (gap_x <= reach) & (gap_z <= reach)
        i, j = i[near], j[near]
        if len(i):
            close = shapely.distance(arr[i], arr[j]) <= reach
            for a, c in zip(i[close].tolist(), j[close].tolist(), strict=True):
                while parent[a] != a:
                    a = parent[a]
                while parent[c] != c:
                    c = parent[c]
                if a != c:
                    parent[max(a, c)] = min(a, c)
    groups: dict[int, list[int]] = {}
    for k in range(n):
        root = k
        while parent[root] != root:
            root = parent[root]
        groups.setdefault(root, []).append(k)
    return list(groups.values())


class WalkableFloor:
    """The walkable-floor computation of one room and agent radius, with its caches.

    Obtain it with `walkable_floor(room, radius)`; `ratio(polygons)` gives the same value as
    growing the union of all obstacles at once (to rounding), but an edit regrows only the
    clusters and holes it changed, and an unchanged obstacle list returns the last answer.
    """

    def __init__(self, room: RoomGeometry, radius: float):
        import shapely

        self.room = room
        self.radius = radius
        self.centres = room.floor.buffer(-radius)  # where the agent's centre may be in an empty room
        shapely.prepare(self.centres)
        self.doors = [seg for _, seg in door_segments(room)]
        self._clusters: dict[tuple[int, ...], _Cluster] = {}
        self._grown_area: dict[bytes, float] = {}
        self._shrunk_area: dict[bytes, float] = {}
        self._last: tuple[tuple, float] | None = None

    def ratio(self, polys: list) -> float:
        """Share of the free floor (floor less `polys`) an agent entering through a door can reach."""
        last = self._last
        if last is not None and len(last[0]) == len(polys) and all(a is b for a, b in zip(last[0], polys, strict=True)):
            return last[1]
        value = self._ratio(polys)
        self._last = (tuple(polys), value)
        return value

    def _ratio(self, polys: list) -> float:
        import shapely

        clusters = self._grow(polys)
        free_area = self.room.area - sum(c.on_floor for c in clusters)
        if free_area <= 1e-9:
            return 0.0
        grown = [g for c in clusters for g in shapely.get_parts(c.grown).tolist()]
        centres = self.centres.difference(shapely.multipolygons(grown)) if grown else self.centres
        parts = [p for p in shapely.get_parts(centres).tolist() if p.geom_type == "Polygon" and not p.is_empty]
        if not parts:
            return 0.0
        r = self.radius
        if self.doors:
            reach = [p for p in parts if any(p.distance(seg) <= r + 1e-6 for seg in self.doors)]
        else:
            reach = [max(parts, key=lambda p: p.area)]
        if not reach:
            return 0.0
        # An opening stays inside the set it opens: centres are at least r from the walls and from
        # every obstacle, so their r-disc sweep lies in the free floor (no intersection needed).
        if len(reach) == 1:
            covered = self._opened_area(reach[0])
        else:
            covered = shapely.union_all(reach).buffer(r, quad_segs=QUAD_SEGS).area
        return float(min(1.0, covered / free_area))

    def _grow(self, polys: list) -> list[_Cluster]:
        """The clusters of `polys`, reusing those whose members are the very same polygons."""
        import shapely

        old, new = self._clusters, {}
        out: list[_Cluster | None] = []
        todo: list[tuple[int, tuple[int, ...], tuple]] = []
        for group in _clusters(polys, 2.0 * self.radius + CLUSTER_MARGIN):
            members = tuple(polys[k] for k in group)
            key = tuple(id(p) for p in members)
            hit = old.get(key)
            if hit is None:
                todo.append((len(out), key, members))
            new[key] = hit
            out.append(hit)
        if todo:
            # A lone footprint is turned clockwise, as GEOS' union returns shells: the grown
            # rings then have the very coordinates the union of all obstacles would give.
            unions = _unions([m for _, _, m in todo])
            grown = shapely.buffer(unions, self.radius, quad_segs=QUAD_SEGS)
            floor = self.room.floor
            inside = shapely.contains(floor, unions)
            areas = np.where(inside, shapely.area(unions), 0.0)
            if not inside.all():
                outside = ~inside
                areas[outside] = shapely.area(shapely.intersection(floor, unions[outside]))
            for (pos, key, members), g, a in zip(todo, grown.tolist(), areas.tolist(), strict=True):
                c = _Cluster(members, g, a)
                new[key] = c
                out[pos] = c
        self._clusters = new
        return out  # type: ignore[return-value]

    def _opened_area(self, part: Any) -> float:
        """Area of one polygon of agent centres grown by the radius: its outline grown, less
        each hole shrunk (a disc inside the complement lies in one of its components). The
        areas are cached by each ring's exact coordinates (where it starts included, since
        GEOS' buffer depends on it), for this scene's rings only."""
        import shapely

        shapes = shapely.polygons(shapely.get_rings(part))
        keys = shapely.to_wkb(shapes).tolist()
        caches = [self._grown_area] + [self._shrunk_area] * (len(keys) - 1)
        values = [cache.get(k) for cache, k in zip(caches, keys, strict=True)]
        miss = [i for i, v in enumerate(values) if v is None]
        if miss:
            distance = np.where(np.array(miss) == 0, self.radius, -self.radius)  # outline out, holes in
            areas = shapely.area(shapely.buffer(shapes[miss], distance, quad_segs=QUAD_SEGS)).tolist()
            for i, a in zip(miss, areas, strict=True):
                values[i] = a
        self._grown_area = {keys[0]: values[0]}
        self._shrunk_area = dict(zip(keys[1:], values[1:], strict=True))
        return values[0] - sum(values[1:])


def _unions(groups: list[tuple]) -> np.ndarray:
    """The union of each group of polygons (a lone one turned clockwise, as GEOS' union returns
    shells), the groups of several unioned in one shapely call (rows padded with None)."""
    import shapely

    out = object_array([_clockwise(m[0]) if len(m) == 1 else None for m in groups])
    several = [k for k, m in enumerate(groups) if len(m) > 1]
    if several:
        table = np.empty((len(several), max(len(groups[k]) for k in several)), dtype=object)
        for row, k in enumerate(several):
            for col, poly in enumerate(groups[k]):
                table[row, col] = poly
        out[several] = shapely.union_all(table, axis=1)
    return out


def walkable_floor(room: RoomGeometry, radius: float) -> WalkableFloor:
    """The room's `WalkableFloor` for an agent of `radius` (one per room and radius)."""
    key = ("walkable_floor", radius)
    floor = room.memo.get(key)
    if floor is None:
        floor = room.memo[key] = WalkableFloor(room, radius)
    return floor


def walkable_ratio(geo: SceneGeometry, tol: Tolerances, blocking: list[tuple[str, object]] | None = None) -> float:
    """Share of the free floor that an agent entering through a door can reach (0..1).

    Without doors the largest connected free region counts as reachable.
    """
    blocking = obstacles(geo, tol) if blocking is None else blocking
    return walkable_floor(geo.room, tol.agent_radius).ratio([p for _, p in blocking])


def door_clearance(geo: SceneGeometry, tol: Tolerances,
                   blocking: list[tuple[str, object]] | None = None) -> list[DoorClearance]:
    """Free depth in front of each door or doorway (up to `door_clearance_depth`)."""
    import shapely
    from shapely.geometry import Polygon

    room = geo.room
    blocking = obstacles(geo, tol) if blocking is None else blocking
    polys = object_array([p for _, p in blocking])
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
        touching = np.flatnonzero(shapely.intersects(zone, polys)).tolist() if len(polys) else []
        for i in touching:
            oid, poly = blocking[i]
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
