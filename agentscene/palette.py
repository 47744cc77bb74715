"""Colours: a per-category palette (for boxes and uncoloured meshes) and the colours a mesh carries.

Category colours are muted and distinct from the floor, so a VLM can tell neighbours apart;
categories without an entry get a stable colour derived from the name (never random).
"""

from __future__ import annotations

import colorsys
import hashlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import trimesh

RGB = tuple[int, int, int]

FLOOR: RGB = (214, 204, 186)
WALL: RGB = (150, 150, 158)
WINDOW: RGB = (140, 190, 235)
BACKGROUND: RGB = (255, 255, 255)
CORD: RGB = (90, 90, 96)

CATEGORY_COLORS: dict[str, RGB] = {
    "bed": (94, 129, 181),
    "crib": (120, 160, 200),
    "nightstand": (166, 118, 80),
    "wardrobe": (128, 92, 66),
    "dresser": (150, 106, 72),
    "vanity": (190, 150, 170),
    "desk": (176, 134, 84),
    "office_chair": (60, 60, 70),
    "dining_table": (160, 112, 62),
    "dining_chair": (196, 148, 90),
    "bar_stool": (110, 90, 80),
    "stool": (150, 120, 100),
    "sofa": (96, 150, 120),
    "sectional_sofa": (80, 140, 110),
    "armchair": (170, 120, 150),
    "chair": (200, 150, 80),
    "bench": (140, 110, 80),
    "ottoman": (180, 140, 120),
    "coffee_table": (120, 84, 60),
    "side_table": (170, 130, 90),
    "console_table": (140, 100, 70),
    "tv_stand": (80, 80, 90),
    "tv": (30, 30, 36),
    "monitor": (40, 40, 48),
    "bookshelf": (140, 96, 60),
    "shelf": (160, 120, 84),
    "cabinet": (150, 130, 110),
    "kitchen_island": (200, 190, 170),
    "counter": (190, 180, 165),
    "fridge": (210, 215, 220),
    "stove": (70, 70, 75),
    "sink": (200, 210, 220),
    "toilet": (235, 235, 240),
    "bathtub": (225, 232, 240),
    "shower": (180, 210, 225),
    "floor_lamp": (230, 200, 90),
    "table_lamp": (240, 210, 100),
    "ceiling_lamp": (245, 225, 130),
    "rug": (170, 80, 80),
    "yoga_mat": (120, 90, 170),
    "plant": (70, 150, 70),
    "mirror": (190, 215, 230),
    "painting": (200, 120, 60),
    "curtain": (180, 170, 200),
    "piano": (25, 25, 25),
    "treadmill": (70, 75, 85),
    "exercise_bike": (90, 95, 110),
}


def category_color(category: str) -> RGB:
    """The palette colour of a category; unknown categories get a stable hue from their name."""
    known = CATEGORY_COLORS.get(category)
    if known is not None:
        return known
    digest = hashlib.sha1(category.encode("utf-8")).digest()
    hue = digest[0] / 255.0
    sat = 0.35 + 0.25 * digest[1] / 255.0
    val = 0.55 + 0.3 * digest[2] / 255.0
    r, g, b = colorsys.hsv_to_rgb(hue, sat, val)
    return int(r * 255), int(g * 255), int(b * 255)


def mesh_face_colors(mesh: trimesh.Trimesh) -> np.ndarray | None:
    """Per-face RGB (F, 3) uint8 from the mesh's own visuals, or None when it carries no colour."""
    visual = mesh.visual
    kind = visual.kind
    if kind in ("face", "vertex"):
        return np.asarray(visual.face_colors, dtype=np.uint8)[:, :3].copy()
    if kind == "texture":
        material = visual.material
        uv = getattr(visual, "uv", None)
        if uv is not None and len(uv) == len(mesh.vertices):
            vertex_rgba = np.asarray(material.to_color(uv), dtype=np.float64).reshape(len(mesh.vertices), -1)
            return vertex_rgba[mesh.faces][:, :, :3].mean(axis=1).round().astype(np.uint8)
        main = np.asarray(material.main_color, dtype=np.uint8).reshape(-1)[:3]
        return np.broadcast_to(main, (len(mesh.faces), 3)).copy()
    return None


def darker(color: RGB, factor: float = 0.55) -> RGB:
    return tuple(int(c * factor) for c in color)  # type: ignore[return-value]


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """sRGB values in [0, 1] to linear light (what Blender's colour attributes expect)."""
    c = np.asarray(rgb, dtype=np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
