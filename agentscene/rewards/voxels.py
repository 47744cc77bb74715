"""SceneReVis' voxel sets (trimesh's subdivide, round and fill) without trimesh's remeshing.

voxel_eval voxelises every object and the room with `mesh.voxelized(p).fill()`: the surface is
subdivided until every edge is at most p/2, each vertex is rounded to `round(v / p)` and the
cells enclosed by the result are filled (scipy's `binary_fill_holes`). Two facts give a closed
form wherever the faces are parallel to the grid axes:

- every point of a face lies within p/(2√3) of a subdivided vertex (edges are at most p/2),
  so every cell whose centre lies on a face is hit;
- a cell that a vertex rounds to although its centre lies off the face is also hit by the
  vertices on the face's axis-parallel boundary edge. Those vertices are fp midpoints of equal
  coordinates, so they round exactly as the face's corners do.

Hence a box whose faces round as if axis-aligned (every yaw that is a multiple of 90°, and any
box smaller than a voxel) is the solid block `[round(lo/p), round(hi/p)]` per axis, and a prism
over an axis-parallel polygon (rectangular and L-shaped rooms) is its rounded outline plus the
cells whose centres lie inside, filled layer by layer. Everything else (boxes at other yaws,
asset meshes, rooms with slanted walls) goes through `subdivide.subdivision_hits`, which replays
trimesh's subdivision bit for bit but only where a vertex could still hit a new cell. Every
block is cached per (asset, size, yaw) or per room. tests/test_rewards_voxels.py checks all of
it against trimesh, cell for cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agentscene.geometry import rotation_matrix_y
from agentscene.rewards.subdivide import (
    SUBDIVIDE_ROUNDS,
    VoxelLimitError,
    installed_rule,
    subdivision_hits,
)

if TYPE_CHECKING:
    import trimesh

    from agentscene.scene import Room

#: Most triangles (estimated) that trimesh's subdivision of one mesh may reach here. The replay
#: visits a fraction of them (about a second per million at worst); trimesh takes minutes.
#: About a box up to 25 m at any yaw, a room with slanted walls up to ~500 m².
SUBDIVIDE_BUDGET = 5_000_000


@dataclass(frozen=True, eq=False)
class VoxelBlock:
    """An occupied voxel set: a block of cells starting at grid index `origin`.

    `translation` is trimesh's `VoxelGrid.translation` (origin * pitch, as trimesh computes
    it), which voxel_eval uses to place the block; `cells` is None when every cell is filled.
    """

    origin: np.ndarray  # (3,) int64
    shape: tuple[int, int, int]
    cells: np.ndarray | None  # bool, `shape`
    count: int
    translation: np.ndarray  # (3,) float

    @staticmethod
    def make(origin: np.ndarray, cells: np.ndarray | None, pitch: float, *, shape: tuple[int, ...] | None = None,
             translation: np.ndarray | None = None) -> VoxelBlock:
        origin = np.asarray(origin, dtype=np.int64)
        if cells is not None:
            shape = cells.shape
            if cells.all():
                cells = None
        assert shape is not None
        count = int(np.prod(shape)) if cells is None else int(np.count_nonzero(cells))
        if translation is None:
            translation = origin * pitch  # trimesh: origin_position = origin_index * pitch (int64 array)
        return VoxelBlock(origin, tuple(int(s) for s in shape), cells, count, np.asarray(translation, dtype=float))

    def window(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray | None:
        """The cells inside [lo, hi) (block-local indices), or None when all are filled."""
        if self.cells is None:
            return None
        return self.cells[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]


def overlap_count(a: VoxelBlock, a_at: np.ndarray, b: VoxelBlock, b_at: np.ndarray) -> int:
    """Cells shared by block `a` placed at grid index `a_at` and block `b` placed at `b_at`."""
    lo = np.maximum(a_at, b_at)
    hi = np.minimum(a_at + np.array(a.shape), b_at + np.array(b.shape))
    if np.any(hi <= lo):
        return 0
    if a.cells is None and b.cells is None:
        return int(np.prod(hi - lo))
    wa = a.window(lo - a_at, hi - a_at)
    wb = b.window(lo - b_at, hi - b_at)
    if wa is None:
        return int(wb.sum())
    if wb is None:
        return int(wa.sum())
    return int(np.count_nonzero(wa & wb))


def _grid_cells(shape, what: str, limit: int) -> None:
    cells = int(np.prod([max(int(s), 1) for s in shape], dtype=object))
    if cells > limit:
        raise VoxelLimitError(
            f"{what} needs {cells:,} voxels (limit {limit:,}, Tolerances.voxel_limit); "
            "use a coarser voxel_pitch or evaluate without compat='scenerevis'")


# -- everything else: trimesh's subdivision replayed ------------------------------------------

def check_subdivision(vertices: np.ndarray, faces: np.ndarray, pitch: float) -> None:
    """Refuse what trimesh cannot subdivide in 10 rounds or what exceeds SUBDIVIDE_BUDGET."""
    v = np.asarray(vertices, dtype=float)
    f = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
    if len(f) == 0:
        raise ValueError("cannot voxelise a mesh without faces")
    tri = v[f]
    edges = np.linalg.norm(tri[:, [1, 2, 0]] - tri, axis=2)
    max_edge = pitch / 2.0
    longest = float(edges.max())
    if longest > max_edge * 2 ** SUBDIVIDE_ROUNDS:
        raise VoxelLimitError(
            f"a face edge of {longest:.2f} m is longer than trimesh's voxeliser can subdivide at pitch {pitch} "
            f"({max_edge * 2 ** SUBDIVIDE_ROUNDS:.1f} m after {SUBDIVIDE_ROUNDS} rounds); SceneReVis' voxel_eval fails here too")
    # Each face ends with about 2 * area / max_edge² triangles (plus its edges' splits).
    area = np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1) / 2.0
    estimate = float((2.0 * area / max_edge ** 2 + edges.sum(axis=1) / max_edge + 1.0).sum())
    if estimate > SUBDIVIDE_BUDGET:
        raise VoxelLimitError(
            f"voxelising this mesh at pitch {pitch} means subdividing it into ~{estimate:,.0f} triangles (more than "
            f"voxels.SUBDIVIDE_BUDGET = {SUBDIVIDE_BUDGET:,}); use a coarser voxel_pitch or evaluate without compat")


def subdivided_blocks(meshes: list[tuple[np.ndarray, np.ndarray]], pitch: float, *, limit: int,
                      what: str = "this object's voxel grid", rule: str | None = None) -> list[VoxelBlock]:
    """`voxelized(pitch).fill()` of each (vertices, faces), bit for bit, in one batch (`rule`:
    whose subdivision, see `subdivide.subdivision_hits`)."""
    from scipy import ndimage

    for v, f in meshes:
        check_subdivision(v, f, pitch)
    hits = subdivision_hits(meshes, pitch, on_grid=lambda shape: _grid_cells(shape, what, limit), rule=rule)
    return [VoxelBlock.make(origin, ndimage.binary_fill_holes(grid), pitch) for origin, grid in hits]


# -- closed form: boxes ---------------------------------------------------------------------

def _unit_box():
    import trimesh

    unit = trimesh.creation.box(extents=(1.0, 1.0, 1.0))
    return np.asarray(unit.vertices, dtype=float), np.asarray(unit.faces, dtype=np.int64)


class _BoxTemplate:
    """trimesh's box vertex and face order (±0.5 corners), read once."""

    def __init__(self):
        self.vertices, self.faces = _unit_box()
        self.positive = self.vertices > 0  # (8, 3) side of each corner along each local axis


def scenerevis_box_corners(size, yaw: float, template: _BoxTemplate) -> np.ndarray:
    """The 8 corners of voxel_eval's box for an object, bit for bit as trimesh computes them:
    `box(extents=size)`, scaled by size / (extents + 1e-6), bottom centre to the origin, rotated."""
    from trimesh.transformations import scale_and_translate, transform_points

    size = np.asarray(size, dtype=float)
    v = template.vertices * size  # trimesh: (v01 - 0.5) * extents
    extents = v.max(axis=0) - v.min(axis=0)
    v = transform_points(v, scale_and_translate(scale=size / (extents + 1e-6)))
    lo, hi = v.min(axis=0), v.max(axis=0)
    move = np.eye(4)
    move[:3, 3] = -np.array([(lo[0] + hi[0]) / 2.0, lo[1], (lo[2] + hi[2]) / 2.0])
    v = transform_points(v, move)
    pose = np.eye(4)
    pose[:3, :3] = rotation_matrix_y(yaw)
    return transform_points(v, pose)


def box_voxels(corners: np.ndarray, positive: np.ndarray, pitch: float) -> VoxelBlock | None:
    """The filled voxel block of a box whose faces round as if axis-aligned, else None.

    World axis y is local y (yaw only); world x and z must each pair with a distinct local
    horizontal axis so that the four corners on either side of it round to one index.
    """
    r = np.round(corners / pitch)
    ranges: dict[int, tuple[float, float]] = {}

    def side_range(axis: int, local: int) -> tuple[float, float] | None:
        neg = r[~positive[:, local], axis]
        pos = r[positive[:, local], axis]
        if np.all(neg == neg[0]) and np.all(pos == pos[0]):
            return (min(neg[0], pos[0]), max(neg[0], pos[0]))
        return None

    y = side_range(1, 1)
    if y is None:
        return None
    for lx, lz in ((0, 2), (2, 0)):
        x, z = side_range(0, lx), side_range(2, lz)
        if x is not None and z is not None:
            ranges = {0: x, 1: y, 2: z}
            break
    else:
        return None
    lo = np.array([ranges[a][0] for a in range(3)], dtype=np.int64)
    hi = np.array([ranges[a][1] for a in range(3)], dtype=np.int64)
    shape = tuple(int(s) for s in hi - lo + 1)
    return VoxelBlock.make(lo, None, pitch, shape=shape)


# -- closed form: the room prism ----------------------------------------------------------

def axis_parallel(floor) -> bool:
    pts = list(floor)
    return all(a[0] == b[0] or a[1] == b[1] for a, b in zip(pts, pts[1:] + pts[:1], strict=True))


def _fill(layers: np.ndarray) -> np.ndarray:
    from scipy import ndimage

    return ndimage.binary_fill_holes(layers)


def prism_voxels(floor, height: float, pitch: float, *, limit: int) -> VoxelBlock | None:
    """The room prism's filled voxels (floor polygon (x, z) extruded to `height`), or None
    when a wall is not parallel to the x or z axis."""
    if not axis_parallel(floor):
        return None
    pts = np.asarray(floor, dtype=float)
    g = pts / pitch  # vertex grid coordinates, as trimesh divides them
    rx, rz = np.round(g[:, 0]), np.round(g[:, 1])
    top = int(np.round(float(height) / pitch))
    x0, z0 = int(rx.min()), int(rz.min())
    nx, nz = int(rx.max()) - x0 + 1, int(rz.max()) - z0 + 1
    _grid_cells((nx, top + 1, nz), "the room's voxel grid", limit)
    outline = np.zeros((nx, nz), dtype=bool)
    inside = np.zeros((nx, nz), dtype=bool)
    n = len(pts)
    for i in range(n):
        j = (i + 1) % n
        if pts[i][0] == pts[j][0]:  # wall along z: vertices keep x exactly, z covers its rounded range
            a, b = sorted((int(rz[i]), int(rz[j])))
            outline[int(rx[i]) - x0, a - z0:b - z0 + 1] = True
        else:  # wall along x
            a, b = sorted((int(rx[i]), int(rx[j])))
            outline[a - x0:b - x0 + 1, int(rz[i]) - z0] = True
            # crossing number towards -z for cell centres strictly inside: x in [min, max), z > wall
            lo, hi = sorted((g[i, 0], g[j, 0]))
            c0 = max(int(np.ceil(lo)) - x0, 0)
            c1 = min(int(np.ceil(hi)) - x0, nx)
            k0 = max(int(np.floor(g[i, 1])) + 1 - z0, 0)
            if c1 > c0 and k0 < nz:
                inside[c0:c1, k0:] ^= True
    cap = inside | outline
    if top == 0:
        stack = cap[:, None, :]
    elif top == 1:
        stack = np.stack((cap, cap), axis=1)
    else:
        stack = np.stack((cap, outline, cap), axis=1)
    filled = _fill(stack)
    cells = np.empty((nx, top + 1, nz), dtype=bool)
    cells[:, 0] = filled[:, 0]
    if top >= 1:
        cells[:, top] = filled[:, -1]
    if top >= 2:
        cells[:, 1:top] = filled[:, 1][:, None, :]
    return VoxelBlock.make(np.array([x0, 0, z0]), cells, pitch)


def room_mesh(room: Room) -> trimesh.Trimesh:
    """voxel_eval's room: the floor polygon extruded to the ceiling, y up."""
    import trimesh
    from shapely.geometry import Polygon

    prism = trimesh.creation.extrude_polygon(Polygon(room.floor), room.height)
    # extrude_polygon builds along +z from the x-y plane: turn (x, y=z_floor, z=h) into (x, h, z).
    swap = np.array([[1.0, 0, 0, 0], [0, 0, 1.0, 0], [0, 1.0, 0, 0], [0, 0, 0, 1.0]])
    prism.apply_transform(swap)
    trimesh.repair.fix_normals(prism)
    return prism


class VoxelCache:
    """Voxel blocks by (asset key, size, yaw) and by room, for one pitch.

    Objects are voxelised in their rotated frame before they are moved (as voxel_eval does),
    so moving an object never re-voxelises it; rooms do not change within an episode.
    """

    def __init__(self, pitch: float, *, limit: int, trimesh_version: str = "installed"):
        self.pitch = float(pitch)
        self.limit = int(limit)
        self.rule = {"4": "regular", "5": "shared"}.get(trimesh_version) or installed_rule()
        self._box = _BoxTemplate()
        self._objects: dict[tuple, VoxelBlock] = {}
        self._boxes: dict[tuple, tuple[VoxelBlock, np.ndarray]] = {}
        self._rooms: dict[tuple, VoxelBlock] = {}
        self.subdivided = 0  # blocks that needed the subdivision replay (tests check the closed forms are used)

    @property
    def box_template(self) -> _BoxTemplate:
        return self._box

    def room(self, room: Room) -> VoxelBlock:
        key = (tuple(room.floor), float(room.height))
        block = self._rooms.get(key)
        if block is None:
            block = prism_voxels(room.floor, room.height, self.pitch, limit=self.limit)
            if block is None:
                mesh = room_mesh(room)
                self.subdivided += 1
                block = subdivided_blocks([(mesh.vertices, mesh.faces)], self.pitch, limit=self.limit,
                                          what="the room's voxel grid", rule=self.rule)[0]
            self._rooms[key] = block
        return block

    def _box_key(self, size, yaw: float) -> tuple:
        return (tuple(float(s) for s in size), float(yaw))

    def box(self, size, yaw: float) -> tuple[VoxelBlock, np.ndarray]:
        """(block, rotated corners) of a box object."""
        hit = self._boxes.get(self._box_key(size, yaw))
        if hit is None:
            self.prefetch(boxes=[(size, yaw)])
            hit = self._boxes[self._box_key(size, yaw)]
        return hit

    def mesh(self, key: tuple, rotated: trimesh.Trimesh) -> VoxelBlock:
        """The block of a rotated asset mesh (cached under `key`)."""
        if key not in self._objects:
            self.prefetch(meshes=[(key, rotated)])
        return self._objects[key]

    def prefetch(self, boxes=(), meshes=()) -> None:
        """Voxelise the boxes (size, yaw) and rotated meshes (key, mesh) not cached yet, all
        subdivisions in one batch (numpy's per-call cost is paid once per round, not per mesh)."""
        todo: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}  # (kind, key) -> (vertices, faces)
        for size, yaw in boxes:
            key = self._box_key(size, yaw)
            if key in self._boxes or ("box", key) in todo:
                continue
            corners = scenerevis_box_corners(size, yaw, self._box)
            block = box_voxels(corners, self._box.positive, self.pitch)
            if block is None:
                todo[("box", key)] = (corners, self._box.faces)
            else:
                _grid_cells(block.shape, "this object's voxel grid", self.limit)
                self._boxes[key] = (block, corners)
        for key, rotated in meshes:
            if key not in self._objects and ("mesh", key) not in todo:
                todo[("mesh", key)] = (np.asarray(rotated.vertices, dtype=float), np.asarray(rotated.faces))
        if not todo:
            return
        blocks = subdivided_blocks(list(todo.values()), self.pitch, limit=self.limit, rule=self.rule)
        self.subdivided += len(todo)
        for ((kind, key), (v, _)), block in zip(todo.items(), blocks, strict=True):
            if kind == "box":
                self._boxes[key] = (block, v)
            else:
                self._objects[key] = block
