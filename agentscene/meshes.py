"""Object meshes in world space: the one place that stretches, rotates and places an object's mesh.

(The SceneReVis-compatible metrics reproduce that code's own placement, `+ 1e-6` included, in
`rewards/scenerevis.py` and `rewards/voxels.py`; it is part of the formula they copy.)

A *mesh provider* is any callable `(SceneObject) -> trimesh.Trimesh | None` that returns the
object's mesh in its canonical local frame: metres, y up, front facing +z, bottom centre at
the origin, not yet stretched to `size`. None means "no mesh, use the oriented box". Asset
backends supply providers; physics and renderers consume them, so neither depends on the other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from agentscene.geometry import rotation_matrices_y, rotation_matrix_y

if TYPE_CHECKING:
    import trimesh

    from agentscene.scene import SceneObject

MeshProvider = Callable[["SceneObject"], "trimesh.Trimesh | None"]


def unit_box() -> trimesh.Trimesh:
    """A 1 m cube with its bottom centre at the origin."""
    import trimesh

    box = trimesh.creation.box(extents=(1.0, 1.0, 1.0))
    box.apply_translation((0.0, 0.5, 0.0))
    return box


def stretch_matrix(mesh_extents: np.ndarray, mesh_bottom_centre: np.ndarray, size) -> np.ndarray:
    """4x4 taking a canonical mesh (given its extents and bottom centre) to the object's size, unposed."""
    ext = np.maximum(np.asarray(mesh_extents, dtype=float), 1e-9)
    scale = np.asarray(size, dtype=float) / ext
    m = np.diag([*scale, 1.0])
    m[:3, 3] = -np.asarray(mesh_bottom_centre, dtype=float) * scale
    return m


def pose_matrix(obj: SceneObject) -> np.ndarray:
    """4x4 rotating by the object's yaw and moving the bottom centre to its position."""
    m = np.eye(4)
    m[:3, :3] = rotation_matrix_y(obj.yaw)
    m[:3, 3] = obj.position
    return m


def object_matrix(obj: SceneObject, mesh: trimesh.Trimesh | None = None) -> np.ndarray:
    """4x4 from the canonical mesh (or the unit box when None) to world space."""
    if mesh is None:
        ext, bottom = np.ones(3), np.zeros(3)
    else:
        lo, hi = mesh.bounds
        ext = hi - lo
        bottom = np.array([(lo[0] + hi[0]) / 2.0, lo[1], (lo[2] + hi[2]) / 2.0])
    return pose_matrix(obj) @ stretch_matrix(ext, bottom, obj.size)


def world_mesh(obj: SceneObject, mesh: trimesh.Trimesh | None = None) -> trimesh.Trimesh:
    """The object's mesh (or oriented box) in world space, stretched per axis to `size`."""
    base = unit_box() if mesh is None else mesh
    out = base.copy()
    out.apply_transform(object_matrix(obj, mesh))
    return out


def object_matrices(positions: np.ndarray, sizes: np.ndarray, yaws_deg: np.ndarray,
                    mesh_extents: np.ndarray | None = None, mesh_bottoms: np.ndarray | None = None) -> np.ndarray:
    """(N, 3, 4) affine matrices, the vectorised `object_matrix` (unit box when extents/bottoms are None)."""
    n = len(positions)
    ext = np.ones((n, 3)) if mesh_extents is None else np.maximum(np.asarray(mesh_extents, dtype=float), 1e-9)
    bottom = np.zeros((n, 3)) if mesh_bottoms is None else np.asarray(mesh_bottoms, dtype=float)
    scale = np.asarray(sizes, dtype=float) / ext
    rot = rotation_matrices_y(yaws_deg)
    out = np.empty((n, 3, 4))
    out[:, :, :3] = rot * scale[:, None, :]
    out[:, :, 3] = np.asarray(positions, dtype=float) - np.einsum("nij,nj->ni", out[:, :, :3], bottom)
    return out
