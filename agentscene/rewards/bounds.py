"""Out of bounds: how much of an object lies outside the room prism, and which walls it crosses.

Two numbers per object, both deterministic:
- `outside_fraction`: the share of its *surface* outside the floor polygon widened by
  `bounds_buffer` or outside [-buffer, height + buffer]. The object counts as out of bounds
  when this exceeds `oob_surface_fraction` (SceneReVis: > 1 % of 500 random surface samples;
  here exact for boxes and a fixed area-weighted sample for meshes).
- `volume`: the m³ outside the (unbuffered) prism, exact for boxes and grid-sampled for meshes.
The floor polygon may be concave (L-shaped rooms): tests use the polygon, never its bounding box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agentscene.rewards.collision import GRID_SLAB
from agentscene.rewards.geometry import (
    ObjectGeometry,
    RoomGeometry,
    SceneGeometry,
    axis_label,
    object_array,
)
from agentscene.rewards.shapes import cell_count
from agentscene.rewards.tolerances import Tolerances


@dataclass(frozen=True)
class Crossing:
    """A wall an object pokes through: how far, and which way to move it back inside."""

    wall: int
    side: str  # compass name of the wall, e.g. "north" (the -z wall in the top view)
    distance: float  # m beyond the wall
    inward: tuple[float, float]  # unit (dx, dz) pointing into the room

    @property
    def move_label(self) -> str:
        return axis_label(*self.inward)


@dataclass(frozen=True)
class ObjectBounds:
    id: str
    outside_fraction: float
    volume: float
    oob: bool
    wholly_outside: bool
    crossings: tuple[Crossing, ...]
    above_ceiling: float
    below_floor: float


def _crossings(g: ObjectGeometry, room: RoomGeometry, ignore: float) -> tuple[Crossing, ...]:
    fp = g.polygon()
    outside = fp.difference(room.floor)
    if outside.is_empty:
        return ()
    parts = getattr(outside, "geoms", [outside])
    pts = [np.asarray(p.exterior.coords)[:-1] for p in parts if p.geom_type == "Polygon" and not p.is_empty]
    if not pts:
        return ()
    # A point beyond a convex corner is equally near both walls: it crosses each by its
    # distance past that wall's line (not by its distance to the shared corner).
    crossing = room.wall_crossings(np.concatenate(pts))
    best = {i: d for i, d in crossing.items() if d > ignore}
    out = []
    for i, d in sorted(best.items(), key=lambda kv: -kv[1]):
        w = room.walls[i]
        out.append(Crossing(i, w.name, d, (-w.normal[0], -w.normal[1])))
    return tuple(out)


def _box_surface_outside(g: ObjectGeometry, room: RoomGeometry, tol: Tolerances) -> float:
    fp = g.polygon()
    area, perimeter, h = fp.area, fp.length, g.top - g.bottom
    floor_b = room.buffered(tol.bounds_buffer)
    if floor_b.contains(fp):
        in_area, in_perim = area, perimeter
    else:
        in_area = fp.intersection(floor_b).area
        in_perim = fp.exterior.intersection(floor_b).length
    lo, hi = -tol.bounds_buffer, room.height + tol.bounds_buffer
    h_in = max(0.0, min(g.top, hi) - max(g.bottom, lo))
    top_in = in_area if lo <= g.top <= hi else 0.0
    bottom_in = in_area if lo <= g.bottom <= hi else 0.0
    total = 2.0 * area + perimeter * h
    if total <= 0:
        return 0.0
    return float(min(1.0, max(0.0, 1.0 - (top_in + bottom_in + in_perim * h_in) / total)))


def _box_volume_outside(g: ObjectGeometry, room: RoomGeometry) -> float:
    fp = g.polygon()
    h = g.top - g.bottom
    in_area = fp.area if room.floor.contains(fp) else fp.intersection(room.floor).area
    h_in = max(0.0, min(g.top, room.height) - max(g.bottom, 0.0))
    return float(max(0.0, fp.area * h - in_area * h_in))


def _inside_prism(room: RoomGeometry, points: np.ndarray, buffer: float) -> np.ndarray:
    import shapely

    poly = room.buffered(buffer)
    inside = shapely.contains_xy(poly, points[:, 0], points[:, 2])
    return inside & (points[:, 1] >= -buffer) & (points[:, 1] <= room.height + buffer)


def _mesh_surface_outside(g: ObjectGeometry, room: RoomGeometry, tol: Tolerances) -> float:
    shape = g.shape
    assert shape is not None
    pts = (shape.samples * g.size) @ g.rotation.T + g.position
    w = shape.surface_weights(g.size)
    inside = _inside_prism(room, pts, tol.bounds_buffer)
    total = float(w.sum())
    return float(w[~inside].sum() / total) if total > 0 else 0.0


def _mesh_volume_outside(g: ObjectGeometry, room: RoomGeometry, tol: Tolerances) -> float:
    shape = g.shape
    assert shape is not None
    counts = [cell_count(float(s), tol.voxel_pitch) for s in g.size]
    axes = [(np.arange(n) + 0.5) / n for n in counts]
    xs, zs = axes[0] - 0.5, axes[2] - 0.5
    layers = max(1, GRID_SLAB // (counts[1] * counts[2]))  # bounded memory for huge objects
    outside = 0
    for start in range(0, counts[0], layers):
        ux, uy, uz = np.meshgrid(xs[start:start + layers], axes[1], zs, indexing="ij")
        unit = np.column_stack((ux.ravel(), uy.ravel(), uz.ravel()))
        unit = unit[shape.occupied(unit)]
        if len(unit):
            world = (unit * g.size) @ g.rotation.T + g.position
            outside += int((~_inside_prism(room, world, 0.0)).sum())
    cell = float(np.prod(g.size)) / float(np.prod(counts))
    return float(outside) * cell


def inside_room(objects: list[ObjectGeometry], room: RoomGeometry) -> np.ndarray:
    """Whether each object lies wholly inside the room prism (one vectorised shapely test
    against the prepared floor)."""
    import shapely

    if not objects:
        return np.zeros(0, dtype=bool)
    polys = object_array(SceneGeometry.polygons(objects))
    low = np.array([g.bottom for g in objects]) >= 0.0
    high = np.array([g.top for g in objects]) <= room.height
    return low & high & shapely.contains(room.floor, polys)


def all_object_bounds(objects: list[ObjectGeometry], room: RoomGeometry, tol: Tolerances) -> list[ObjectBounds]:
    """`object_bounds` of every object that leaves the room, in the given order."""
    inside = inside_room(objects, room).tolist()
    out = []
    for g, ok in zip(objects, inside, strict=True):
        b = None if ok else _leaving(g, room, tol)
        if b is not None:
            out.append(b)
    return out


def object_bounds(g: ObjectGeometry, room: RoomGeometry, tol: Tolerances) -> ObjectBounds | None:
    """How an object leaves the room prism; None when it is wholly inside."""
    if g.bottom >= 0.0 and g.top <= room.height and room.floor.contains(g.polygon()):
        return None
    return _leaving(g, room, tol)


def _leaving(g: ObjectGeometry, room: RoomGeometry, tol: Tolerances) -> ObjectBounds | None:
    """`object_bounds` of an object known not to be wholly inside the room prism."""
    if g.is_box:
        fraction = _box_surface_outside(g, room, tol)
        volume = _box_volume_outside(g, room)
    else:
        fraction = _mesh_surface_outside(g, room, tol)
        volume = _mesh_volume_outside(g, room, tol)
    if volume <= tol.volume_epsilon:
        volume = 0.0
    crossings = _crossings(g, room, tol.bounds_buffer)
    wholly = g.polygon().intersection(room.floor).area <= 1e-12 or g.bottom >= room.height or g.top <= 0.0
    above = max(0.0, g.top - room.height)
    below = max(0.0, -g.bottom)
    within_buffer = above <= tol.bounds_buffer and below <= tol.bounds_buffer
    if volume == 0.0 and fraction <= tol.oob_surface_fraction and within_buffer:
        return None  # a sliver within the tolerances: not worth reporting
    return ObjectBounds(
        g.id, fraction, volume, fraction > tol.oob_surface_fraction, wholly, crossings, above, below,
    )
