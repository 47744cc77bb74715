"""Annotations drawn over a rendered view so a VLM can read and edit coordinates.

Each object gets its bounding-box outline, an arrow for the direction it faces and its id;
the top view also gets a 1 m grid labelled with x (along the bottom) and z (down the left
side). Everything is projected through the view's own Camera, so it works on any backend's
image and lines up with the geometry.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agentscene.geometry import front_vector
from agentscene.renderers import palette
from agentscene.renderers.cameras import Camera
from agentscene.renderers.scene_geometry import object_color

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

    from agentscene.scene import Scene, SceneObject

#: The 12 edges of a box as index pairs into SceneObject.box_corners() (y-major, then x, then z).
BOX_EDGES = (
    (0, 1), (2, 3), (0, 2), (1, 3),  # bottom
    (4, 5), (6, 7), (4, 6), (5, 7),  # top
    (0, 4), (1, 5), (2, 6), (3, 7),  # verticals
)

Box = tuple[float, float, float, float]


class OverlaySettings(BaseModel):
    """Which annotations to draw; `render(..., overlays=False)` skips them all."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    boxes: bool = True
    arrows: bool = True
    ids: bool = True
    grid: bool = True
    grid_step: float = Field(default=1.0, gt=0.0, description="metres between grid lines in the top view")
    caption: bool = True
    font_size: int | None = Field(default=None, ge=6, le=96, description="None: scaled with the image")


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def is_top_down(camera: Camera) -> bool:
    """An orthographic camera looking straight down: the view that gets the labelled grid."""
    return camera.projection == "orthographic" and camera.forward[1] < -0.999


def _segment_in_front(camera: Camera, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Clip a world segment to the part in front of a perspective camera's near plane."""
    if camera.projection == "orthographic":
        return a, b
    za, zb = camera.to_camera(np.stack([a, b]))[:, 2]
    near = camera.near
    if za < near and zb < near:
        return None
    if za < near:
        a = a + (b - a) * (near - za) / (zb - za)
    elif zb < near:
        b = b + (a - b) * (near - zb) / (za - zb)
    return a, b


def _box_edges(draw: ImageDraw.ImageDraw, camera: Camera, corners: np.ndarray, fill, width: int, top_down: bool) -> None:
    """The 12 projected edges of a box (4 in a top-down view, where top and bottom coincide)."""
    uv, depth = camera.project(corners)
    edges = BOX_EDGES[4:8] if top_down else BOX_EDGES
    if camera.projection == "orthographic" or depth.min() > camera.near:
        if np.abs(uv).max() > 1e6:
            return
        for i, j in edges:
            draw.line([(uv[i, 0], uv[i, 1]), (uv[j, 0], uv[j, 1])], fill=fill, width=width)
        return
    for i, j in edges:  # partly behind the camera: clip each edge at the near plane
        seg = _segment_in_front(camera, corners[i], corners[j])
        if seg is None:
            continue
        e_uv, _ = camera.project(np.stack(seg))
        if np.all(np.isfinite(e_uv)) and np.abs(e_uv).max() < 1e6:
            draw.line([tuple(e_uv[0]), tuple(e_uv[1])], fill=fill, width=width)


def _arrow(draw: ImageDraw.ImageDraw, camera: Camera, obj: SceneObject, fill, width: int) -> None:
    """From the top-face centre toward the front, past the front edge, with a head."""
    fx, fz = front_vector(obj.yaw)
    front = np.array([fx, 0.0, fz])
    top_y = obj.position[1] + obj.size[1]
    start = np.array([obj.position[0], top_y, obj.position[2]])
    reach = obj.size[2] / 2.0 + max(0.15, 0.25 * obj.size[2])
    end = start + front * reach
    seg = _segment_in_front(camera, start, end)
    if seg is None:
        return
    uv, _ = camera.project(np.stack(seg))
    if not np.all(np.isfinite(uv)) or np.abs(uv).max() > 1e6:
        return
    (x0, y0), (x1, y1) = uv
    length = math.hypot(x1 - x0, y1 - y0)
    if length < 2.0:
        return
    draw.line([(x0, y0), (x1, y1)], fill=fill, width=width)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    head = min(12.0, max(5.0, 0.35 * length)) * (1 + width / 4)
    left = (x1 - head * ux + 0.5 * head * uy, y1 - head * uy - 0.5 * head * ux)
    right = (x1 - head * ux - 0.5 * head * uy, y1 - head * uy + 0.5 * head * ux)
    draw.polygon([(x1, y1), left, right], fill=fill)


def _overlaps(box: Box, placed: list[Box]) -> bool:
    return any(box[0] < p[2] and p[0] < box[2] and box[1] < p[3] and p[1] < box[3] for p in placed)


@lru_cache(maxsize=4096)
def _sprite(text: str, font_size: int, outline: tuple[int, int, int] | None) -> Image.Image:
    """A label rendered once and pasted after: ids repeat across the turns of an episode."""
    from PIL import Image, ImageDraw

    font = _font(font_size)
    left, top, right, bottom = font.getbbox(text)
    pad_x, pad_y = (2, 1) if outline is not None else (0, 0)
    sprite = Image.new("RGBA", (right - left + 2 * pad_x, bottom - top + 2 * pad_y), (0, 0, 0, 0))
    draw = ImageDraw.Draw(sprite)
    if outline is not None:
        draw.rectangle((0, 0, sprite.width - 1, sprite.height - 1), fill=(255, 255, 255, 215), outline=outline + (255,))
        draw.text((pad_x - left, pad_y - top), text, fill=(0, 0, 0, 255), font=font)
    else:
        draw.text((-left, -top), text, fill=(40, 40, 60, 255), font=font)
    return sprite


def _label(canvas: Image.Image, text: str, anchor: tuple[float, float], font_size: int, placed: list[Box], color) -> None:
    """Paste a boxed label centred near `anchor`, nudged off labels already placed."""
    sprite = _sprite(text, font_size, tuple(color))
    w, h = sprite.size
    ax, ay = anchor
    best: Box | None = None
    for dy in (0.0, -1.1, 1.1, -2.2, 2.2, -3.3, 3.3):
        x0 = min(max(ax - w / 2.0, 0.0), canvas.width - w)
        y0 = min(max(ay - h / 2.0 + dy * h, 0.0), canvas.height - h)
        box = (x0, y0, x0 + w, y0 + h)
        if best is None:
            best = box
        if not _overlaps(box, placed):
            best = box
            break
    assert best is not None
    placed.append(best)
    canvas.paste(sprite, (round(best[0]), round(best[1])), sprite)


def _grid_step_for(scale: float, step: float, min_px: float) -> float:
    """The smallest multiple of `step` (x1, 2, 5, 10, ...) whose spacing is at least `min_px` pixels."""
    for mult in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if step * mult * scale >= min_px:
            return step * mult
    return step * 1000


def _fmt(v: float) -> str:
    return f"{v:g}" if abs(v - round(v)) > 1e-9 else str(int(round(v)))


def _paste_text(canvas: Image.Image, text: str, font_size: int, x: float, y: float, placed: list[Box]) -> None:
    sprite = _sprite(text, font_size, None)
    x = min(max(x, 0.0), canvas.width - sprite.width)
    y = min(max(y, 0.0), canvas.height - sprite.height)
    canvas.paste(sprite, (round(x), round(y)), sprite)
    placed.append((x, y, x + sprite.width, y + sprite.height))


def _grid(draw: ImageDraw.ImageDraw, canvas: Image.Image, camera: Camera, scene: Scene, step: float, font_size: int, placed: list[Box]) -> None:
    """A grid over the floor's bounding box, x labelled along the bottom, z down the left."""
    scale = float(camera.K[0, 0])
    x0, z0, x1, z1 = scene.room.bounds
    line_step = _grid_step_for(scale, step, 6.0)
    label_step = _grid_step_for(scale, line_step, 34.0)
    xs = np.arange(math.ceil(x0 / line_step - 1e-9) * line_step, x1 + 1e-9, line_step)
    zs = np.arange(math.ceil(z0 / line_step - 1e-9) * line_step, z1 + 1e-9, line_step)
    n_x, n_z = len(xs), len(zs)
    ends = np.concatenate([
        np.column_stack([xs, np.zeros(n_x), np.full(n_x, z0)]), np.column_stack([xs, np.zeros(n_x), np.full(n_x, z1)]),
        np.column_stack([np.full(n_z, x0), np.zeros(n_z), zs]), np.column_stack([np.full(n_z, x1), np.zeros(n_z), zs]),
    ])
    uv = camera.project(ends)[0]
    x_far, x_near = uv[:n_x], uv[n_x : 2 * n_x]  # each x line from z0 to z1 (z1 is at the bottom)
    z_left, z_right = uv[2 * n_x : 2 * n_x + n_z], uv[2 * n_x + n_z :]
    line = (60, 60, 80, 70)
    for x, a, b in zip(xs, x_far, x_near, strict=True):
        draw.line([tuple(a), tuple(b)], fill=line, width=1)
        if abs(x / label_step - round(x / label_step)) < 1e-6:
            text = f"x={_fmt(x)}"
            sprite = _sprite(text, font_size, None)
            _paste_text(canvas, text, font_size, b[0] - sprite.width / 2.0, b[1] + 3, placed)
    for z, a, b in zip(zs, z_left, z_right, strict=True):
        draw.line([tuple(a), tuple(b)], fill=line, width=1)
        if abs(z / label_step - round(z / label_step)) < 1e-6:
            text = f"z={_fmt(z)}"
            sprite = _sprite(text, font_size, None)
            _paste_text(canvas, text, font_size, a[0] - sprite.width - 4, a[1] - sprite.height / 2.0, placed)


def draw_overlays(image: Image.Image, camera: Camera, scene: Scene, settings: OverlaySettings | None = None) -> Image.Image:
    """A copy of `image` with boxes, facing arrows, ids (and, in the top view, the grid) drawn on."""
    from PIL import ImageDraw

    settings = settings or OverlaySettings()
    if image.size != (camera.width, camera.height):
        raise ValueError(f"image is {image.size}, camera {camera.name!r} is {camera.width}x{camera.height}")
    font_size = settings.font_size or max(9, round(min(camera.width, camera.height) / 42))
    canvas = image.convert("RGB") if image.mode != "RGB" else image.copy()
    draw = ImageDraw.Draw(canvas, "RGBA")  # RGBA fills blend onto the RGB image
    placed: list[Box] = []
    line_width = max(1, round(min(camera.width, camera.height) / 256))
    top_down = is_top_down(camera)
    if settings.grid and top_down:
        _grid(draw, canvas, camera, scene, settings.grid_step, font_size, placed)
    colors = [palette.darker(object_color(obj)) for obj in scene.objects]
    for obj, color in zip(scene.objects, colors, strict=True):
        if settings.boxes:
            _box_edges(draw, camera, obj.box_corners(), color + (255,), line_width, top_down)
        if settings.arrows:
            _arrow(draw, camera, obj, color + (255,), line_width + 1)
    if settings.ids and scene.objects:
        tops = np.array([[o.position[0], o.position[1] + o.size[1], o.position[2]] for o in scene.objects])
        uv, depth = camera.project(tops)
        for obj, color, (u, v), z in zip(scene.objects, colors, uv, depth, strict=True):
            if camera.projection == "perspective" and z <= camera.near:
                continue
            if not (0 <= u < camera.width and 0 <= v < camera.height):
                continue
            _label(canvas, obj.id, (u, v), font_size, placed, color)
    if settings.caption:
        caption = f"{camera.name}: x right, z down" if top_down else camera.name
        draw.text((4, 2), caption, fill=(0, 0, 0, 255), font=_font(font_size), stroke_width=2, stroke_fill=(255, 255, 255, 255))
    return canvas
