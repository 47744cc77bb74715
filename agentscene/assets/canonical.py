"""Bring a dataset's mesh into the canonical frame: metres, y up, front +z, bottom centre at 0.

Datasets disagree on up axes, front directions and units; each backend states its
convention once (as axis names such as "+z") and this module does the arithmetic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from agentscene.geometry import rotation_matrix_y

if TYPE_CHECKING:
    import trimesh

Axis = Literal["+x", "-x", "+y", "-y", "+z", "-z"]
AXES: tuple[str, ...] = ("+x", "-x", "+y", "-y", "+z", "-z")

_VEC = {
    "+x": (1.0, 0.0, 0.0), "-x": (-1.0, 0.0, 0.0),
    "+y": (0.0, 1.0, 0.0), "-y": (0.0, -1.0, 0.0),
    "+z": (0.0, 0.0, 1.0), "-z": (0.0, 0.0, -1.0),
}


def axis_vector(axis: str) -> np.ndarray:
    try:
        return np.array(_VEC[axis.strip().lower()])
    except KeyError:
        raise ValueError(f"axis must be one of {', '.join(AXES)}, got {axis!r}") from None


def frame_rotation(up: str = "+y", front: str = "+z", yaw_deg: float = 0.0) -> np.ndarray:
    """3x3 taking a mesh whose up/front are the given axes to y-up/+z-front, then turning it
    by `yaw_deg` about +y (for per-asset front annotations)."""
    y = axis_vector(up)
    z = axis_vector(front)
    if abs(float(y @ z)) > 1e-9:
        raise ValueError(f"up {up!r} and front {front!r} must be perpendicular")
    x = np.cross(y, z)
    r = np.stack([x, y, z])  # rows: where the old axes go
    if yaw_deg:
        r = rotation_matrix_y(yaw_deg) @ r
    return r


#: trimesh metadata key holding the 4x4 that took the loaded file's mesh to the canonical one (composed over
#: every canonicalize call), so exporters that point at the dataset's own file can fold it into their transform
FILE_TO_CANONICAL = "agentscene_file_to_canonical"


def bottom_centre(mesh: trimesh.Trimesh) -> np.ndarray:
    lo, hi = mesh.bounds
    return np.array([(lo[0] + hi[0]) / 2.0, lo[1], (lo[2] + hi[2]) / 2.0])


def canonicalize(
    mesh: trimesh.Trimesh,
    *,
    up: str = "+y",
    front: str = "+z",
    yaw_deg: float = 0.0,
    scale: float = 1.0,
    height: float | None = None,
) -> trimesh.Trimesh:
    """Rotate to y-up/+z-front, scale (by `scale`, or uniformly so the height is `height`),
    and move the bottom centre to the origin. Works in place and returns the mesh."""
    m = np.eye(4)
    m[:3, :3] = frame_rotation(up, front, yaw_deg)
    mesh.apply_transform(m)
    if height is not None:
        lo, hi = mesh.bounds
        h = float(hi[1] - lo[1])
        if h > 1e-9:
            scale = height / h
    if scale != 1.0:
        mesh.apply_scale(scale)
    shift = -bottom_centre(mesh)
    mesh.apply_translation(shift)
    step = np.diag([scale, scale, scale, 1.0]) @ m
    step[:3, 3] += shift
    mesh.metadata[FILE_TO_CANONICAL] = step @ np.asarray(mesh.metadata.get(FILE_TO_CANONICAL, np.eye(4)))
    return mesh


def extents(mesh: trimesh.Trimesh) -> tuple[float, float, float]:
    lo, hi = mesh.bounds
    e = hi - lo
    return float(e[0]), float(e[1]), float(e[2])
