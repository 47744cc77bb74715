"""Where a person entering by a door can walk: a floor grid, flood-filled from the doors.

Obstacles are the footprints that block walking (agentscene.critics.index); the walker is a disc
of `Tolerances.agent_radius`, so its centre keeps that far from obstacles and walls. The grid
cell grows for huge rooms so that a grid never has more than `max_cells` cells.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from agentscene.critics.index import Item, JudgedScene


@dataclass(frozen=True)
class ReachGrid:
    cell: float
    x0: float
    z0: float
    free: np.ndarray  # (nz, nx) floor not covered by an obstacle
    reachable: np.ndarray  # (nz, nx) cells a walker's centre can reach from a door
    walkable_share: float  # share of the free floor within the walker's reach

    def _slices(self, lo_x: float, hi_x: float, lo_z: float, hi_z: float) -> tuple[slice, slice]:
        nz, nx = self.free.shape
        i0 = max(0, int(math.floor((lo_x - self.x0) / self.cell)))
        i1 = min(nx, int(math.ceil((hi_x - self.x0) / self.cell)) + 1)
        j0 = max(0, int(math.floor((lo_z - self.z0) / self.cell)))
        j1 = min(nz, int(math.ceil((hi_z - self.z0) / self.cell)) + 1)
        return slice(j0, max(j0, j1)), slice(i0, max(i0, i1))

    def centres(self, sj: slice, si: slice) -> tuple[np.ndarray, np.ndarray]:
        """Cell centres of a window as a row of x and a column of z (they broadcast to the window)."""
        xs = self.x0 + (np.arange(si.start, si.stop) + 0.5) * self.cell
        zs = self.z0 + (np.arange(sj.start, sj.stop) + 0.5) * self.cell
        return xs[None, :], zs[:, None]

    def reaches(self, it: Item, reach: float) -> bool:
        """Whether a reachable walker position lies within `reach` of the item's footprint."""
        corners = it.corners
        sj, si = self._slices(min(c[0] for c in corners) - reach, max(c[0] for c in corners) + reach,
                              min(c[1] for c in corners) - reach, max(c[1] for c in corners) + reach)
        sub = self.reachable[sj, si]
        if not sub.any():
            return False
        gx, gz = self.centres(sj, si)
        rx, rz = it.right
        dx, dz = gx - it.x, gz - it.z
        lx = np.abs(rx * dx + rz * dz) - it.w / 2
        lz = np.abs(it.front[0] * dx + it.front[1] * dz) - it.d / 2
        dist = np.hypot(np.maximum(lx, 0.0), np.maximum(lz, 0.0))
        return bool((sub & (dist <= reach)).any())


def reach_map(ix: JudgedScene, cell: float, max_cells: int) -> ReachGrid | None:
    """The walkable grid of the scene (cached on the index); None when the room has no door."""
    if "reach" in ix.memo:
        return ix.memo["reach"]
    grid = _build(ix, cell, max_cells)
    ix.memo["reach"] = grid
    return grid


def _build(ix: JudgedScene, cell: float, max_cells: int) -> ReachGrid | None:
    from scipy.ndimage import distance_transform_edt, label

    room = ix.scene.room
    walls = {w.index: w for w in ix.walls}
    doors = [op for op in room.openings if op.kind in ("door", "opening") and op.wall in walls]
    if not doors:
        return None
    x0, z0, x1, z1 = room.bounds
    cell = max(cell, math.sqrt((x1 - x0) * (z1 - z0) / max(1, max_cells)))
    nx, nz = max(1, math.ceil((x1 - x0) / cell)), max(1, math.ceil((z1 - z0) / cell))
    xs = x0 + (np.arange(nx) + 0.5) * cell
    zs = z0 + (np.arange(nz) + 0.5) * cell
    gx, gz = np.meshgrid(xs, zs)
    free = ix.inside_floor(xs[None, :], zs[:, None])
    grid = ReachGrid(cell, x0, z0, free, free, 0.0)  # for _slices only
    for it in ix.obstacles:
        corners = it.corners
        sj, si = grid._slices(min(c[0] for c in corners), max(c[0] for c in corners),
                              min(c[1] for c in corners), max(c[1] for c in corners))
        if sj.stop > sj.start and si.stop > si.start:
            free[sj, si] &= ~it.contains(gx[sj, si], gz[sj, si])
    radius = ix.tol.agent_radius
    padded = np.pad(free, 1, constant_values=False)
    clearance = distance_transform_edt(padded)[1:-1, 1:-1] * cell - cell / 2
    centres = free & (clearance >= radius)
    labels, _ = label(centres)
    # walker positions just inside each door: along its width, from one radius to three cells deeper
    ts = np.linspace(-0.5, 0.5, 7)[:, None]
    depths = np.arange(radius, radius + 3 * cell, cell / 2)[None, :]
    seeds: set[int] = set()
    for op in doors:
        w = walls[op.wall]
        along = op.offset + ts * op.width
        i = ((w.a[0] + w.direction[0] * along + w.normal[0] * depths - x0) / cell).astype(int).ravel()
        j = ((w.a[1] + w.direction[1] * along + w.normal[1] * depths - z0) / cell).astype(int).ravel()
        ok = (i >= 0) & (i < nx) & (j >= 0) & (j < nz)
        seeds.update(int(v) for v in np.unique(labels[j[ok], i[ok]]) if v > 0)
    reachable = np.isin(labels, list(seeds)) if seeds else np.zeros_like(centres)
    if reachable.any():
        near = distance_transform_edt(~reachable) * cell <= radius + cell / 2
        covered = int((near & free).sum())
    else:
        covered = 0
    n_free = int(free.sum())
    share = covered / n_free if n_free else 0.0
    return ReachGrid(cell, x0, z0, free, reachable, float(min(1.0, share)))
