"""Convex collision parts of a mesh, for physics engines that collide convex shapes (MuJoCo).

A mesh is split into its connected parts (faces sharing vertices); each part's convex hull is
one collision shape. Procedural assets are built from convex primitives (boxes, cylinders,
spheres), so for them the parts are exact. A dataset mesh that is one non-convex piece becomes
its hull, unless `decompose=True`: then every part with more than DECOMPOSE_MIN_FACES faces is
split by V-HACD (vhacdx through `trimesh.decomposition`, `pip install 'agentscene[mujoco]'`;
about a second a mesh, so callers cache the result per mesh). CoACD also installs from PyPI here
but takes several seconds a mesh.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: thinner than this (m) along any axis, a part is a box (MuJoCo rejects near-zero mesh volumes)
MIN_THICKNESS = 0.004
#: more parts than this are merged into their nearest large part (contact cost grows with geoms)
MAX_PARTS = 24
#: with decompose=True, connected parts with more faces than this go through V-HACD (primitives have fewer)
DECOMPOSE_MIN_FACES = 200
#: V-HACD settings: few hulls at a coarse voxel resolution (furniture, not fine detail)
VHACD = {"maxConvexHulls": 8, "resolution": 10000}


@dataclass(frozen=True)
class ConvexPart:
    """One collision shape in the object's frame: a point set whose hull is the shape, or a box."""

    points: np.ndarray  # (N, 3) hull points; for a box, its 8 corners
    box: bool  # True: the axis-aligned box around `points` (flat or tiny parts)
    volume: float  # m³ (hull volume; a box's volume for boxes)

    @property
    def lo(self) -> np.ndarray:
        return self.points.min(axis=0)

    @property
    def hi(self) -> np.ndarray:
        return self.points.max(axis=0)


def _components(vertices: np.ndarray, faces: np.ndarray) -> list[np.ndarray]:
    """Vertex index arrays of the mesh's connected parts (only vertices used by faces)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(vertices)
    a = np.concatenate([faces[:, 0], faces[:, 1]])
    b = np.concatenate([faces[:, 1], faces[:, 2]])
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    used = np.unique(faces.reshape(-1))
    groups: dict[int, list[int]] = {}
    for v in used:
        groups.setdefault(int(labels[v]), []).append(int(v))
    return [np.asarray(g) for g in groups.values()]


def _box_part(lo: np.ndarray, hi: np.ndarray) -> ConvexPart:
    centre = (lo + hi) / 2
    half = np.maximum((hi - lo) / 2, MIN_THICKNESS / 2)
    corners = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]) * half + centre
    return ConvexPart(corners, True, float(np.prod(2 * half)))


def _part(points: np.ndarray) -> ConvexPart:
    from scipy.spatial import ConvexHull, QhullError

    lo, hi = points.min(axis=0), points.max(axis=0)
    if len(points) < 4 or (hi - lo).min() < MIN_THICKNESS:
        return _box_part(lo, hi)
    try:
        hull = ConvexHull(points)
    except QhullError:  # degenerate within Qhull's precision
        return _box_part(lo, hi)
    if hull.volume < MIN_THICKNESS ** 3:
        return _box_part(lo, hi)
    return ConvexPart(points[hull.vertices], False, float(hull.volume))


def _decomposed(vertices: np.ndarray, faces: np.ndarray, group: np.ndarray) -> list[np.ndarray]:
    """V-HACD hulls (as point sets) of one connected part; the part itself when it is small."""
    in_group = np.isin(faces, group).all(axis=1)
    sub = faces[in_group]
    if len(sub) <= DECOMPOSE_MIN_FACES:
        return [vertices[group]]
    try:
        import vhacdx  # noqa: F401  (trimesh.decomposition uses it)
    except ImportError as e:
        raise ImportError("convex decomposition needs vhacdx: pip install 'agentscene[mujoco]'") from e
    import trimesh

    mesh = trimesh.Trimesh(vertices=vertices, faces=sub, process=False)
    mesh.remove_unreferenced_vertices()
    hulls = trimesh.decomposition.convex_decomposition(mesh, **VHACD)
    hulls = hulls if isinstance(hulls, list) else [hulls]
    return [np.asarray(h["vertices"] if isinstance(h, dict) else h.vertices, float) for h in hulls] or [vertices[group]]


def convex_parts(vertices: np.ndarray, faces: np.ndarray, max_parts: int = MAX_PARTS, *,
                 decompose: bool = False) -> list[ConvexPart]:
    """The mesh's collision shapes, largest first; at most `max_parts` (small parts join the
    nearest kept part, so a shelf's books widen its board instead of adding geoms). `decompose`
    splits large non-primitive parts with V-HACD first."""
    vertices = np.asarray(vertices, float)
    faces = np.asarray(faces, np.int64)
    if len(faces) == 0:
        return [_part(vertices)] if len(vertices) else []
    groups = _components(vertices, faces)
    if decompose:
        points = [p for g in groups for p in _decomposed(vertices, faces, g)]
        vertices = np.concatenate(points)
        offsets = np.cumsum([0] + [len(p) for p in points])
        groups = [np.arange(offsets[k], offsets[k + 1]) for k in range(len(points))]
    boxes = [(vertices[g].min(axis=0), vertices[g].max(axis=0)) for g in groups]
    size = [float(np.prod(np.maximum(hi - lo, 1e-3))) for lo, hi in boxes]
    order = sorted(range(len(groups)), key=lambda k: (-size[k], int(groups[k][0])))
    keep, rest = order[:max_parts], order[max_parts:]
    members = {k: [groups[k]] for k in keep}
    centres = {k: (boxes[k][0] + boxes[k][1]) / 2 for k in keep}
    for k in rest:
        c = (boxes[k][0] + boxes[k][1]) / 2
        nearest = min(keep, key=lambda j: (float(np.linalg.norm(centres[j] - c)), j))
        members[nearest].append(groups[k])
    return [_part(vertices[np.concatenate(members[k])]) for k in keep]
