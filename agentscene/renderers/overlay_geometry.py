"""The overlay layout as GL vertices: every layer's primitives as triangles, cut into atlas passes.

Segments become quads (two triangles, square caps of half a pixel like Pillow's line ends),
sprites textured quads from the sprite texture, triangles stay triangles. A vertex is 8 float32:
x, y in atlas pixels, u, v (solid colour: v = -1, u = -1 - the view), r, g, b, a. Vertices are written one column at a
time as 8-byte units (numpy copies long strided columns quickly and short rows slowly), into a
buffer the renderer reuses, and handed to `gl_batch.draw_pass` in draw order.
"""

from __future__ import annotations

import numpy as np

from agentscene.renderers.gl_batch import SPRITE_ATLAS
from agentscene.renderers.overlay_layout import Layer
from agentscene.renderers.overlays import SpriteKey, use_compiled

__all__ = ["overlay_floats", "overlay_vertices"]


def overlay_vertices(layers: list[Layer], tile_xy: np.ndarray, sprite_at: dict[SpriteKey, tuple[int, int, int, int]],
                     scratch: np.ndarray | None = None, engine: str = "auto") -> list[np.ndarray]:
    """The layout of one atlas pass (view k = row k of the pass' tile texture) as triangles, in draw
    order: (V, 8) float32 vertex chunks (x, y in atlas pixels, u, v, r, g, b, a), drawn one after
    the other. Solid vertices carry v = -1 and u = -1 - their view, which the shader uses to keep
    them inside their tile. The chunks are views into `scratch` (a float32 buffer the caller
    reuses, large enough: see `overlay_floats`) or, without it, into fresh arrays. `engine`: as
    `OverlaySettings.engine` (segment layers of a batch are written by a compiled loop)."""
    chunks: list[np.ndarray] = []
    at = 0
    for layer in layers:
        if not len(layer.view):
            continue
        corners = _CORNERS[layer.kind]
        size = len(layer.view) * corners * 8
        out = (np.empty(size, np.float32) if scratch is None else scratch[at : at + size]).reshape(-1, corners, 8)
        at += size
        off = tile_xy[layer.view].astype(np.float32, copy=False)
        if layer.kind == "segments" and use_compiled(engine, len(layer.view), COMPILED_MIN_SEGMENTS):
            from agentscene.renderers.kernels import segment_vertices

            segment_vertices(layer.xy, off, layer.width, layer.rgba, layer.view.astype(np.int64, copy=False), out)
        else:
            _layer_vertices(layer, off, sprite_at, out)
            if layer.kind != "sprites":
                out[:, :, 2] = (-1.0 - layer.view).astype(np.float32)[:, None]
        chunks.append(out.reshape(-1, 8))
    return chunks


#: A quad's corners (numbered around it) as the two triangles drawn.
QUAD_TRIANGLES = (0, 1, 2, 0, 2, 3)
#: engine="auto" writes a segment layer in compiled code (numba, where installed) from this many segments.
COMPILED_MIN_SEGMENTS = 1024
_CORNERS = {"segments": 6, "triangles": 3, "sprites": 6}  # vertices per primitive (a segment or sprite is two triangles)


def overlay_floats(layers: list[Layer]) -> int:
    """The float32s `overlay_vertices` writes for these layers."""
    return sum(len(layer.view) * _CORNERS[layer.kind] * 8 for layer in layers)


def _layer_vertices(layer: Layer, off: np.ndarray, sprite_at: dict[SpriteKey, tuple[int, int, int, int]],
                    out: np.ndarray | None = None) -> np.ndarray:
    """One layer's primitives as (K, corners, 8) float32 vertices (into `out` if given); `off`: each primitive's tile corner."""
    if out is None:
        out = np.empty((len(layer.view), _CORNERS[layer.kind], 8), np.float32)
    # vertices are written as 8-byte units (x, y | u, v | r, g | b, a), one column of the output at a time:
    # numpy copies long strided columns quickly and short rows slowly
    units = out.view(np.uint64)  # (K, corners, 4)
    if layer.kind == "segments":  # a quad around each segment, computed per coordinate (x and y arrays)
        assert layer.rgba is not None and layer.width is not None
        xy, ox, oy = layer.xy, off[:, 0], off[:, 1]
        p0x, p0y, p1x, p1y = xy[:, 0] + ox, xy[:, 1] + oy, xy[:, 2] + ox, xy[:, 3] + oy
        dx, dy = p1x - p0x, p1y - p0y
        length = np.hypot(dx, dy)
        long = length > 1e-6
        safe = np.where(long, length, 1.0)
        ux, uy = np.where(long, dx / safe, np.float32(1.0)), np.where(long, dy / safe, np.float32(0.0))  # unit direction
        half = layer.width / 2.0
        nx, ny = -uy * half, ux * half  # half the width across
        ex, ey = ux * 0.5, uy * 0.5  # square caps of half a pixel, like Pillow's line ends
        ax, ay, bx, by = p0x - ex, p0y - ey, p1x + ex, p1y + ey
        corners = ((ax - nx, ay - ny), (bx - nx, by - ny), (bx + nx, by + ny), (ax + nx, ay + ny))
        for c, k in enumerate(QUAD_TRIANGLES):
            out[:, c, 0], out[:, c, 1] = corners[k]
        _solid(units, layer.rgba)
    elif layer.kind == "triangles":
        assert layer.rgba is not None
        units[:, :, 0] = (layer.xy + off[:, None, :]).view(np.uint64)[..., 0]
        _solid(units, layer.rgba)
    else:
        table, index = layer.key_table()
        rects = np.array([sprite_at[k] for k in table], dtype=np.float32).reshape(-1, 4)[index]  # x, y, w, h in the texture
        x0 = layer.xy + off
        x1 = x0 + rects[:, 2:]
        t0 = rects[:, :2] / SPRITE_ATLAS
        t1 = (rects[:, :2] + rects[:, 2:]) / SPRITE_ATLAS
        corners = [(x0, t0), (np.column_stack([x1[:, 0], x0[:, 1]]), np.column_stack([t1[:, 0], t0[:, 1]])), (x1, t1),
                   (np.column_stack([x0[:, 0], x1[:, 1]]), np.column_stack([t0[:, 0], t1[:, 1]]))]  # TL, TR, BR, BL
        for c, k in enumerate(QUAD_TRIANGLES):
            units[:, c, 0] = _unit(corners[k][0])
            units[:, c, 1] = _unit(corners[k][1])
        units[:, :, 2] = units[:, :, 3] = _unit(np.ones((1, 2), np.float32))[0]  # white: the sprite's own colours
    return out


def _unit(pairs: np.ndarray) -> np.ndarray:
    """(K, 2) float32 as (K,) 8-byte units (the same bytes)."""
    return np.ascontiguousarray(pairs, dtype=np.float32).view(np.uint64)[:, 0]


def _solid(units: np.ndarray, rgba: np.ndarray) -> None:
    """Texture coordinates -1 (no texture) and colour in [0, 1] into every vertex of solid primitives."""
    units[:, :, 1] = _NO_TEXTURE
    colour = (rgba.astype(np.float32) / 255.0).view(np.uint64)  # (K, 2): r, g | b, a
    units[:, :, 2] = colour[:, 0:1]
    units[:, :, 3] = colour[:, 1:2]


_NO_TEXTURE = np.array([-1.0, -1.0], np.float32).view(np.uint64)[0]  # u, v = -1: a solid colour
