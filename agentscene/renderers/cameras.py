"""Cameras shared by every backend, so images from the rasteriser and from Blender line up.

Conventions (OpenCV style, so pixels can be predicted from K, R, t):

- world: metres, y up (DESIGN.md); camera: x right, y down, z forward;
  `p_cam = R @ p_world + t`.
- perspective: `u = fx * x / z + cx`, `v = fy * y / z + cy`;
  orthographic: `u = fx * x + cx`, `v = fy * y + cy` (fx, fy in pixels per metre).
- pixel coordinates are continuous: pixel column i covers u in [i, i + 1), so the image
  centre is (W / 2, H / 2).

The top view looks down -y, framed on the room (not the objects), +x to the right and +z
toward the bottom of the image. The diagonal view looks from above a room corner (picked by
the seed) at the room centre through a ~40 mm lens. `ring_cameras` puts N such cameras on a
ring around the room for multi-view datasets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from agentscene.scene import Room, Scene

Projection = Literal["perspective", "orthographic"]

#: The views every backend knows by name.
VIEW_NAMES = ("top", "diagonal")

#: Largest image side accepted (beyond this GL framebuffers and Blender refuse or run out of memory).
MAX_IMAGE_SIZE = 16384

#: Full-frame sensor width in millimetres: lens_mm / SENSOR_MM * image width = focal length in pixels.
SENSOR_MM = 36.0


class CameraSettings(BaseModel):
    """How the named views are framed. Backends that share these settings produce identical cameras."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    top_margin: float = Field(default=0.1, ge=0.0, le=2.0, description="top view: margin on each side as a fraction of the room's larger side")
    lens_mm: float = Field(default=40.0, gt=1.0, le=500.0, description="diagonal and ring views: focal length on a 36 mm sensor")
    elevation_deg: float = Field(default=40.0, gt=0.0, lt=90.0, description="diagonal view: angle of the line of sight below the horizon")
    ring_elevation_deg: float = Field(default=30.0, gt=0.0, lt=90.0, description="ring views: angle below the horizon")
    frame_margin: float = Field(default=0.06, ge=0.0, lt=0.9, description="perspective views: fraction of the half-field kept free around the room")
    frame_height: float = Field(default=1.8, ge=0.0, le=20.0, description="perspective views: metres above the floor kept in frame (capped at the room height)")


@dataclass(frozen=True, eq=False)
class Camera:
    """A pinhole or orthographic camera: intrinsics K, world-to-camera R, t, image size."""

    name: str
    projection: Projection
    width: int
    height: int
    K: np.ndarray
    R: np.ndarray
    t: np.ndarray
    near: float = 0.05
    far: float = 200.0
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, shape in (("K", (3, 3)), ("R", (3, 3)), ("t", (3,))):
            arr = np.array(getattr(self, key), dtype=np.float64)
            if arr.shape != shape:
                raise ValueError(f"camera {self.name!r}: {key} must have shape {shape}, got {arr.shape}")
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"camera {self.name!r}: {key} has non-finite entries")
            arr.setflags(write=False)
            object.__setattr__(self, key, arr)
        if self.projection not in ("perspective", "orthographic"):
            raise ValueError(f"camera {self.name!r}: projection must be perspective or orthographic")
        if self.width < 1 or self.height < 1:
            raise ValueError(f"camera {self.name!r}: image size must be positive, got {self.width}x{self.height}")
        if not 0.0 < self.near < self.far:
            raise ValueError(f"camera {self.name!r}: need 0 < near < far, got {self.near}, {self.far}")

    # -- geometry ----------------------------------------------------------------------------

    @property
    def position(self) -> np.ndarray:
        """Camera centre in world space (for orthographic cameras: a point on the central ray)."""
        return -self.R.T @ self.t

    @property
    def forward(self) -> np.ndarray:
        """Unit viewing direction in world space."""
        return self.R[2].copy()

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points (N, 3) to camera coordinates (N, 3)."""
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        return pts @ self.R.T + self.t

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points (N, 3) to pixel coordinates (N, 2) and depth along the view axis (N,).

        Points with depth <= 0 are behind a perspective camera; their pixels are meaningless.
        """
        pc = self.to_camera(points)
        depth = pc[:, 2]
        if self.projection == "perspective":
            with np.errstate(divide="ignore", invalid="ignore"):
                xy = pc[:, :2] / depth[:, None]
        else:
            xy = pc[:, :2]
        uv = xy * np.array([self.K[0, 0], self.K[1, 1]]) + np.array([self.K[0, 2], self.K[1, 2]])
        uv[:, 0] += self.K[0, 1] * xy[:, 1]  # skew, normally 0
        return uv, depth

    def clip_matrix(self) -> np.ndarray:
        """4x4 from world to OpenGL clip space, rows top-down (NDC y = -1 is image row 0).

        Reading a framebuffer from GL's bottom row up then yields image rows in order, so a
        rasteriser needs no flip. Made once per camera (read-only): renders reuse their cameras.
        """
        cached = self.__dict__.get("_clip_matrix")
        if cached is not None:
            return cached
        w, h, n, f = float(self.width), float(self.height), self.near, self.far
        fx, fy, cx, cy, s = self.K[0, 0], self.K[1, 1], self.K[0, 2], self.K[1, 2], self.K[0, 1]
        if self.projection == "perspective":
            P = np.array(
                [
                    [2 * fx / w, 2 * s / w, 2 * cx / w - 1, 0.0],
                    [0.0, 2 * fy / h, 2 * cy / h - 1, 0.0],
                    [0.0, 0.0, (f + n) / (f - n), -2 * f * n / (f - n)],
                    [0.0, 0.0, 1.0, 0.0],
                ]
            )
        else:
            P = np.array(
                [
                    [2 * fx / w, 2 * s / w, 0.0, 2 * cx / w - 1],
                    [0.0, 2 * fy / h, 0.0, 2 * cy / h - 1],
                    [0.0, 0.0, 2 / (f - n), -(f + n) / (f - n)],
                    [0.0, 0.0, 0.0, 1.0],
                ]
            )
        V = np.eye(4)
        V[:3, :3] = self.R
        V[:3, 3] = self.t
        out = P @ V
        out.setflags(write=False)
        self.__dict__["_clip_matrix"] = out  # the fields are frozen; the camera's own dict is not
        return out

    def depth_from_ndc(self, d: np.ndarray) -> np.ndarray:
        """Window depth in [0, 1] (GL's depth buffer) to metres along the view axis; 1 -> inf."""
        d = np.asarray(d, dtype=np.float32)
        n, f = np.float32(self.near), np.float32(self.far)
        if self.projection == "perspective":
            # z = 2fn / (f + n - (2d - 1)(f - n)) = fn / (f - d (f - n))
            with np.errstate(divide="ignore"):
                out = (f * n) / (f - d * (f - n))
        else:
            out = n + d * (f - n)
        out[d >= 1.0] = np.inf
        return out

    @property
    def top_down(self) -> bool:
        """An orthographic camera looking straight down (the view with the grid, and no ceiling items)."""
        return is_top_down(self)

    # -- serialisation -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters (K, R, t, size, projection, clip range)."""
        return {
            "name": self.name,
            "projection": self.projection,
            "width": self.width,
            "height": self.height,
            "K": self.K.tolist(),
            "R": self.R.tolist(),
            "t": self.t.tolist(),
            "near": self.near,
            "far": self.far,
            "position": self.position.tolist(),
            **({"meta": self.meta} if self.meta else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Camera:
        return cls(
            name=str(data["name"]),
            projection=data["projection"],
            width=int(data["width"]),
            height=int(data["height"]),
            K=np.asarray(data["K"], dtype=np.float64),
            R=np.asarray(data["R"], dtype=np.float64),
            t=np.asarray(data["t"], dtype=np.float64),
            near=float(data["near"]),
            far=float(data["far"]),
            meta=dict(data.get("meta", {})),
        )


def is_top_down(camera: Camera) -> bool:
    """An orthographic camera looking straight down."""
    return camera.projection == "orthographic" and camera.R[2, 1] < -0.999


# -- builders ----------------------------------------------------------------------------------


def _room(scene_or_room: Scene | Room) -> Room:
    return getattr(scene_or_room, "room", scene_or_room)  # type: ignore[return-value]


def _size(size: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(size, int | np.integer):
        w = h = int(size)
    else:
        w, h = (int(v) for v in size)
    if w < 1 or h < 1:
        raise ValueError(f"image size must be positive, got {size!r}")
    if max(w, h) > MAX_IMAGE_SIZE:
        raise ValueError(f"image size must be at most {MAX_IMAGE_SIZE} pixels a side, got {size!r}")
    return w, h


def top_camera(scene: Scene | Room, size: int | Sequence[int] = 512, *, margin: float = 0.1, name: str = "top") -> Camera:
    """Orthographic camera looking down -y at the whole floor, +x right and +z down the image."""
    room = _room(scene)
    w, h = _size(size)
    x0, z0, x1, z1 = room.bounds
    span_x = (x1 - x0) + 2 * margin * max(x1 - x0, z1 - z0)
    span_z = (z1 - z0) + 2 * margin * max(x1 - x0, z1 - z0)
    scale = min(w / span_x, h / span_z)  # pixels per metre, same on both axes
    cx_world, cz_world = (x0 + x1) / 2.0, (z0 + z1) / 2.0
    eye_y = room.height + 20.0
    R = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
    t = -R @ np.array([cx_world, eye_y, cz_world])
    K = np.array([[scale, 0.0, w / 2.0], [0.0, scale, h / 2.0], [0.0, 0.0, 1.0]])
    return Camera(name, "orthographic", w, h, K, R, t, near=0.1, far=eye_y + 40.0, meta={"pixels_per_metre": scale})


def look_at_rotation(eye: np.ndarray, target: np.ndarray, up: Sequence[float] = (0.0, 1.0, 0.0)) -> np.ndarray:
    """World-to-camera rotation (rows: camera x right, y down, z forward) looking from eye at target."""
    forward = np.asarray(target, float) - np.asarray(eye, float)
    norm = np.linalg.norm(forward)
    if norm < 1e-12:
        raise ValueError("eye and target are the same point")
    forward /= norm
    right = np.cross(forward, np.asarray(up, float))
    if np.linalg.norm(right) < 1e-9:  # looking straight along up: any right vector will do
        right = np.cross(forward, np.array([0.0, 0.0, 1.0]))
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    return np.stack([right, down, forward])


def _framing_points(room: Room, frame_height: float) -> np.ndarray:
    """Floor corners at the floor and at furniture height: what a perspective view must show."""
    floor = np.asarray(room.floor, dtype=float)
    low = np.column_stack([floor[:, 0], np.zeros(len(floor)), floor[:, 1]])
    high = low.copy()
    high[:, 1] = min(frame_height, room.height)
    return np.vstack([low, high])


def orbit_camera(
    scene: Scene | Room,
    size: int | Sequence[int],
    *,
    azimuth_deg: float,
    elevation_deg: float,
    lens_mm: float = 40.0,
    margin: float = 0.06,
    frame_height: float = 1.8,
    name: str = "orbit",
) -> Camera:
    """Perspective camera looking at the room centre from an azimuth, backed off until the room fits.

    Azimuth is measured in the x-z plane from +x toward +z; the camera sits on that side of the
    room, `elevation_deg` above the horizon. The distance is the smallest at which every floor
    corner, at the floor and at `frame_height`, lies inside the frame shrunk by `margin`.
    """
    room = _room(scene)
    w, h = _size(size)
    focal = lens_mm / SENSOR_MM * max(w, h)
    cx_world, cz_world = room.center
    target = np.array([cx_world, 0.5 * min(frame_height, room.height), cz_world])
    az, el = math.radians(azimuth_deg), math.radians(elevation_deg)
    back = np.array([math.cos(el) * math.cos(az), math.sin(el), math.cos(el) * math.sin(az)])
    R = look_at_rotation(target + back, target)
    points = _framing_points(room, frame_height)
    tan_x = (w / 2.0) / focal * (1.0 - margin)
    tan_y = (h / 2.0) / focal * (1.0 - margin)
    for _ in range(4):
        # Back off until every point fits, then slide the target (across the line of sight)
        # to centre the room's image, so the frame is not wasted on one side.
        q = (points - target) @ R.T  # camera axes, relative to the target
        needed = np.maximum(np.abs(q[:, 0]) / tan_x, np.abs(q[:, 1]) / tan_y) - q[:, 2]
        distance = max(float(needed.max()), 0.5)
        depth = q[:, 2] + distance
        ndc = q[:, :2] / depth[:, None]
        centre = (ndc.max(axis=0) + ndc.min(axis=0)) / 2.0
        if np.all(np.abs(centre) < 1e-3 * np.array([tan_x, tan_y])):
            break
        target = target + (R[0] * centre[0] + R[1] * centre[1]) * distance
    eye = target + back * distance
    t = -R @ eye
    K = np.array([[focal, 0.0, w / 2.0], [0.0, focal, h / 2.0], [0.0, 0.0, 1.0]])
    x0, z0, x1, z1 = room.bounds
    far = distance + 2.0 * math.hypot(x1 - x0, z1 - z0) + room.height + 50.0
    meta = {"azimuth_deg": azimuth_deg, "elevation_deg": elevation_deg, "lens_mm": lens_mm, "target": target.tolist()}
    return Camera(name, "perspective", w, h, K, R, t, near=0.05, far=far, meta=meta)


def diagonal_camera(
    scene: Scene | Room,
    size: int | Sequence[int] = 512,
    *,
    seed: int = 0,
    settings: CameraSettings | None = None,
    name: str = "diagonal",
) -> Camera:
    """Perspective view from above the room corner picked by `seed`, looking at the room centre."""
    room = _room(scene)
    cfg = settings or CameraSettings()
    corner = int(np.random.default_rng(seed).integers(4))
    x0, z0, x1, z1 = room.bounds
    cx_world, cz_world = room.center
    corner_x, corner_z = ((x0, z0), (x1, z0), (x1, z1), (x0, z1))[corner]
    azimuth = math.degrees(math.atan2(corner_z - cz_world, corner_x - cx_world))
    cam = orbit_camera(
        room, size, azimuth_deg=azimuth, elevation_deg=cfg.elevation_deg, lens_mm=cfg.lens_mm,
        margin=cfg.frame_margin, frame_height=cfg.frame_height, name=name,
    )
    return replace(cam, meta={**cam.meta, "corner": corner})


def ring_cameras(
    scene: Scene | Room,
    n: int,
    size: int | Sequence[int] = 512,
    *,
    start_azimuth_deg: float = 45.0,
    settings: CameraSettings | None = None,
) -> list[Camera]:
    """N perspective cameras evenly spaced on a ring around the room, all looking at its centre."""
    if n < 1:
        raise ValueError(f"need at least one ring camera, got n={n}")
    cfg = settings or CameraSettings()
    return [
        orbit_camera(
            scene, size, azimuth_deg=start_azimuth_deg + 360.0 * i / n, elevation_deg=cfg.ring_elevation_deg,
            lens_mm=cfg.lens_mm, margin=cfg.frame_margin, frame_height=cfg.frame_height, name=f"ring_{i:02d}",
        )
        for i in range(n)
    ]


def scene_cameras(
    scene: Scene | Room,
    views: Iterable[str | Camera],
    size: int | Sequence[int] = 512,
    *,
    seed: int = 0,
    settings: CameraSettings | None = None,
) -> dict[str, Camera]:
    """The cameras for a render: named views ("top", "diagonal") or Camera objects passed through."""
    cfg = settings or CameraSettings()
    if isinstance(views, str | Camera):  # one view given bare
        views = [views]
    out: dict[str, Camera] = {}
    for view in views:
        if isinstance(view, Camera):
            cam = view
        elif view == "top":
            cam = top_camera(scene, size, margin=cfg.top_margin)
        elif view == "diagonal":
            cam = diagonal_camera(scene, size, seed=seed, settings=cfg)
        else:
            raise ValueError(f"unknown view {view!r}; known views: {', '.join(VIEW_NAMES)} (or pass Camera objects)")
        if cam.name in out:
            raise ValueError(f"view {cam.name!r} is listed twice")
        if cam.name == "merged":
            raise ValueError("'merged' names the side-by-side image; give the camera another name")
        out[cam.name] = cam
    if not out:
        raise ValueError("no views to render")
    return out
