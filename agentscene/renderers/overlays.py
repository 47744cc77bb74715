"""Annotations drawn over a rendered view so a VLM can read and edit coordinates.

Each object gets its bounding-box outline, an arrow for the direction it faces and its id;
the top view also gets a 1 m grid labelled with x (along the bottom) and z (down the left
side), and ceiling items appear there as dashed outlines. `overlay_layout` decides what goes
where (for many views at once); this module holds the settings, the text sprites both
painters share, and the Pillow painter, which draws a layout on any backend's image.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from agentscene.renderers.cameras import Camera, is_top_down

if TYPE_CHECKING:
    from PIL import Image, ImageFont

    from agentscene.renderers.overlay_layout import Layer
    from agentscene.scene import Scene

__all__ = ["OverlaySettings", "SpriteKey", "draw_overlays", "is_top_down", "paint", "sprite", "sprite_size"]


class OverlaySettings(BaseModel):
    """Which annotations to draw; `render(..., overlays=False)` skips them all (ceiling outlines stay)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    boxes: bool = True
    arrows: bool = True
    ids: bool = True
    grid: bool = True
    grid_step: float = Field(default=1.0, gt=0.0, description="metres between grid lines in the top view")
    caption: bool = True
    font_size: int | None = Field(default=None, ge=6, le=96, description="None: scaled with the image")
    max_labels: int = Field(default=200, ge=0, le=10_000, description="ids drawn per view at most (the first objects in scene order); bounds the cost of huge scenes")
    engine: Literal["auto", "numpy", "compiled"] = Field(default="auto", description=(
        "how id labels are placed and outlines become vertices (the same result either way): numpy; compiled "
        "(numba, `agentscene[fast]`); auto: compiled where numba is installed and a call is large (a batch), else numpy"))


def use_compiled(engine: str, size: int, threshold: int) -> bool:
    """Whether a step of `size` items runs in compiled code under `engine` (see OverlaySettings.engine):
    auto compiles from `threshold` items, below which numpy is as fast and needs no numba import or compile."""
    if engine == "numpy" or (engine == "auto" and size < threshold):
        return False  # before looking for numba: small calls (every single render) skip the search
    has_numba = importlib.util.find_spec("numba") is not None
    if engine == "compiled" and not has_numba:
        raise ImportError("OverlaySettings(engine='compiled') needs numba: pip install 'agentscene[fast]'")
    return has_numba


class SpriteKey(NamedTuple):
    """A piece of text as drawn: kind label (boxed, outlined in `color`), plain (grid) or caption."""

    kind: str
    text: str
    font_size: int
    color: tuple[int, int, int] | None = None


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


@lru_cache(maxsize=8192)
def sprite(key: SpriteKey) -> Image.Image:
    """The text rendered once (RGBA) and pasted after: ids repeat across turns, scenes and views."""
    from PIL import Image, ImageDraw

    font = _font(key.font_size)
    if key.kind == "caption":
        left, top, right, bottom = font.getbbox(key.text, stroke_width=2)
        image = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
        ImageDraw.Draw(image).text((-left, -top), key.text, fill=(0, 0, 0, 255), font=font, stroke_width=2, stroke_fill=(255, 255, 255, 255))
        return image
    left, top, right, bottom = font.getbbox(key.text)
    boxed = key.kind == "label"
    pad_x, pad_y = (2, 1) if boxed else (0, 0)
    image = Image.new("RGBA", (right - left + 2 * pad_x, bottom - top + 2 * pad_y), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if boxed:
        outline = tuple(key.color or (0, 0, 0)) + (255,)
        draw.rectangle((0, 0, image.width - 1, image.height - 1), fill=(255, 255, 255, 215), outline=outline)
        draw.text((pad_x - left, pad_y - top), key.text, fill=(0, 0, 0, 255), font=font)
    else:
        draw.text((-left, -top), key.text, fill=(40, 40, 60, 255), font=font)
    return image


def sprite_size(key: SpriteKey) -> tuple[int, int]:
    return sprite(key).size


def paint(canvas: Image.Image, layers: list[Layer]) -> Image.Image:
    """Draw one view's layers onto an RGB image in place (Pillow; pixel centres at +0.5)."""
    from PIL import ImageDraw

    draw = ImageDraw.Draw(canvas, "RGBA")  # RGBA fills blend onto the RGB image
    for layer in layers:
        if layer.kind == "segments":
            assert layer.rgba is not None and layer.width is not None
            for (x0, y0, x1, y1), rgba, width in zip(layer.xy.tolist(), layer.rgba.tolist(), layer.width.tolist(), strict=True):
                draw.line([(x0 - 0.5, y0 - 0.5), (x1 - 0.5, y1 - 0.5)], fill=tuple(rgba), width=round(width))
        elif layer.kind == "triangles":
            assert layer.rgba is not None
            for tri, rgba in zip(layer.xy.tolist(), layer.rgba.tolist(), strict=True):
                draw.polygon([(x - 0.5, y - 0.5) for x, y in tri], fill=tuple(rgba))
        else:
            for key, (x, y) in zip(layer.keys, layer.xy.tolist(), strict=True):
                image = sprite(key)
                canvas.paste(image, (round(x), round(y)), image)
    return canvas


def draw_overlays(image: Image.Image, camera: Camera, scene: Scene, settings: OverlaySettings | None = None, *, overlays: bool = True) -> Image.Image:
    """A copy of `image` with boxes, facing arrows, ids (and, in the top view, the grid) drawn on.

    `overlays=False` draws only what the view needs to be read: ceiling items' outlines in the top view.
    """
    from agentscene.renderers.overlay_layout import layout_overlays

    if image.size != (camera.width, camera.height):
        raise ValueError(f"image is {image.size}, camera {camera.name!r} is {camera.width}x{camera.height}")
    layout = layout_overlays([(scene, camera)], settings or OverlaySettings(), overlays=overlays)
    canvas = image.convert("RGB") if image.mode != "RGB" else image.copy()
    return paint(canvas, layout.view(0))
