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
cells whose centres lie inside, filled layer by layer. A box at another yaw is subdivided
triangle by triangle as a lattice of translated copies (`_subdivided_vertices`). Meshes and
rooms with slanted walls are voxelised by trimesh itself. Every block is cached per (asset,
size, yaw) or per room. tests/test_rewards_voxels.py checks all of it against trimesh, cell
for cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agentscene.geometry import rotation_matrix_y

if TYPE_CHECKING:
    import trimesh

    from agentscene.scene import Room

#: trimesh's `voxelize_subdivide` stops after 10 rounds of edge halving: a face edge longer
#: than (p / 2) * 2**10 makes it (and SceneReVis' voxel_eval) raise.
SUBDIVIDE_ROUNDS = 10


#: Most triangles trimesh may subdivide a mesh into here (seconds, a few hundred MB): a box at
#: a non-right-angle yaw up to about 8 m, any real furniture mesh, a slanted room up to ~150 m².
SUBDIVIDE_BUDGET = 2_000_000


class VoxelLimitError(ValueError):
    """A voxel grid or a trimesh subdivision would not fit in the configured budget."""


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


# -- the reference: trimesh itself --------------------------------------------------------

def _check_subdivision(mesh: trimesh.Trimesh, pitch: float) -> None:
    """Refuse what trimesh cannot subdivide (10 rounds) or would subdivide for minutes."""
    v = np.asarray(mesh.vertices, dtype=float)
    f = np.asarray(mesh.faces, dtype=np.int64)
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
            f"voxelising this mesh at pitch {pitch} subdivides it into ~{estimate:,.0f} triangles (more than "
            f"{SUBDIVIDE_BUDGET:,}, minutes of trimesh); only boxes at right-angle yaws have a closed form")


def trimesh_voxels(mesh: trimesh.Trimesh, pitch: float) -> VoxelBlock:
    """`mesh.voxelized(pitch).fill()` as a VoxelBlock (what voxel_eval computes).

    Refuses meshes whose subdivision would exceed SUBDIVIDE_BUDGET triangles or trimesh's 10
    rounds (their code fails there too). Callers check the voxel grid's size first.
    """
    _check_subdivision(mesh, pitch)
    vox = mesh.voxelized(pitch).fill()
    matrix = np.asarray(vox.matrix, dtype=bool)
    translation = np.asarray(vox.translation, dtype=float)
    origin = np.round(translation / pitch).astype(np.int64)
    return VoxelBlock.make(origin, matrix, pitch, translation=translation)


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


def _uniform_rounds(tri: np.ndarray, max_edge: float) -> int:
    """How many times trimesh splits a triangle 1 -> 4 before any edge is short enough:
    while all three edges are long every split is the regular one, into four copies of the
    half-size triangle (three translated, one turned by 180°)."""
    lengths = np.linalg.norm(tri[[1, 2, 0]] - tri, axis=1)
    k = 0
    while k < SUBDIVIDE_ROUNDS and np.all(lengths / 2.0 ** k > max_edge):
        k += 1
    return k


def _subdivided_vertices(triangles: np.ndarray, max_edge: float) -> np.ndarray:
    """The vertices trimesh's `subdivide_to_size` gives these triangles, without subdividing
    them whole.

    After its uniform rounds a triangle is tiled by n² copies of one small triangle, up or
    turned; every copy is then refined the same way (trimesh decides per edge, by length), so
    the rest of the work is done once per orientation (all in one trimesh call) and the results
    are translated over the tiling. Equal to trimesh's vertices in exact arithmetic; in floating
    point they differ by an ulp or so, which changes a voxel only at an exact half-voxel tie.
    """
    from trimesh import remesh

    tiles = []  # (e1, e2, n) per triangle: the tiling steps
    small = []  # (triangle, orientation, 3x3 corners) still to refine
    for t, tri in enumerate(triangles):
        k = _uniform_rounds(tri, max_edge)
        n = 2 ** k
        tiles.append(((tri[1] - tri[0]) / n, (tri[2] - tri[0]) / n, n))
        # the corner copy at v0 and its turned neighbour, by trimesh's own midpoints (bit for bit)
        a, b, c = tri[0], tri[1], tri[2]
        for _ in range(k - 1):
            b, c = (a + b) / 2.0, (a + c) / 2.0
        if k == 0:
            small.append((t, 0, tri))
        else:
            small.append((t, 0, np.array([a, (a + b) / 2.0, (a + c) / 2.0])))
            small.append((t, 1, np.array([(a + b) / 2.0, (b + c) / 2.0, (c + a) / 2.0])))
    patterns: dict[tuple[int, int], np.ndarray] = {}
    todo = []
    for t, o, c in small:
        if np.all(np.linalg.norm(c[[1, 2, 0]] - c, axis=1) <= max_edge):
            patterns[(t, o)] = c  # already final: its corners
        else:
            todo.append((t, o, c))
    if todo:
        soup = np.concatenate([c for _, _, c in todo])
        faces = np.arange(len(soup)).reshape(-1, 3)
        v, f, index = remesh.subdivide_to_size(soup, faces, max_edge=max_edge, max_iter=SUBDIVIDE_ROUNDS,
                                               return_index=True)
        order = np.argsort(index, kind="stable")
        bounds = np.searchsorted(index[order], np.arange(len(todo) + 1))
        for s, (t, o, _) in enumerate(todo):
            patterns[(t, o)] = v[np.unique(f[order[bounds[s]:bounds[s + 1]]])]
    parts = []
    for t, (e1, e2, n) in enumerate(tiles):
        if n == 1:
            parts.append(patterns[(t, 0)])
            continue
        i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        i, j = i.ravel(), j.ravel()
        offsets = i[:, None] * e1 + j[:, None] * e2
        parts.append((offsets[i + j <= n - 1][:, None, :] + patterns[(t, 0)][None]).reshape(-1, 3))
        if n > 1:
            parts.append((offsets[i + j <= n - 2][:, None, :] + patterns[(t, 1)][None]).reshape(-1, 3))
    return np.concatenate(parts)


def subdivided_voxels(vertices: np.ndarray, faces: np.ndarray, pitch: float) -> VoxelBlock:
    """`voxelized(pitch).fill()` of a box at any yaw, triangle by triangle.

    Not used for asset meshes: their isosceles triangles (cone and cylinder fans) make
    trimesh's shorter-diagonal choice an exact tie that floating-point noise decides copy by
    copy, which a translated pattern cannot follow.
    """
    from scipy import ndimage

    vertices = np.asarray(vertices, dtype=float)
    # trimesh rounds every vertex it returns, the mesh's own (even unused ones) included
    verts = np.concatenate((vertices, _subdivided_vertices(vertices[np.asarray(faces)], pitch / 2.0)))
    hit = np.round(verts / pitch).astype(np.int64)
    origin = hit.min(axis=0)
    idx = hit - origin
    shape = tuple(int(s) for s in idx.max(axis=0) + 1)
    cells = np.zeros(shape, dtype=bool)
    cells[idx[:, 0], idx[:, 1], idx[:, 2]] = True
    return VoxelBlock.make(origin, ndimage.binary_fill_holes(cells), pitch)


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

    def __init__(self, pitch: float, *, limit: int):
        self.pitch = float(pitch)
        self.limit = int(limit)
        self._box = _BoxTemplate()
        self._objects: dict[tuple, VoxelBlock] = {}
        self._boxes: dict[tuple, tuple[VoxelBlock, np.ndarray]] = {}
        self._rooms: dict[tuple, VoxelBlock] = {}
        self.trimesh_calls = 0  # how many blocks needed trimesh (tests check the closed forms are used)
        self.subdivided = 0  # how many boxes at other yaws were subdivided per triangle

    @property
    def box_template(self) -> _BoxTemplate:
        return self._box

    def room(self, room: Room) -> VoxelBlock:
        key = (tuple(room.floor), float(room.height))
        block = self._rooms.get(key)
        if block is None:
            block = prism_voxels(room.floor, room.height, self.pitch, limit=self.limit)
            if block is None:
                xs = [p[0] for p in room.floor]
                zs = [p[1] for p in room.floor]
                _grid_cells(((max(xs) - min(xs)) / self.pitch + 1, room.height / self.pitch + 1,
                             (max(zs) - min(zs)) / self.pitch + 1), "the room's voxel grid", self.limit)
                self.trimesh_calls += 1
                block = trimesh_voxels(room_mesh(room), self.pitch)
            self._rooms[key] = block
        return block

    def box(self, size, yaw: float) -> tuple[VoxelBlock, np.ndarray]:
        """(block, rotated corners) of a box object."""
        key = (tuple(float(s) for s in size), float(yaw))
        hit = self._boxes.get(key)
        if hit is not None:
            return hit
        corners = scenerevis_box_corners(size, yaw, self._box)
        block = box_voxels(corners, self._box.positive, self.pitch)
        if block is None:
            import trimesh

            ext = corners.max(axis=0) - corners.min(axis=0)
            _grid_cells(ext / self.pitch + 2, "this object's voxel grid", self.limit)
            _check_subdivision(trimesh.Trimesh(corners, self._box.faces, process=False), self.pitch)
            self.subdivided += 1
            block = subdivided_voxels(corners, self._box.faces, self.pitch)
        else:
            _grid_cells(block.shape, "this object's voxel grid", self.limit)
        self._boxes[key] = (block, corners)
        return block, corners

    def mesh(self, key: tuple, rotated: trimesh.Trimesh) -> VoxelBlock:
        """The block of a rotated asset mesh (trimesh, cached under `key`)."""
        block = self._objects.get(key)
        if block is None:
            _grid_cells(np.asarray(rotated.extents) / self.pitch + 2, "this object's voxel grid", self.limit)
            self.trimesh_calls += 1
            block = trimesh_voxels(rotated, self.pitch)
            self._objects[key] = block
        return block
