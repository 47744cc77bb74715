"""Object-object contact: broad phase on AABBs, python-fcl narrow phase, depth and overlap volume.

- Contact of two boxes is the exact separating-axis test (yaw-only boxes: the up axis and
  each box's two horizontal axes suffice). With a mesh it is decided by python-fcl on the real
  geometry (the stretched mesh's BVH), so a chair tucked under a table only collides if its
  mesh touches the table. The broad phase compares all AABBs at once (numpy) and drops box
  pairs with a separating gap before any per-pair work.
- Penetration depth is the minimum translation that separates the two convex hulls, searched
  over the vertical axis and both objects' horizontal axes (separating-axis test). For two
  boxes this is exact and equals fcl's box-box depth; when a mesh is involved each axis's
  depth is capped by the thickness of the actually shared volume along it.
- Overlap volume is exact for two boxes (footprint intersection × height overlap) and sampled
  on a grid at most `voxel_pitch` apart inside the AABB intersection when a mesh is involved.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from agentscene.rewards.geometry import ObjectGeometry
from agentscene.rewards.shapes import cell_count
from agentscene.rewards.tolerances import Tolerances


@dataclass(frozen=True)
class PairContact:
    """Raw result for one object pair that touches or overlaps."""

    a: str
    b: str
    depth: float  # m, minimum translation distance
    volume: float  # m³ of overlap
    direction: tuple[float, float, float]  # unit vector: moving b this way by `depth` separates them
    in_contact: bool  # python-fcl reports contact (or one object is inside the other)


#: Up to this many objects the broad phase compares every pair at once (n² booleans).
_DENSE_BROAD_PHASE = 600


def candidate_pairs(aabb_min: np.ndarray, aabb_max: np.ndarray) -> list[tuple[int, int]]:
    """Index pairs i < j whose AABBs overlap with positive volume, sorted."""
    n = len(aabb_min)
    if n < 2:
        return []
    if n <= _DENSE_BROAD_PHASE:
        ok = np.ones((n, n), dtype=bool)
        for d in range(aabb_min.shape[1]):
            lo, hi = aabb_min[:, d], aabb_max[:, d]
            ok &= (lo[:, None] < hi[None, :]) & (lo[None, :] < hi[:, None])
        i, j = np.nonzero(np.triu(ok, 1))
        return list(zip(i.tolist(), j.tolist(), strict=True))
    pairs: list[tuple[int, int]] = []
    # Sort by min x and sweep: only neighbours whose x ranges overlap are compared.
    order = np.argsort(aabb_min[:, 0], kind="stable")
    lo, hi = aabb_min[order], aabb_max[order]
    for k in range(n - 1):
        end = int(np.searchsorted(lo[:, 0], hi[k, 0], side="left"))
        if end <= k + 1:
            continue
        rest = slice(k + 1, end)
        ok = np.all((lo[rest] < hi[k]) & (lo[k] < hi[rest]), axis=1)
        for j in np.nonzero(ok)[0]:
            a, b = int(order[k]), int(order[k + 1 + j])
            pairs.append((a, b) if a < b else (b, a))
    pairs.sort()
    return pairs


def candidates_for(index: int, aabb_min: np.ndarray, aabb_max: np.ndarray) -> np.ndarray:
    """Indices j != index whose AABBs overlap object `index`'s AABB."""
    ok = np.all((aabb_min < aabb_max[index]) & (aabb_min[index] < aabb_max), axis=1)
    ok[index] = False
    return np.nonzero(ok)[0]


def separated_boxes(objects: list[ObjectGeometry], pairs: list[tuple[int, int]]) -> np.ndarray:
    """For each pair: True when both are boxes and a separating axis leaves a gap (vectorised
    over all pairs; such pairs neither touch nor share volume, so they need no narrow phase)."""
    out = np.zeros(len(pairs), dtype=bool)
    boxes = [k for k, (i, j) in enumerate(pairs) if objects[i].is_box and objects[j].is_box]
    if not boxes:
        return out
    ia = [pairs[k][0] for k in boxes]
    ib = [pairs[k][1] for k in boxes]
    ha = np.array([objects[i].hull for i in ia])  # (P, 8, 3): box hulls are their corners
    hb = np.array([objects[j].hull for j in ib])
    ra = np.array([objects[i].rotation for i in ia])
    rb = np.array([objects[j].rotation for j in ib])
    up = np.broadcast_to(np.array([0.0, 1.0, 0.0]), (len(boxes), 3))
    axes = np.stack((up, ra[:, :, 0], ra[:, :, 2], rb[:, :, 0], rb[:, :, 2]), axis=1)  # (P, 5, 3)
    pa = np.einsum("pkd,pad->pak", ha, axes)
    pb = np.einsum("pkd,pad->pak", hb, axes)
    over = np.minimum(pa.max(axis=2) - pb.min(axis=2), pb.max(axis=2) - pa.min(axis=2))
    out[boxes] = over.min(axis=1) < -1e-9  # a clear gap; touching pairs go to the exact test
    return out


def _axes(a: ObjectGeometry, b: ObjectGeometry) -> np.ndarray:
    """Candidate separating axes for two yaw-only objects: up, and each one's horizontal axes."""
    ra, rb = a.rotation, b.rotation
    return np.array([[0.0, 1.0, 0.0], ra[:, 0], ra[:, 2], rb[:, 0], rb[:, 2]])


def penetration(a: ObjectGeometry, b: ObjectGeometry, *, horizontal: bool = False) -> tuple[float, np.ndarray]:
    """Depth and direction (move b along it) of the minimum separating translation of the hulls.

    Zero depth when the hulls are separated or only touch. `horizontal` leaves out the
    vertical axis (how far to slide one object off the other along the floor).
    """
    axes, over, signed = _axis_overlaps(a, b, horizontal)
    k = int(np.argmin(over))
    depth = float(over[k])
    if depth <= 0:
        return 0.0, np.zeros(3)
    return depth, signed[k]


def _axis_overlaps(a: ObjectGeometry, b: ObjectGeometry, horizontal: bool = False):
    """Per candidate axis: the hulls' overlap and the direction that separates them by moving b."""
    axes = _axes(a, b)[1:] if horizontal else _axes(a, b)
    pa = a.hull @ axes.T
    pb = b.hull @ axes.T
    push_pos = pa.max(axis=0) - pb.min(axis=0)  # move b by +axis this much
    push_neg = pb.max(axis=0) - pa.min(axis=0)  # or by -axis this much
    signed = np.where((push_pos <= push_neg)[:, None], axes, -axes)
    return axes, np.minimum(push_pos, push_neg), signed


def mesh_penetration(a: ObjectGeometry, b: ObjectGeometry, shared: np.ndarray | None,
                     spacing: np.ndarray) -> tuple[float, np.ndarray]:
    """Depth and direction for pairs with a mesh: per axis, the smaller of the hulls' overlap
    and the thickness of the sampled shared volume (plus one sample spacing).

    Hulls of non-convex meshes overlap far more than the meshes (a post touching a table
    top's underside sits deep inside the table's hull), so the shared volume's thickness
    bounds the depth. Contact thinner than the sampling grid is one sample spacing deep.
    """
    axes, over, signed = _axis_overlaps(a, b)
    step = np.abs(axes) @ np.abs(spacing)
    if shared is None or len(shared) == 0:
        local = step
    else:
        proj = shared @ axes.T
        local = proj.max(axis=0) - proj.min(axis=0) + step
    depth = np.minimum(over, local)
    k = int(np.argmin(depth))
    if depth[k] <= 0:
        return 0.0, np.zeros(3)
    return float(depth[k]), signed[k]


def overlap_volume(a: ObjectGeometry, b: ObjectGeometry, pitch: float) -> float:
    """Volume shared by two objects (m³): exact for boxes, grid-sampled for meshes."""
    return shared_volume(a, b, pitch)[0]


def shared_volume(a: ObjectGeometry, b: ObjectGeometry, pitch: float) -> tuple[float, np.ndarray | None, np.ndarray]:
    """(volume, sample points inside both or None for exact box volumes, sample spacing per axis)."""
    y0 = float(max(a.aabb_min[1], b.aabb_min[1]))
    y1 = float(min(a.aabb_max[1], b.aabb_max[1]))
    none = np.zeros(3)
    if y1 <= y0:
        return 0.0, None, none
    if a.is_box and b.is_box:
        inter = a.polygon().intersection(b.polygon())
        return float(inter.area) * (y1 - y0), None, none
    lo = np.maximum(a.aabb_min, b.aabb_min)
    hi = np.minimum(a.aabb_max, b.aabb_max)
    if np.any(hi - lo <= 0):
        return 0.0, None, none
    count, found = 0, []
    cell, spacing, slabs = grid_slabs(lo, hi, pitch)
    for pts in slabs:
        inside = a.contains(pts)
        if inside.any():
            inside[inside] = b.contains(pts[inside])
        count += int(inside.sum())
        found.append(pts[inside])
    return float(count) * cell, found[0] if len(found) == 1 else np.concatenate(found), spacing


#: Most grid points one slab of `grid_slabs` holds (the memory of a huge overlap stays bounded).
GRID_SLAB = 1 << 18


def grid_slabs(lo: np.ndarray, hi: np.ndarray, pitch: float) -> tuple[float, np.ndarray, Iterator[np.ndarray]]:
    """The cell volume, the spacing per axis and the cell centres of a grid over the box
    [lo, hi] with spacing at most `pitch`: x varies slowest, z fastest, in slabs of whole x
    layers of at most `GRID_SLAB` points (one slab for ordinary overlaps)."""
    ext = hi - lo
    counts = [cell_count(float(e), pitch) for e in ext]
    spacing = ext / np.array(counts)
    along = [lo[i] + (np.arange(counts[i]) + 0.5) * spacing[i] for i in range(3)]
    layers = max(1, GRID_SLAB // (counts[1] * counts[2]))

    def slabs() -> Iterator[np.ndarray]:
        for start in range(0, counts[0], layers):
            xs = along[0][start:start + layers]
            pts = np.empty((len(xs), counts[1], counts[2], 3))
            for i, values in enumerate((xs, along[1], along[2])):
                pts[..., i] = values.reshape([-1 if k == i else 1 for k in range(3)])
            yield pts.reshape(-1, 3)

    return float(np.prod(spacing)), spacing, slabs()


def fcl_in_contact(a: ObjectGeometry, b: ObjectGeometry) -> bool:
    """python-fcl's verdict on whether the two objects' geometries intersect."""
    import fcl

    return bool(fcl.collide(a.fcl_object(), b.fcl_object(), fcl.CollisionRequest(), fcl.CollisionResult()))


def pair_contact(a: ObjectGeometry, b: ObjectGeometry, tol: Tolerances) -> PairContact | None:
    """Contact, depth and overlap volume of two objects whose AABBs overlap; None if apart.

    Two boxes are decided exactly by the separating-axis test (no fcl); fcl runs only for
    pairs with a mesh that share no sampled volume.
    """
    if a.is_box and b.is_box:
        depth, direction = penetration(a, b)
        if depth <= 0.0:
            return None  # apart or touching faces: neither a collision nor an overlap
        volume = shared_volume(a, b, tol.voxel_pitch)[0]
        if volume <= tol.volume_epsilon:
            volume = 0.0
        return PairContact(a.id, b.id, depth, volume, tuple(float(v) for v in direction), True)
    volume, shared, spacing = shared_volume(a, b, tol.voxel_pitch)
    if volume <= tol.volume_epsilon:
        volume = 0.0
    # Shared volume is contact (a BVH mesh wholly inside another reports no surface contact),
    # so fcl only decides pairs that share none.
    if volume == 0.0 and not fcl_in_contact(a, b):
        return None
    depth, direction = mesh_penetration(a, b, shared, spacing)
    if depth <= 0.0 and volume == 0.0:  # touching faces: neither a collision nor an overlap
        return None
    return PairContact(a.id, b.id, depth, volume, tuple(float(v) for v in direction), True)
