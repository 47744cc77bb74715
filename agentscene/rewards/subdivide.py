"""The voxels trimesh's `voxelize_subdivide` hits, found without building the subdivided mesh.

`mesh.voxelized(p)` runs `remesh.subdivide_to_size(max_edge=p/2)` and rounds every vertex it
returns to `round(v / p)`. That subdivision treats every face on its own: an edge longer than
max_edge gets the midpoint `(a + b) / 2` of its two end values, and a face is split by one of
three templates chosen from its own edge lengths (the two-edge template cuts its quad along the
shorter diagonal). So the vertex set, and every floating-point value in it, is a function of
each face's three corner values alone; `_split` replays the templates face by face, with the
same numpy expressions on the same values, so every vertex is bit for bit trimesh's.

Replaying all of it would still be slow (a sofa ends with 160,000 faces). Two facts prune it:

- monotone bounds: an fp midpoint lies between its ends on every axis, and `round(x / p)` is
  monotone, so every vertex a face will ever produce rounds into the box spanned by its
  corners' cells. A face whose box holds only cells already hit, or cells that its plane or
  the triangle itself cannot reach (separating axes, with a margin), can add nothing and is
  dropped; a face that is kept hands the cells it could not settle to its children, which
  look only at those;
- coverage: when the subdivision ends every edge is at most max_edge, and every point of a
  triangle with edges <= L lies within L/√3 of a corner, so every point of a face lies within
  max_edge/√3 of a final vertex in the face's plane. A face that meets a cell's box shrunk by
  that radius (per axis: the radius times how far a disc in the face's plane reaches along
  it) proves the cell is hit before any vertex lands there. Axes on which all three corners
  agree keep that exact value in every vertex, so they need no margin.

What is dropped is provably irrelevant and what is certified provably hit (margins of 1e-9
pitch, far above the ~1e-15 fp drift), so the hit set is trimesh's exactly
(tests/test_rewards_voxels.py compares cell for cell), at a few percent of the faces. The loop runs on several meshes at once so that numpy's per-call cost is paid
once per level, not once per mesh.
"""

from __future__ import annotations

import numpy as np

#: trimesh's `voxelize_subdivide` stops after 10 rounds of edge halving and raises when an
#: edge is still longer than max_edge.
SUBDIVIDE_ROUNDS = 10

#: Relative margins for the coverage proof (floating-point drift of midpoints is ~1e-15).
_SLACK = 1e-9

#: Largest box of cells (a face's possible vertex cells) looked at when deciding whether to drop it.
_BOX_CELLS = 128


#: Most faces one subdivision round holds at once (a larger round is finished in slices):
#: bounds the working memory to a few hundred MB whatever the mesh.
_CHUNK = 100_000


def installed_rule() -> str:
    """The subdivision the installed trimesh runs: "shared" from trimesh 5 on, else "regular"."""
    import trimesh

    return "shared" if int(trimesh.__version__.split(".")[0]) >= 5 else "regular"


class VoxelLimitError(ValueError):
    """A voxel grid or a subdivision would not fit in the configured budget, or trimesh's
    subdivision (and so SceneReVis' voxel_eval) would fail."""


class _Grids:
    """Every mesh's hit grid in one flat boolean array with common strides (meshes side by side
    along x), so a cell of any mesh is `cell @ strides + base[mesh]`."""

    def __init__(self, origins: list[np.ndarray], shapes: list[tuple[int, int, int]]):
        self.origins = np.array(origins, dtype=np.int64).reshape(-1, 3)
        self.shapes = np.array(shapes, dtype=np.int64).reshape(-1, 3)
        ny, nz = int(self.shapes[:, 1].max(initial=1)), int(self.shapes[:, 2].max(initial=1))
        self.slab = np.concatenate(([0], np.cumsum(self.shapes[:, 0])[:-1])).astype(np.int64)
        self.strides = np.array([ny * nz, nz, 1], dtype=np.int64)
        self.base = (self.slab - self.origins[:, 0]) * self.strides[0] - self.origins[:, 1] * nz - self.origins[:, 2]
        self.hit = np.zeros(int(self.shapes[:, 0].sum()) * ny * nz, dtype=bool)

    @staticmethod
    def padded_size(shapes: list[tuple[int, int, int]]) -> int:
        return sum(s[0] for s in shapes) * max(s[1] for s in shapes) * max(s[2] for s in shapes)

    def linear(self, mesh: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """Flat indices of integer cells (n, 3) of meshes `mesh` (n,)."""
        s = self.strides
        return cells[..., 0] * s[0] + cells[..., 1] * s[1] + cells[..., 2] + self.base[mesh]

    def mark(self, mesh: np.ndarray, cells: np.ndarray) -> None:
        self.hit[self.linear(mesh, cells)] = True

    def grid(self, k: int) -> np.ndarray:
        ny, nz = self.strides[0] // self.strides[1], self.strides[1]
        full = self.hit.reshape(-1, ny, nz)
        x0 = self.slab[k]
        sx, sy, sz = (int(v) for v in self.shapes[k])
        return full[x0:x0 + sx, :sy, :sz]


def _cells(points: np.ndarray, pitch: float) -> np.ndarray:
    """trimesh's `np.round(v / pitch).astype(int)`."""
    return np.round(points / pitch).astype(np.int64)


def _edge_lengths(t: np.ndarray) -> np.ndarray:
    """(n, 3) lengths of edges (v0v1, v1v2, v2v0), as trimesh computes them: the squared
    differences summed over a contiguous (n, 3) array, then `** 0.5`."""
    out = np.empty((len(t), 3))
    for e in range(3):
        out[:, e] = ((t[:, e] - t[:, (e + 1) % 3]) ** 2).sum(axis=1) ** 0.5
    return out


def _split(t: np.ndarray, long: np.ndarray, count: np.ndarray, mid: np.ndarray, keep: list[np.ndarray]):
    """trimesh's three templates applied to faces `t` (corner values) whose edges `long` are
    split at `mid` (n, 3, 3; mid[:, e] is edge e's midpoint). `keep` are per-face arrays that
    children inherit. Returns (children corner values, inherited arrays)."""
    kids, inherit = [], [[] for _ in keep]

    def add(rows, *faces):
        for f in faces:
            kids.append(np.stack(f, axis=1))
            for k, arr in enumerate(keep):
                inherit[k].append(arr[rows])

    rows = np.nonzero(count == 1)[0]
    if len(rows):  # [a, p, c], [p, b, c] with the split edge rotated to (a, b)
        j = np.argmax(long[rows], axis=1)
        tt, mm = t[rows], mid[rows]
        r = np.arange(len(rows))
        a, b, c, p = tt[r, j], tt[r, (j + 1) % 3], tt[r, (j + 2) % 3], mm[r, j]
        add(rows, (a, p, c), (p, b, c))
    rows = np.nonzero(count == 2)[0]
    if len(rows):  # corner [p, b, q] and the quad (a, p, q, c) cut along its shorter diagonal
        j = (np.argmin(long[rows], axis=1) + 1) % 3
        tt, mm = t[rows], mid[rows]
        r = np.arange(len(rows))
        a, b, c = tt[r, j], tt[r, (j + 1) % 3], tt[r, (j + 2) % 3]
        p, q = mm[r, j], mm[r, (j + 1) % 3]
        use_aq = (((a - q) ** 2).sum(axis=1) <= ((p - c) ** 2).sum(axis=1))[:, None]
        add(rows, (p, b, q), (a, p, np.where(use_aq, q, c)), (np.where(use_aq, a, p), q, c))
    rows = np.nonzero(count == 3)[0]
    if len(rows):  # the regular 1 -> 4 split
        tt, mm = t[rows], mid[rows]
        v0, v1, v2 = tt[:, 0], tt[:, 1], tt[:, 2]
        m0, m1, m2 = mm[:, 0], mm[:, 1], mm[:, 2]
        add(rows, (v0, m0, m2), (m0, v1, m1), (m2, m1, v2), (m0, m1, m2))
    return np.concatenate(kids), [np.concatenate(x) for x in inherit]


class _Faces:
    """Per original face: which mesh, the unit normal and the per-axis margins of the
    coverage proof (children inherit them: they lie in the same plane)."""

    def __init__(self, t: np.ndarray, mesh: np.ndarray, pitch: float, max_edge: float, slack: float):
        e1, e2 = t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]
        cross = np.cross(e1, e2)
        area = np.linalg.norm(cross, axis=1)
        # a plane only where the normal is well defined (fp cross products of slivers are not):
        # corner angles over 1e-4 rad keep its error below 1e-11
        flat = area > 1e-4 * np.linalg.norm(e1, axis=1) * np.linalg.norm(e2, axis=1)
        normal = np.zeros_like(cross)
        normal[flat] = cross[flat] / area[flat, None]
        constant = (t[:, 0] == t[:, 1]) & (t[:, 1] == t[:, 2])  # axes every vertex keeps exactly
        # a disc of radius r in the plane reaches r * sqrt(n_j² + n_k²) along axis i
        spread = np.sqrt(normal[:, [1, 0, 0]] ** 2 + normal[:, [2, 2, 1]] ** 2) + _SLACK
        half = 0.5 * pitch - (max_edge / np.sqrt(3.0)) * (1.0 + _SLACK) * spread - slack
        half[constant] = np.inf
        half[~flat] = -1.0  # no coverage proof for slivers
        self.mesh = mesh
        self.normal = normal
        self.flat = flat
        self.half = half
        # the farthest a cell's centre can be from the plane while the cell still meets it
        self.reach = 0.5 * pitch * np.abs(normal).sum(axis=1) + slack
        self.outer = np.full(len(t), 0.5 * pitch + slack)  # half the cell a vertex could round into
        # the proof's boxes (finite stand-ins for exact axes) and the same distance for them
        self.box = np.minimum(half, 1e30)
        self.inner = np.where(flat & (half[:, 0] >= 0), (self.box * np.abs(normal)).sum(axis=1), -1.0)


def subdivision_hits(meshes: list[tuple[np.ndarray, np.ndarray]], pitch: float,
                     on_grid=None, rule: str | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each (vertices, faces): (origin cell, boolean hit grid) of
    `trimesh.voxel.creation.voxelize_subdivide(mesh, pitch)`, before `fill()`.

    `rule` is the subdivision to replay: "shared" (trimesh >= 5: long edges split at shared
    midpoints, three templates, unused vertices kept) or "regular" (trimesh 4: every face with
    a long edge split 1 -> 4, only vertices of faces kept); None: the installed trimesh's.
    `on_grid(shape)` sees each grid's shape before it is allocated (to refuse grids over a
    budget). Raises VoxelLimitError where trimesh's 10 rounds do not suffice (they raise too).
    Memory stays bounded: a round with more than `_CHUNK` faces is finished in slices.
    """
    rule = rule or installed_rule()
    if rule not in ("shared", "regular"):
        raise ValueError(f"unknown subdivision rule {rule!r}; choose 'shared' or 'regular'")
    if not meshes:
        return []
    max_edge = pitch / 2.0  # trimesh: pitch / edge_factor
    origins, shapes, tris, owners, kept = [], [], [], [], []
    scale = 1.0
    for k, (v, f) in enumerate(meshes):
        v = np.asarray(v, dtype=np.float64)
        f = np.asarray(f, dtype=np.int64).reshape(-1, 3)
        if len(v) == 0 or not np.isfinite(v).all():
            raise ValueError("cannot voxelise a mesh without vertices or with non-finite ones")
        if rule == "regular":  # trimesh 4 returns only the vertices of faces
            v = v[np.unique(f)] if len(f) else v[:0]
            f = np.searchsorted(np.unique(f), f) if len(f) else f
            if len(v) == 0:
                raise ValueError("cannot voxelise a mesh without faces")
        cells = _cells(v, pitch)  # every vertex trimesh returns (trimesh 5: unused ones included)
        lo, hi = cells.min(axis=0), cells.max(axis=0)
        shape = tuple(int(s) for s in hi - lo + 1)
        if on_grid is not None:
            on_grid(shape)
        origins.append(lo)
        shapes.append(shape)
        tris.append(v[f])
        kept.append(v)
        owners.append(np.full(len(f), k, dtype=np.int64))
        scale = max(scale, float(np.abs(v).max()))
    if len(meshes) > 1 and _Grids.padded_size(shapes) > 2 * sum(int(np.prod(s)) for s in shapes) + (1 << 20):
        return [h for m in meshes for h in subdivision_hits([m], pitch, on_grid=on_grid, rule=rule)]
    grids = _Grids(origins, shapes)
    for k, v in enumerate(kept):
        grids.mark(np.full(len(v), k), _cells(v, pitch))
    t = np.concatenate(tris)
    slack = _SLACK * pitch + 1e-13 * scale  # fp drift of midpoints (10 rounds of half an ulp)
    faces = _Faces(t, np.concatenate(owners), pitch, max_edge, slack)
    _descend(t, np.arange(len(t)), 0, _Run(grids, faces, pitch, max_edge, rule == "regular"))
    return [(grids.origins[k].copy(), grids.grid(k).copy()) for k in range(len(meshes))]


class _Run:
    """What every round of one `subdivision_hits` call shares."""

    def __init__(self, grids: _Grids, faces: _Faces, pitch: float, max_edge: float, regular: bool):
        self.grids, self.faces, self.pitch, self.max_edge = grids, faces, pitch, max_edge
        self.regular = regular  # trimesh 4: a face with any long edge is split 1 -> 4


class _Open:
    """Cells still open for the current faces: (face, flat index, cell) triples. A face keeps
    the cells it could not settle, and its children inherit them (their boxes lie inside
    their parent's, and whatever a parent settled stays settled for its children)."""

    def __init__(self, face: np.ndarray, where: np.ndarray, cells: np.ndarray):
        self.face, self.where, self.cells = face, where, cells

    @staticmethod
    def none() -> _Open:
        return _Open(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros((0, 3), dtype=np.int64))

    def where_true(self, mask: np.ndarray) -> _Open:
        """The triples where `mask` (one per triple) is True."""
        return _Open(self.face[mask], self.where[mask], self.cells[mask])

    def take(self, keep: np.ndarray) -> _Open:
        """Only the faces where `keep` is True, renumbered."""
        new = np.cumsum(keep) - 1
        sel = keep[self.face]
        return _Open(new[self.face[sel]], self.where[sel], self.cells[sel])

    def to_children(self, parent: np.ndarray) -> _Open:
        """Every child (index into `parent`) gets its parent's cells."""
        order = np.argsort(self.face, kind="stable")
        face, where, cells = self.face[order], self.where[order], self.cells[order]
        counts = np.bincount(face, minlength=int(parent.max(initial=-1)) + 1)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        n = counts[parent]
        child = np.repeat(np.arange(len(parent)), n)
        pick = np.repeat(starts[parent], n) + np.arange(len(child)) - np.repeat(np.cumsum(n) - n, n)
        return _Open(child, where[pick], cells[pick])


def _descend(t: np.ndarray, face: np.ndarray, rounds: int, run: _Run, tracked: np.ndarray | None = None,
             pending: _Open | None = None) -> None:
    """Subdivide faces `t` (descendants of original faces `face`) from round `rounds` on,
    marking every cell a vertex of theirs rounds to. `tracked` faces were looked at before:
    only their `pending` cells need looking at again."""
    grids, faces, pitch, max_edge = run.grids, run.faces, run.pitch, run.max_edge
    if tracked is None:
        tracked, pending = np.zeros(len(t), dtype=bool), _Open.none()
    while True:
        long = _edge_lengths(t) > max_edge
        count = long[:, 0].astype(np.int64) + long[:, 1] + long[:, 2]
        busy = count > 0  # faces with no long edge are final: their corners are marked already
        if not busy.all():
            t, long, count, face, tracked = t[busy], long[busy], count[busy], face[busy], tracked[busy]
            pending = pending.take(busy)
        if run.regular:  # every edge of a face that is split gets its midpoint
            long[:] = True
            count[:] = 3
        if len(t) == 0:
            return
        if rounds == SUBDIVIDE_ROUNDS:
            raise VoxelLimitError(
                f"trimesh's subdivision leaves edges longer than {max_edge} m after {SUBDIVIDE_ROUNDS} rounds "
                "(max_iter exceeded); SceneReVis' voxel_eval fails here too")
        mesh = faces.mesh[face]
        lo = _cells(np.minimum(np.minimum(t[:, 0], t[:, 1]), t[:, 2]), pitch)
        hi = _cells(np.maximum(np.maximum(t[:, 0], t[:, 1]), t[:, 2]), pitch)
        size = hi - lo + 1
        near = size[:, 0] * size[:, 1] * size[:, 2] <= _BOX_CELLS  # bigger faces are split without looking
        fresh = np.nonzero(near & ~tracked)[0]
        a = _box_cells(fresh, lo, hi, mesh, grids)
        a = a.where_true(_still_open(t, a, face, faces, grids, pitch, prove=True))
        inside = np.all((pending.cells >= lo[pending.face]) & (pending.cells <= hi[pending.face]), axis=1)
        b = pending.where_true(inside)
        b = b.where_true(_still_open(t, b, face, faces, grids, pitch, prove=False))
        pending = _Open(np.concatenate((a.face, b.face)), np.concatenate((a.where, b.where)),
                        np.concatenate((a.cells, b.cells)))
        keep = ~near | (np.bincount(pending.face, minlength=len(t)) > 0)
        tracked = near
        if not keep.all():
            t, long, count, face, tracked = t[keep], long[keep], count[keep], face[keep], tracked[keep]
            pending = pending.take(keep)
            if len(t) == 0:
                return
        mid = (t + t[:, [1, 2, 0]]) / 2.0  # trimesh: vertices[edge].mean(axis=1), i.e. (a + b) / 2
        grids.mark(np.repeat(faces.mesh[face], 3).reshape(-1, 3)[long], _cells(mid[long], pitch))
        t, (face, parent) = _split(t, long, count, mid, [face, np.arange(len(t))])
        tracked = tracked[parent]
        pending = pending.to_children(parent)
        rounds += 1
        if len(t) > _CHUNK:
            for part in np.array_split(np.arange(len(t)), -(-len(t) // _CHUNK)):
                mask = np.zeros(len(t), dtype=bool)
                mask[part] = True
                _descend(t[part], face[part], rounds, run, tracked[part], pending.take(mask))
            return


def _meets_box(v0: np.ndarray, v1: np.ndarray, v2: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Whether triangles (corners relative to a box centre, (N, 3) each) whose planes are
    known to meet the boxes [-h, h] meet the boxes: no separating axis among the box's 3 and
    the 9 crosses of an edge with an axis (the normal's axis is checked by the caller)."""
    ok = np.ones(len(v0), dtype=bool)
    for i in range(3):
        ok &= (np.minimum(np.minimum(v0[:, i], v1[:, i]), v2[:, i]) <= h[:, i])
        ok &= (np.maximum(np.maximum(v0[:, i], v1[:, i]), v2[:, i]) >= -h[:, i])
    for a, b, c in ((v0, v1, v2), (v1, v2, v0), (v2, v0, v1)):
        e = b - a
        for i in range(3):
            j, k = (i + 1) % 3, (i + 2) % 3
            # axis = e x unit_i: components j and k only
            pa = a[:, j] * e[:, k] - a[:, k] * e[:, j]
            pc = c[:, j] * e[:, k] - c[:, k] * e[:, j]
            r = h[:, j] * np.abs(e[:, k]) + h[:, k] * np.abs(e[:, j])
            ok &= (np.minimum(pa, pc) <= r) & (np.maximum(pa, pc) >= -r)
    return ok


def _box_cells(rows: np.ndarray, lo: np.ndarray, hi: np.ndarray, mesh: np.ndarray, grids: _Grids) -> _Open:
    """Every cell of the boxes [lo, hi] of faces `rows`, box after box."""
    size = (hi[rows] - lo[rows] + 1).astype(np.int32)
    volume = size[:, 0] * size[:, 1] * size[:, 2]
    owner = np.repeat(np.arange(len(rows), dtype=np.int32), volume)
    starts = np.concatenate(([0], np.cumsum(volume)[:-1])).astype(np.int32)
    k = np.arange(len(owner), dtype=np.int32) - starts[owner]
    ox, r = np.divmod(k, (size[:, 1] * size[:, 2])[owner])
    oy, oz = np.divmod(r, size[owner, 2])
    offset = np.stack((ox, oy, oz), axis=1)
    face = rows[owner]
    cells = lo[face] + offset
    return _Open(face, grids.linear(mesh[face], cells), cells)


def _still_open(t, c: _Open, face, faces: _Faces, grids: _Grids, pitch: float, *, prove: bool) -> np.ndarray:
    """Which candidate cells a face could still add: not hit yet, within its plane's reach,
    not proven hit by the coverage argument (`prove`; marked on the way) and within the reach
    of the triangle itself."""
    still = ~grids.hit[c.where]
    idx = np.nonzero(still)[0]
    if len(idx) == 0:
        return still
    o = c.face[idx]
    fo = face[o]
    cells = c.cells[idx]
    n = faces.normal[fo]
    t0 = t[o, 0]
    dist = np.abs(n[:, 0] * (cells[:, 0] * pitch - t0[:, 0]) + n[:, 1] * (cells[:, 1] * pitch - t0[:, 1])
                  + n[:, 2] * (cells[:, 2] * pitch - t0[:, 2]))
    reach = ~faces.flat[fo] | (dist <= faces.reach[fo])
    if prove:
        # where the plane crosses the cell's shrunk box: one face per cell first (most cells are
        # proven by the first face that tries), then the other faces of cells still unproven
        test = np.nonzero(reach & (dist <= faces.inner[fo]))[0]
        _, first = np.unique(c.where[idx[test]], return_index=True)
        for attempt in (test[first], test):
            attempt = attempt[~grids.hit[c.where[idx[attempt]]]]
            if len(attempt):
                centre = cells[attempt] * pitch
                tt = t[o[attempt]]
                sure = _meets_box(tt[:, 0] - centre, tt[:, 1] - centre, tt[:, 2] - centre, faces.box[fo[attempt]])
                grids.hit[c.where[idx[attempt[sure]]]] = True
        reach &= ~grids.hit[c.where[idx]]
    # cells the plane reaches but the triangle does not (beyond its edges)
    rest = np.nonzero(reach)[0]
    if len(rest):
        centre = cells[rest] * pitch
        tt = t[o[rest]]
        outer = np.broadcast_to(faces.outer[fo[rest], None], (len(rest), 3))
        reach[rest] = _meets_box(tt[:, 0] - centre, tt[:, 1] - centre, tt[:, 2] - centre, outer)
    still[idx] = reach
    return still
