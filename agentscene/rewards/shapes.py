"""Per-asset shape data, computed once per mesh and reused for every pose and size.

An object's world geometry is `pose @ diag(size) @ unit_shape`: the asset mesh normalised to
the unit box (x, z in [-0.5, 0.5], y in [0, 1], bottom centre at the origin). Everything
expensive (the occupancy grid for volumes, fixed surface samples for the out-of-bounds share,
the convex hull for penetration depth) lives in that unit frame, so moving, rotating or
resizing an object re-poses cached arrays instead of reloading or re-voxelising its mesh.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import trimesh

    from agentscene.scene import SceneObject

#: The unit frame's lowest corner is (-0.5, 0, -0.5): adding this puts it at the origin.
_UNIT_ORIGIN = np.array([0.5, 0.0, 0.5])

#: Most stretched sizes whose fcl BVH one asset keeps (an RL episode that resizes an object
#: many times drops the oldest).
_BVH_SIZES = 64

#: Offsets (in unit-frame coordinates) of the vertical rays used to rasterise a mesh; small and
#: irrational so that rays never pass exactly through the edges and corners of box-like meshes.
_RAY_JITTER = (1.2345679e-7, 2.7182818e-7)


@dataclass(frozen=True, eq=False)
class AssetShape:
    """A mesh in the unit frame plus the derived data the metrics need."""

    vertices: np.ndarray  # (V, 3) unit-frame vertices
    faces: np.ndarray  # (F, 3) int
    extents: np.ndarray  # (3,) the mesh's own extents before normalising (for SceneReVis' scaling quirk)
    occupancy: np.ndarray  # (G, G, G) bool, indexed [x, y, z]
    hull: np.ndarray  # (K, 3) unit-frame convex hull vertices (penetration depth)
    hull_xz: np.ndarray  # (M, 2) counter-clockwise convex hull of the footprint
    samples: np.ndarray  # (S, 3) unit-frame surface points
    sample_normals: np.ndarray  # (S, 3) unit normal of each sample's face (unit frame)
    sample_areas: np.ndarray  # (S,) unit-frame face area / samples on that face
    watertight: bool
    #: python-fcl BVHs of the mesh stretched to a size, by size (kept with the shape, so every
    #: scene that uses the asset at that size shares one; at most `_BVH_SIZES` sizes).
    _bvhs: dict = field(default_factory=dict, repr=False)
    _lookup: dict = field(default_factory=dict, repr=False)  # derived arrays, made on first use

    @property
    def grid(self) -> int:
        return self.occupancy.shape[0]

    @property
    def fill_fraction(self) -> float:
        """Share of the unit box the mesh fills."""
        return float(self.occupancy.mean())

    def surface_weights(self, size: np.ndarray) -> np.ndarray:
        """World-area weight of each surface sample once the shape is stretched to `size`.

        Stretching by S = diag(size) scales a face of unit normal n by det(S)·|S⁻¹ n|; the
        common det(S) is dropped because only ratios of these weights are used.
        """
        inv = self.sample_normals / np.asarray(size, dtype=float)
        return self.sample_areas * np.sqrt((inv * inv).sum(axis=1))

    def bvh(self, size: tuple[float, float, float]):
        """The python-fcl BVH of the mesh stretched to `size` (built once per size)."""
        geom = self._bvhs.get(size)
        if geom is None:
            import fcl

            geom = fcl.BVHModel()
            verts = self.vertices * np.asarray(size, dtype=float)
            geom.beginModel(len(verts), len(self.faces))
            geom.addSubModel(verts, self.faces)
            geom.endModel()
            if len(self._bvhs) >= _BVH_SIZES:
                self._bvhs.pop(next(iter(self._bvhs)), None)  # the oldest size
            self._bvhs[size] = geom
        return geom

    def occupied(self, unit_points: np.ndarray) -> np.ndarray:
        """Whether each unit-frame point lies inside the mesh (grid lookup; cells outside the
        grid are empty: indices are clipped into a one-cell empty border)."""
        g = self.grid
        cell = np.floor((unit_points + _UNIT_ORIGIN) * g)
        np.clip(cell, -1, g, out=cell)
        idx = cell.astype(np.intp) + 1
        return self._bordered[(idx[:, 0] * (g + 2) + idx[:, 1]) * (g + 2) + idx[:, 2]]

    @property
    def _bordered(self) -> np.ndarray:
        """The occupancy with a one-cell empty border, flattened (made on first use)."""
        flat = self._lookup.get("bordered")
        if flat is None:
            flat = self._lookup["bordered"] = np.pad(self.occupancy, 1).ravel()
        return flat


def _as_trimesh(mesh: Any) -> trimesh.Trimesh | None:
    """A single Trimesh from a Trimesh or a trimesh.Scene; None for anything else."""
    import trimesh

    if isinstance(mesh, trimesh.Scene):
        geometries = [g for g in mesh.dump() if isinstance(g, trimesh.Trimesh)]
        if not geometries:
            return None
        return trimesh.util.concatenate(geometries)
    if isinstance(mesh, trimesh.Trimesh):
        return mesh
    return None


def mesh_problem(mesh: Any) -> str | None:
    """Why a provider's mesh cannot be used (the object then falls back to its box), or None."""
    tm = _as_trimesh(mesh)
    if tm is None:
        return f"the mesh provider returned {type(mesh).__name__}, not a trimesh.Trimesh"
    v = np.asarray(tm.vertices, dtype=float)
    f = np.asarray(tm.faces)
    if len(v) < 4 or len(f) < 4:
        return "the mesh has too few vertices or faces to enclose a volume"
    if not np.all(np.isfinite(v)):
        return "the mesh has non-finite vertices"
    if f.min() < 0 or f.max() >= len(v):
        return "the mesh has faces that index missing vertices"
    ext = v.max(axis=0) - v.min(axis=0)
    if ext.max() <= 0 or ext.min() <= 1e-6 * ext.max():
        return "the mesh is flat or a point (zero extent along an axis)"
    return None


def _rasterise(v: np.ndarray, f: np.ndarray, g: int, solid: bool) -> np.ndarray:
    """Occupancy of the unit box on a g³ grid by casting one vertical ray per (x, z) column.

    For a closed, consistently wound mesh the signed crossings give the winding number, so
    overlapping parts (a table top and its legs) are unioned correctly. For an open mesh,
    crossings are counted by parity and the cells the surface passes through are kept, so a
    shell still has volume.
    """
    tri = v[f]  # (F, 3, 3)
    xs, zs = tri[:, :, 0], tri[:, :, 2]
    # Column i has its ray at x = (i + 0.5)/g - 0.5 (+ jitter).
    lo_i = np.ceil((xs.min(axis=1) + 0.5 - _RAY_JITTER[0]) * g - 0.5).astype(np.int64)
    hi_i = np.floor((xs.max(axis=1) + 0.5 - _RAY_JITTER[0]) * g - 0.5).astype(np.int64)
    lo_k = np.ceil((zs.min(axis=1) + 0.5 - _RAY_JITTER[1]) * g - 0.5).astype(np.int64)
    hi_k = np.floor((zs.max(axis=1) + 0.5 - _RAY_JITTER[1]) * g - 0.5).astype(np.int64)
    lo_i, lo_k = np.clip(lo_i, 0, g - 1), np.clip(lo_k, 0, g - 1)
    hi_i, hi_k = np.clip(hi_i, -1, g - 1), np.clip(hi_k, -1, g - 1)
    ni = np.maximum(hi_i - lo_i + 1, 0)
    nk = np.maximum(hi_k - lo_k + 1, 0)
    counts = ni * nk
    acc = np.zeros((g, g, g + 1), dtype=np.int32)
    shell = np.zeros((g, g, g), dtype=bool)
    if counts.sum() == 0:
        return shell
    # Process triangles in chunks so huge meshes do not allocate huge candidate arrays.
    order = np.arange(len(f))
    chunk_budget = 2_000_000
    start = 0
    while start < len(order):
        csum = np.cumsum(counts[start:])
        stop = start + max(1, int(np.searchsorted(csum, chunk_budget, side="right")))
        sel = order[start:stop]
        start = stop
        c = counts[sel]
        if c.sum() == 0:
            continue
        t = np.repeat(sel, c)
        offs = np.arange(c.sum()) - np.repeat(np.cumsum(c) - c, c)
        ii = lo_i[t] + offs // nk[t]
        kk = lo_k[t] + offs % nk[t]
        px = (ii + 0.5) / g - 0.5 + _RAY_JITTER[0]
        pz = (kk + 0.5) / g - 0.5 + _RAY_JITTER[1]
        a, b, cc = tri[t, 0], tri[t, 1], tri[t, 2]
        # Barycentric coordinates of (px, pz) in the triangle's x-z projection.
        d = (b[:, 2] - cc[:, 2]) * (a[:, 0] - cc[:, 0]) + (cc[:, 0] - b[:, 0]) * (a[:, 2] - cc[:, 2])
        nz = np.abs(d) > 1e-15
        d_safe = np.where(nz, d, 1.0)
        w0 = ((b[:, 2] - cc[:, 2]) * (px - cc[:, 0]) + (cc[:, 0] - b[:, 0]) * (pz - cc[:, 2])) / d_safe
        w1 = ((cc[:, 2] - a[:, 2]) * (px - cc[:, 0]) + (a[:, 0] - cc[:, 0]) * (pz - cc[:, 2])) / d_safe
        w2 = 1.0 - w0 - w1
        hit = nz & (w0 >= 0) & (w1 >= 0) & (w2 >= 0)
        if not hit.any():
            continue
        y = (w0 * a[:, 1] + w1 * b[:, 1] + w2 * cc[:, 1])[hit]
        ii, kk = ii[hit], kk[hit]
        # The projected signed area's sign tells whether the face looks down (the ray enters).
        sign = np.where(d[hit] > 0, 1, -1).astype(np.int32)
        first_cell = np.clip(np.ceil(y * g - 0.5), 0, g).astype(np.int64)
        np.add.at(acc, (ii, kk, first_cell), sign if solid else np.ones_like(sign))
        if not solid:
            cell = np.clip(np.floor(y * g), 0, g - 1).astype(np.int64)
            shell[ii, kk, cell] = True
    run = np.cumsum(acc, axis=2)[:, :, :g]
    if solid:
        occ = run != 0
    else:
        occ = (run % 2 == 1) | shell
    return occ.transpose(0, 2, 1).copy()  # [x, z, y] -> [x, y, z]


def _surface_samples(v: np.ndarray, f: np.ndarray, count: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fixed, area-proportional surface samples, at least one on every face when count allows."""
    tri = v[f]
    cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    double_area = np.linalg.norm(cross, axis=1)
    keep = double_area > 1e-15
    tri, cross, double_area = tri[keep], cross[keep], double_area[keep]
    area = double_area / 2.0
    normals = cross / double_area[:, None]
    share = area / area.sum() * count
    per_face = np.floor(share).astype(np.int64)
    if len(area) <= count:
        per_face = np.maximum(per_face, 1)
    remainder = count - per_face.sum()
    if remainder > 0:
        per_face[np.argsort(-(share - np.floor(share)), kind="stable")[:remainder]] += 1
    face = np.repeat(np.arange(len(tri)), per_face)
    rng = np.random.default_rng(seed)
    r1 = np.sqrt(rng.random(len(face)))
    r2 = rng.random(len(face))
    t = tri[face]
    pts = (1 - r1)[:, None] * t[:, 0] + (r1 * (1 - r2))[:, None] * t[:, 1] + (r1 * r2)[:, None] * t[:, 2]
    return pts, normals[face], (area / np.maximum(per_face, 1))[face]


def _hulls(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from scipy.spatial import ConvexHull, QhullError

    try:
        hull3 = v[ConvexHull(v).vertices]
    except (QhullError, ValueError):
        lo, hi = v.min(axis=0), v.max(axis=0)
        hull3 = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    xz = hull3[:, [0, 2]]
    try:
        hull2 = xz[ConvexHull(xz).vertices]  # scipy returns 2-D hulls counter-clockwise
    except (QhullError, ValueError):
        lo, hi = xz.min(axis=0), xz.max(axis=0)
        hull2 = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]])
    return hull3, hull2


def build_shape(mesh: Any, *, grid: int = 48, samples: int = 1024, seed: int = 0) -> AssetShape:
    """The unit-frame shape of a mesh. Call `mesh_problem` first: bad meshes raise ValueError."""
    problem = mesh_problem(mesh)
    if problem:
        raise ValueError(problem)
    tm = _as_trimesh(mesh)
    assert tm is not None  # mesh_problem checked it
    v = np.asarray(tm.vertices, dtype=float)
    f = np.asarray(tm.faces, dtype=np.int64)
    lo, hi = v.min(axis=0), v.max(axis=0)
    ext = hi - lo
    bottom = np.array([(lo[0] + hi[0]) / 2.0, lo[1], (lo[2] + hi[2]) / 2.0])
    unit = (v - bottom) / ext
    solid = bool(tm.is_watertight and tm.is_winding_consistent)
    if solid and tm.volume < 0:
        f = f[:, ::-1]
    occupancy = _rasterise(unit, f, grid, solid)
    if not occupancy.any():  # a mesh too thin for the grid: treat it as its box
        occupancy = np.ones((grid, grid, grid), dtype=bool)
    hull3, hull2 = _hulls(unit)
    pts, normals, areas = _surface_samples(unit, f, samples, seed)
    return AssetShape(
        vertices=unit, faces=f, extents=ext, occupancy=occupancy, hull=hull3, hull_xz=hull2,
        samples=pts, sample_normals=normals, sample_areas=areas, watertight=solid,
    )


def asset_key(obj: SceneObject) -> tuple[str, ...]:
    """The cache key of an object's mesh: its asset, or its category and description without one.

    A mesh provider must return the same mesh for objects with the same key.
    """
    if obj.asset is not None:
        return ("asset", obj.asset.source or "", obj.asset.asset_id, obj.asset.uri or "")
    return ("object", obj.category, obj.description)


def analyse(mesh: Any, *, grid: int = 48, samples: int = 1024, seed: int = 0) -> tuple[AssetShape | None, str | None]:
    """(shape, None) for a usable mesh, (None, why) for one that is not.

    The outcome is memoised in the mesh's own trimesh cache, which trimesh clears when the
    mesh's vertices or faces change: a provider that hands out the same mesh object for an
    asset (as loaders that cache do) pays for the analysis once per process, not once per
    scene or evaluation.
    """
    import trimesh

    memo = getattr(mesh, "_cache", None)
    if not isinstance(memo, trimesh.caching.Cache):
        memo = None
    key = ("agentscene.asset_shape", grid, samples, seed)
    if memo is not None:
        hit = memo[key]
        if hit is not None:
            return hit
    problem = mesh_problem(mesh)
    out = (None, problem) if problem else (build_shape(mesh, grid=grid, samples=samples, seed=seed), None)
    if memo is not None:
        memo[key] = out
    return out


class ShapeCache:
    """Meshes by asset key: each provider mesh is loaded and analysed once.

    The cache maps a key to its AssetShape, or to None when the object is drawn as its box
    (no provider, the provider has no mesh, or the mesh is unusable; `problems` says why).
    """

    def __init__(self, mesh_provider=None, *, grid: int = 48, samples: int = 1024, seed: int = 0):
        self.mesh_provider = mesh_provider
        self.grid, self.samples, self.seed = grid, samples, seed
        self._shapes: dict[tuple[str, ...], AssetShape | None] = {}
        self._meshes: dict[tuple[str, ...], Any] = {}
        self.problems: dict[tuple[str, ...], str] = {}
        self.fcl_cache: dict[tuple, object] = {}  # other evaluators' fcl geometry (SceneEval BVHs, MuJoCo convex parts); ours is AssetShape.bvh
        self.loads = 0  # how many times the provider was called (tests check re-posing never reloads)
        self.derived: dict[tuple, Any] = {}  # other evaluators' per-asset caches (compat voxels), by their key

    def shape(self, obj: SceneObject) -> AssetShape | None:
        if self.mesh_provider is None:
            return None
        key = asset_key(obj)
        if key in self._shapes:
            return self._shapes[key]
        self.loads += 1
        mesh = self.mesh_provider(obj)
        shape: AssetShape | None = None
        if mesh is not None:
            shape, problem = analyse(mesh, grid=self.grid, samples=self.samples, seed=self.seed)
            if problem:
                self.problems[key] = problem
            else:
                self._meshes[key] = _as_trimesh(mesh)
        self._shapes[key] = shape
        return shape

    def raw_mesh(self, obj: SceneObject):
        """The provider's mesh for an object (None for boxes), as loaded."""
        self.shape(obj)
        return self._meshes.get(asset_key(obj))


def cell_count(extent: float, pitch: float) -> int:
    """Samples along an axis of length `extent` at spacing at most `pitch` (at least one)."""
    return max(1, int(math.ceil(extent / pitch - 1e-9)))
