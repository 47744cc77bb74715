"""Small, dependency-light geometry helpers shared by the scene model, formats and tools.

Conventions (DESIGN.md): metres, y up, floor at y = 0, yaw in degrees about +y, yaw 0 faces +z.
A rotation by yaw maps the local +z (front) to (sin yaw, 0, cos yaw) in world space.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Vec2 = tuple[float, float]


def normalize_yaw(yaw: float) -> float:
    """Map any finite angle in degrees to (-180, 180]."""
    y = math.fmod(yaw, 360.0)
    if y <= -180.0:
        y += 360.0
    elif y > 180.0:
        y -= 360.0
    return 0.0 if y == 0.0 else y  # no negative zero in files


def yaw_to_quaternion(yaw_deg: float) -> tuple[float, float, float, float]:
    """Yaw about +y as a scipy-order quaternion [x, y, z, w]."""
    half = math.radians(yaw_deg) / 2.0
    return (0.0, math.sin(half), 0.0, math.cos(half))


class TiltError(ValueError):
    """A quaternion that is not a pure rotation about +y."""


def quaternion_to_yaw(q: Sequence[float], tilt_tolerance_deg: float = 0.5) -> float:
    """Yaw in degrees of a scipy-order quaternion [x, y, z, w].

    Quaternions need not be unit length. A rotation that tilts the up axis by more than
    `tilt_tolerance_deg` raises TiltError: the native model is yaw-only.
    """
    if len(q) != 4:
        raise ValueError(f"a quaternion has 4 components [x, y, z, w], got {len(q)}")
    x, y, z, w = (float(c) for c in q)
    if not all(math.isfinite(c) for c in (x, y, z, w)):
        raise ValueError(f"quaternion has non-finite components: {list(q)}")
    norm = math.sqrt(x * x + y * y + z * z + w * w)
    if norm < 1e-12:
        raise ValueError("quaternion has zero length")
    x, y, z, w = x / norm, y / norm, z / norm, w / norm
    # Where the rotated +y axis ends up: its y component is cos(tilt).
    up_y = 1.0 - 2.0 * (x * x + z * z)
    tilt = math.degrees(math.acos(max(-1.0, min(1.0, up_y))))
    if tilt > tilt_tolerance_deg:
        raise TiltError(
            f"rotation {list(q)} tilts the object by {tilt:.2f} degrees; only rotations about "
            "the vertical axis (yaw) are supported"
        )
    # Project onto the yaw-only subgroup: the swing-twist decomposition's twist about y.
    return normalize_yaw(math.degrees(2.0 * math.atan2(y, w)))


def rotation_matrix_y(yaw_deg: float) -> np.ndarray:
    """3x3 rotation about +y by yaw degrees (right-handed: +z turns toward +x)."""
    a = math.radians(yaw_deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def front_vector(yaw_deg: float) -> Vec2:
    """Unit (x, z) direction an object with this yaw faces (its local +z)."""
    a = math.radians(yaw_deg)
    return (math.sin(a), math.cos(a))


def right_vector(yaw_deg: float) -> Vec2:
    """Unit (x, z) direction of an object's local +x for this yaw."""
    a = math.radians(yaw_deg)
    return (math.cos(a), -math.sin(a))


def yaw_facing(dx: float, dz: float) -> float:
    """The yaw (degrees) whose front points along (dx, dz); 0 for a zero vector."""
    return normalize_yaw(math.degrees(math.atan2(dx, dz))) if (dx or dz) else 0.0


@dataclass(frozen=True)
class Wall:
    """One edge of a counter-clockwise floor polygon, seen from inside the room."""

    index: int
    a: Vec2
    b: Vec2
    length: float
    direction: Vec2  # unit, from a to b ((0, 0) for a zero-length edge)
    normal: Vec2  # unit, pointing into the room

    @property
    def yaw(self) -> float:
        """Yaw of an object standing against this wall and facing into the room."""
        return round(yaw_facing(self.normal[0], self.normal[1]), 6)

    def point(self, t: float, inset: float = 0.0) -> Vec2:
        """The point `t` metres along the wall from `a`, moved `inset` metres into the room."""
        return (self.a[0] + self.direction[0] * t + self.normal[0] * inset,
                self.a[1] + self.direction[1] * t + self.normal[1] * inset)

    def distance(self, x: float, z: float) -> float:
        """Distance from (x, z) to the wall segment."""
        dx, dz = x - self.a[0], z - self.a[1]
        t = max(0.0, min(self.length, dx * self.direction[0] + dz * self.direction[1]))
        return math.hypot(dx - t * self.direction[0], dz - t * self.direction[1])

    def along(self, x: float, z: float) -> float:
        """Distance from the wall's start to the foot of (x, z) on its line."""
        return (x - self.a[0]) * self.direction[0] + (z - self.a[1]) * self.direction[1]


def floor_walls(floor: Sequence[Sequence[float]]) -> list[Wall]:
    """Every edge of a counter-clockwise floor polygon as a Wall (index i runs from floor[i] to floor[i+1])."""
    walls = []
    for i in range(len(floor)):
        a, b = floor[i], floor[(i + 1) % len(floor)]
        dx, dz = b[0] - a[0], b[1] - a[1]
        length = math.hypot(dx, dz)
        d = (dx / length, dz / length) if length > 0.0 else (0.0, 0.0)
        walls.append(Wall(i, (a[0], a[1]), (b[0], b[1]), length, d, (-d[1], d[0])))  # inside is on the left
    return walls


def yaw_difference(a: float, b: float) -> float:
    """The unsigned angle between two yaws, in [0, 180] degrees."""
    return abs(normalize_yaw(a - b))


def local_to_world(position: Sequence[float], yaw_deg: float, lx: float, lz: float) -> Vec2:
    """World (x, z) of a point given in an object's local frame (x right, z front)."""
    a = math.radians(yaw_deg)
    c, s = math.cos(a), math.sin(a)
    return (position[0] + c * lx + s * lz, position[2] - s * lx + c * lz)


def world_to_local(position: Sequence[float], yaw_deg: float, x: float, z: float) -> Vec2:
    """The inverse of local_to_world: (x right, z front) of a world (x, z) point."""
    a = math.radians(yaw_deg)
    c, s = math.cos(a), math.sin(a)
    dx, dz = x - position[0], z - position[2]
    return (c * dx - s * dz, s * dx + c * dz)


def half_extent_along(size: Sequence[float], yaw_deg: float, dx: float, dz: float) -> float:
    """Half the oriented footprint's extent along the unit direction (dx, dz)."""
    rx, rz = right_vector(yaw_deg)
    fx, fz = front_vector(yaw_deg)
    return size[0] / 2.0 * abs(dx * rx + dz * rz) + size[2] / 2.0 * abs(dx * fx + dz * fz)


def footprint_corners(
    position: Sequence[float], size: Sequence[float], yaw_deg: float
) -> list[Vec2]:
    """The four (x, z) corners of an object's oriented footprint, counter-clockwise."""
    hw, hd = size[0] / 2.0, size[2] / 2.0
    local = ((-hw, -hd), (hw, -hd), (hw, hd), (-hw, hd))
    corners = [local_to_world(position, yaw_deg, lx, lz) for lx, lz in local]
    if signed_area(corners) < 0:
        corners.reverse()
    return corners


def signed_area(points: Sequence[Sequence[float]]) -> float:
    """Shoelace area of an (x, z) polygon: positive when counter-clockwise in the x-z plane."""
    total = 0.0
    n = len(points)
    for i in range(n):
        x0, z0 = points[i][0], points[i][1]
        x1, z1 = points[(i + 1) % n][0], points[(i + 1) % n][1]
        total += x0 * z1 - x1 * z0
    return total / 2.0


def point_in_polygon(x: float, z: float, polygon: Sequence[Sequence[float]]) -> bool:
    """Even-odd test; points on an edge may fall either way."""
    inside = False
    n = len(polygon)
    j = n - 1
    for i in range(n):
        xi, zi = polygon[i][0], polygon[i][1]
        xj, zj = polygon[j][0], polygon[j][1]
        if (zi > z) != (zj > z):
            x_cross = xi + (z - zi) * (xj - xi) / (zj - zi)
            if x < x_cross:
                inside = not inside
        j = i
    return inside


def points_in_polygon(xs: np.ndarray, zs: np.ndarray, polygon: Sequence[Sequence[float]]) -> np.ndarray:
    """The even-odd test of point_in_polygon for arrays of points of broadcastable shapes.

    Loops over edges, not points: a grid given as a row of x and a column of z costs one
    comparison of the grid's size per edge.
    """
    xs = np.asarray(xs, dtype=np.float64)
    zs = np.asarray(zs, dtype=np.float64)
    inside = np.zeros(np.broadcast_shapes(xs.shape, zs.shape), dtype=bool)
    n = len(polygon)
    for i in range(n):
        x0, z0 = float(polygon[i][0]), float(polygon[i][1])
        x1, z1 = float(polygon[(i + 1) % n][0]), float(polygon[(i + 1) % n][1])
        if z0 == z1:
            continue
        crosses = (z0 > zs) != (z1 > zs)
        x_cross = x0 + (zs - z0) * ((x1 - x0) / (z1 - z0))
        inside ^= crosses & (xs < x_cross)
    return inside


def distance_to_polygon_edges(x: float, z: float, polygon: Sequence[Sequence[float]]) -> float:
    """Shortest distance from a point to the polygon's boundary."""
    best = math.inf
    n = len(polygon)
    for i in range(n):
        ax, az = polygon[i][0], polygon[i][1]
        bx, bz = polygon[(i + 1) % n][0], polygon[(i + 1) % n][1]
        dx, dz = bx - ax, bz - az
        length2 = dx * dx + dz * dz
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((x - ax) * dx + (z - az) * dz) / length2))
        cx, cz = ax + t * dx, az + t * dz
        best = min(best, math.hypot(x - cx, z - cz))
    return best


def rotation_matrices_y(yaws_deg: np.ndarray) -> np.ndarray:
    """(N, 3, 3) rotations about +y, the vectorised `rotation_matrix_y` (same convention)."""
    a = np.radians(np.asarray(yaws_deg, dtype=np.float64).reshape(-1))
    c, s = np.cos(a), np.sin(a)
    out = np.zeros((len(a), 3, 3))
    out[:, 0, 0] = c
    out[:, 0, 2] = s
    out[:, 1, 1] = 1.0
    out[:, 2, 0] = -s
    out[:, 2, 2] = c
    return out


def box_corners_many(positions: np.ndarray, sizes: np.ndarray, yaws_deg: np.ndarray) -> np.ndarray:
    """(N, 8, 3) world corners of N oriented boxes, in `SceneObject.box_corners` order (y, then x, then z)."""
    signs = np.array([[sx, y, sz] for y in (0.0, 1.0) for sx in (-0.5, 0.5) for sz in (-0.5, 0.5)])
    local = signs[None, :, :] * np.asarray(sizes, dtype=np.float64)[:, None, :]
    return np.einsum("nij,nkj->nki", rotation_matrices_y(yaws_deg), local) + np.asarray(positions, dtype=np.float64)[:, None, :]
