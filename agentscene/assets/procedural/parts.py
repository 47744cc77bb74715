"""A tiny mesh kit: boxes, cylinders, rods and spheres placed by affine maps of cached templates.

Building a piece of furniture is ~10-40 parts; each part is a few numpy operations on a
precomputed unit template, and the result is one Trimesh with per-face colours, built with
`process=False`. That keeps a whole chair well under a millisecond.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

Colour = tuple[int, int, int]


@lru_cache(maxsize=1)
def _unit_box() -> tuple[np.ndarray, np.ndarray]:
    v = np.array([[x, y, z] for x in (0.0, 1.0) for y in (0.0, 1.0) for z in (0.0, 1.0)])
    # outward-facing triangles of the unit cube [0,1]^3 (vertex index = 4x + 2y + z)
    f = np.array([
        [0, 1, 3], [0, 3, 2],  # -x
        [4, 6, 7], [4, 7, 5],  # +x
        [0, 4, 5], [0, 5, 1],  # -y
        [2, 3, 7], [2, 7, 6],  # +y
        [0, 2, 6], [0, 6, 4],  # -z
        [1, 5, 7], [1, 7, 3],  # +z
    ])
    return v, f


@lru_cache(maxsize=16)
def _ring(n: int) -> tuple[np.ndarray, np.ndarray]:
    a = np.arange(n) * (2.0 * math.pi / n)
    return np.cos(a), np.sin(a)


@lru_cache(maxsize=16)
def _cylinder_faces(n: int) -> np.ndarray:
    i = np.arange(n)
    j = (i + 1) % n
    bottom, top = i, i + n
    bc, tc = 2 * n, 2 * n + 1
    side1 = np.stack([bottom, top, top[j]], axis=1)
    side2 = np.stack([bottom, top[j], bottom[j]], axis=1)
    cap_b = np.stack([np.full(n, bc), bottom, bottom[j]], axis=1)
    cap_t = np.stack([np.full(n, tc), top[j], top], axis=1)
    return np.concatenate([side1, side2, cap_b, cap_t])


@lru_cache(maxsize=4)
def _unit_sphere(subdivisions: int) -> tuple[np.ndarray, np.ndarray]:
    import trimesh

    s = trimesh.creation.icosphere(subdivisions=subdivisions)
    return np.asarray(s.vertices), np.asarray(s.faces)


def rotation_x(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rotation_z(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _align_y_to(v: np.ndarray) -> np.ndarray:
    """Rotation taking +y to the unit vector v (Rodrigues, with y x v written out)."""
    vx, vy, vz = float(v[0]), float(v[1]), float(v[2])
    if vy > 1.0 - 1e-12:
        return np.eye(3)
    if vy < -1.0 + 1e-12:
        return np.diag([1.0, -1.0, -1.0])
    s = math.hypot(vz, vx)  # |y x v| with y x v = (vz, 0, -vx)
    kx, kz = vz / s, -vx / s
    k = np.array([[0.0, -kz, 0.0], [kz, 0.0, -kx], [0.0, kx, 0.0]])
    return np.eye(3) + s * k + (1.0 - vy) * (k @ k)


class MeshBuilder:
    """Collects coloured parts, then `build()` returns one Trimesh (per-face RGBA colours)."""

    def __init__(self) -> None:
        self._verts: list[np.ndarray] = []
        self._faces: list[np.ndarray] = []
        self._colours: list[np.ndarray] = []
        self._n = 0

    @property
    def face_count(self) -> int:
        return sum(len(f) for f in self._faces)

    def _add(self, v: np.ndarray, f: np.ndarray, colour: Colour) -> None:
        self._verts.append(v)
        self._faces.append(f + self._n)
        rgba = np.empty((len(f), 4), dtype=np.uint8)
        rgba[:, :3] = colour
        rgba[:, 3] = 255
        self._colours.append(rgba)
        self._n += len(v)

    # -- primitives ------------------------------------------------------------------------

    def box(self, x0: float, y0: float, z0: float, x1: float, y1: float, z1: float, colour: Colour) -> None:
        """Axis-aligned box between two corners (any order)."""
        lo = np.minimum((x0, y0, z0), (x1, y1, z1))
        hi = np.maximum((x0, y0, z0), (x1, y1, z1))
        size = np.maximum(hi - lo, 1e-4)
        v, f = _unit_box()
        self._add(v * size + lo, f, colour)

    def cbox(self, centre, size, colour: Colour, rot: np.ndarray | None = None) -> None:
        """Box of `size` centred at `centre`, optionally rotated about its centre."""
        v, f = _unit_box()
        local = (v - 0.5) * np.maximum(np.asarray(size, dtype=float), 1e-4)
        if rot is not None:
            local = local @ rot.T
        self._add(local + np.asarray(centre, dtype=float), f, colour)

    def cyl(self, x: float, y0: float, z: float, radius: float, height: float, colour: Colour,
            n: int = 12, top_radius: float | None = None, rz: float | None = None) -> None:
        """Vertical cylinder (or frustum with `top_radius`; elliptic with `rz`) standing on y0."""
        c, s = _ring(n)
        rt = radius if top_radius is None else top_radius
        kz = 1.0 if rz is None else rz / max(radius, 1e-9)
        h = max(height, 1e-4)
        v = np.empty((2 * n + 2, 3))
        v[:n, 0], v[:n, 1], v[:n, 2] = x + radius * c, y0, z + radius * kz * s
        v[n : 2 * n, 0], v[n : 2 * n, 1], v[n : 2 * n, 2] = x + rt * c, y0 + h, z + rt * kz * s
        v[2 * n] = (x, y0, z)
        v[2 * n + 1] = (x, y0 + h, z)
        self._add(v, _cylinder_faces(n), colour)

    def rod(self, p0, p1, radius: float, colour: Colour, n: int = 8, top_radius: float | None = None) -> None:
        """Cylinder from point p0 to point p1."""
        a = np.asarray(p0, dtype=float)
        b = np.asarray(p1, dtype=float)
        axis = b - a
        length = float(np.linalg.norm(axis))
        if length < 1e-6:
            return
        c, s = _ring(n)
        rt = radius if top_radius is None else top_radius
        local = np.empty((2 * n + 2, 3))
        local[:n] = np.stack([radius * c, np.zeros(n), radius * s], axis=1)
        local[n : 2 * n] = np.stack([rt * c, np.full(n, length), rt * s], axis=1)
        local[2 * n] = (0.0, 0.0, 0.0)
        local[2 * n + 1] = (0.0, length, 0.0)
        self._add(local @ _align_y_to(axis / length).T + a, _cylinder_faces(n), colour)

    def sphere(self, centre, radii, colour: Colour, subdivisions: int = 1) -> None:
        """Sphere or ellipsoid (radii a float or (rx, ry, rz))."""
        v, f = _unit_sphere(subdivisions)
        r = np.broadcast_to(np.asarray(radii, dtype=float), (3,))
        self._add(v * r + np.asarray(centre, dtype=float), f, colour)

    # -- result ----------------------------------------------------------------------------

    def build(self, size: tuple[float, float, float] | None = None):
        """One Trimesh; with `size`, scaled per axis to exactly [w, h, d], bottom centre at the origin."""
        import trimesh

        if not self._verts:
            raise ValueError("nothing was built")
        v = np.concatenate(self._verts)
        f = np.concatenate(self._faces)
        colours = np.concatenate(self._colours)
        lo, hi = v.min(axis=0), v.max(axis=0)
        if size is not None:
            ext = np.maximum(hi - lo, 1e-9)
            v = (v - lo) * (np.asarray(size, dtype=float) / ext) + np.array([-size[0] / 2.0, 0.0, -size[2] / 2.0])
        else:
            v = v - np.array([(lo[0] + hi[0]) / 2.0, lo[1], (lo[2] + hi[2]) / 2.0])
        return trimesh.Trimesh(vertices=v, faces=f, face_colors=colours, process=False, validate=False)
