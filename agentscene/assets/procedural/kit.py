"""Shared pieces of procedural furniture (legs, drawer fronts, cushions) and the builder table.

A builder draws one category into a MeshBuilder inside the box x in [-w/2, w/2],
y in [0, h], z in [-d/2, d/2], with its front towards +z. The final mesh is scaled to exactly
[w, h, d], so builders only need to stay roughly inside the box.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from agentscene.assets.procedural.parts import Colour, MeshBuilder
from agentscene.assets.procedural.style import Style, shade

Builder = Callable[[MeshBuilder, float, float, float, Style, np.random.Generator], None]

BUILDERS: dict[str, Builder] = {}

DARK: Colour = (28, 28, 30)
SCREEN: Colour = (18, 22, 30)
WHITE: Colour = (238, 238, 234)
LINEN: Colour = (236, 232, 222)
GLASS: Colour = (176, 206, 214)
STEEL: Colour = (176, 180, 186)
SOIL: Colour = (70, 50, 36)
LEAF: Colour = (62, 122, 62)


def builder(*categories: str) -> Callable[[Builder], Builder]:
    """Register a function as the builder of these categories."""

    def deco(fn: Builder) -> Builder:
        for c in categories:
            BUILDERS[c] = fn
        return fn

    return deco


def clamp(v: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, v))


def corners(w: float, d: float, inset: float) -> list[tuple[float, float]]:
    hx, hz = w / 2.0 - inset, d / 2.0 - inset
    return [(-hx, -hz), (hx, -hz), (hx, hz), (-hx, hz)]


def legs(b: MeshBuilder, spots, y0: float, y1: float, t: float, colour: Colour, kind: str = "square") -> None:
    """Legs at (x, z) spots from y0 to y1; kind: square, round, tapered, splayed."""
    for x, z in spots:
        if kind == "round":
            b.cyl(x, y0, z, t / 2.0, y1 - y0, colour, n=8)
        elif kind == "tapered":
            b.cyl(x, y0, z, t * 0.3, y1 - y0, colour, n=4, top_radius=t * 0.6)
        elif kind == "splayed":
            sx, sz = np.sign(x) * t * 0.8, np.sign(z) * t * 0.8
            b.rod((x + sx, y0, z + sz), (x, y1, z), t / 2.0, colour, n=6)
        else:
            b.box(x - t / 2, y0, z - t / 2, x + t / 2, y1, z + t / 2, colour)


def leg_kind(rng: np.random.Generator) -> str:
    return ("square", "round", "tapered", "splayed")[int(rng.integers(4))]


def front_panel(b: MeshBuilder, x0: float, x1: float, y0: float, y1: float, zf: float, colour: Colour,
                handle: Colour, kind: str = "drawer", gap: float = 0.006) -> None:
    """A drawer or door front on the plane z = zf (protruding 1.5 cm) with a handle."""
    b.box(x0 + gap, y0 + gap, zf - 0.015, x1 - gap, y1 - gap, zf, colour)
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    if kind == "drawer":
        hw = min(0.12, (x1 - x0) * 0.3)
        b.box(cx - hw / 2, cy - 0.008, zf, cx + hw / 2, cy + 0.008, zf + 0.012, handle)
    elif kind == "door_left":
        hh = min(0.2, (y1 - y0) * 0.3)
        b.box(x1 - 0.04, cy - hh / 2, zf, x1 - 0.025, cy + hh / 2, zf + 0.012, handle)
    elif kind == "door_right":
        hh = min(0.2, (y1 - y0) * 0.3)
        b.box(x0 + 0.025, cy - hh / 2, zf, x0 + 0.04, cy + hh / 2, zf + 0.012, handle)


def drawer_grid(b: MeshBuilder, x0: float, x1: float, y0: float, y1: float, zf: float, rows: int, cols: int,
                colour: Colour, handle: Colour) -> None:
    for r in range(rows):
        for c in range(cols):
            xa = x0 + (x1 - x0) * c / cols
            xb = x0 + (x1 - x0) * (c + 1) / cols
            ya = y0 + (y1 - y0) * r / rows
            yb = y0 + (y1 - y0) * (r + 1) / rows
            front_panel(b, xa, xb, ya, yb, zf, colour, handle, "drawer")


def doors(b: MeshBuilder, x0: float, x1: float, y0: float, y1: float, zf: float, n: int,
          colour: Colour, handle: Colour) -> None:
    for i in range(n):
        xa = x0 + (x1 - x0) * i / n
        xb = x0 + (x1 - x0) * (i + 1) / n
        kind = "door_left" if i % 2 == 0 else "door_right"
        front_panel(b, xa, xb, y0, y1, zf, colour, handle, kind)


def carcass(b: MeshBuilder, w: float, h: float, d: float, y0: float, colour: Colour, front_depth: float = 0.015) -> float:
    """The body of a cabinet from y0 to h, leaving `front_depth` at the front for panels. Returns the
    z of the front face."""
    zf = d / 2.0 - front_depth
    b.box(-w / 2, y0, -d / 2, w / 2, h, zf, colour)
    return zf


def base(b: MeshBuilder, w: float, d: float, height: float, st: Style, rng: np.random.Generator,
         colour: Colour | None = None) -> None:
    """Short legs or a recessed plinth under a cabinet."""
    if height <= 0:
        return
    if rng.random() < 0.5:
        t = clamp(min(w, d) * 0.08, 0.025, 0.05)
        legs(b, corners(w, d, t), 0.0, height, t, colour or st.metal, ("square", "round", "tapered")[int(rng.integers(3))])
    else:
        b.box(-w / 2 + 0.02, 0.0, -d / 2 + 0.02, w / 2 - 0.02, height, d / 2 - 0.04, shade(colour or st.wood, 0.6))


def cushion(b: MeshBuilder, x0: float, y0: float, z0: float, x1: float, y1: float, z1: float, colour: Colour) -> None:
    """A seat or back cushion: a box with a slightly darker seam band."""
    b.box(x0, y0, z0, x1, y1, z1, colour)
