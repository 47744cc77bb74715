"""Cabinets, wardrobes, dressers, shelves and counters: fronts face +z."""

from __future__ import annotations

import math

import numpy as np

from agentscene.assets.procedural.kit import (
    DARK,
    STEEL,
    base,
    builder,
    carcass,
    clamp,
    doors,
    drawer_grid,
    front_panel,
)
from agentscene.assets.procedural.parts import MeshBuilder
from agentscene.assets.procedural.style import FABRICS, Style, shade


def _handle(st: Style, rng: np.random.Generator):
    return (DARK, STEEL, st.metal)[int(rng.integers(3))]


@builder("nightstand")
def nightstand(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    foot = clamp(h * 0.2, 0.04, 0.15) if rng.random() < 0.6 else 0.03
    base(b, w, d, foot, st, rng)
    zf = carcass(b, w, h - 0.03, d, foot, st.wood)
    rows = int(rng.integers(1, 4))
    if rng.random() < 0.4 and rows < 3:  # open shelf above the drawers
        y_split = foot + (h - 0.03 - foot) * 0.55
        drawer_grid(b, -w / 2 + 0.02, w / 2 - 0.02, foot + 0.01, y_split, zf + 0.015, rows, 1, shade(st.wood, 1.08), _handle(st, rng))
        b.box(-w / 2 + 0.03, y_split + 0.02, zf - 0.2 * d, w / 2 - 0.03, h - 0.06, zf + 0.001, shade(st.wood, 0.55))
    else:
        drawer_grid(b, -w / 2 + 0.02, w / 2 - 0.02, foot + 0.01, h - 0.04, zf + 0.015, rows, 1, shade(st.wood, 1.08), _handle(st, rng))
    b.box(-w / 2 - 0.0, h - 0.03, -d / 2, w / 2, h, d / 2, shade(st.wood, 0.9))


@builder("dresser")
def dresser(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    foot = clamp(h * 0.12, 0.04, 0.14)
    base(b, w, d, foot, st, rng)
    zf = carcass(b, w, h - 0.03, d, foot, st.wood)
    rows = int(clamp(round((h - foot) / 0.2), 2, 6))
    cols = 2 if w > 0.9 and rng.random() < 0.7 else 1
    drawer_grid(b, -w / 2 + 0.02, w / 2 - 0.02, foot + 0.01, h - 0.04, zf + 0.015, rows, cols, shade(st.wood, 1.08), _handle(st, rng))
    b.box(-w / 2, h - 0.03, -d / 2, w / 2, h, d / 2, shade(st.wood, 0.9))


@builder("wardrobe")
def wardrobe(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    foot = 0.08
    base(b, w, d, foot, st, rng)
    zf = carcass(b, w, h - 0.05, d, foot, st.wood)
    b.box(-w / 2, h - 0.05, -d / 2, w / 2, h, d / 2, shade(st.wood, 0.85))  # crown
    handle = _handle(st, rng)
    n = int(clamp(round(w / 0.5), 2, 5))
    if rng.random() < 0.35:  # two sliding panels, one may be a mirror
        mirror = rng.random() < 0.5
        b.box(-w / 2 + 0.01, foot + 0.01, zf, 0.02, h - 0.06, zf + 0.008, (190, 210, 220) if mirror else shade(st.wood, 1.1))
        b.box(-0.02, foot + 0.01, zf + 0.008, w / 2 - 0.01, h - 0.06, zf + 0.015, shade(st.wood, 1.05))
        return
    if rng.random() < 0.5:  # drawers along the bottom
        y_d = foot + 0.25
        drawer_grid(b, -w / 2 + 0.01, w / 2 - 0.01, foot + 0.005, y_d, zf + 0.015, 1, max(2, n // 2), shade(st.wood, 1.05), handle)
    else:
        y_d = foot
    for i in range(n):
        xa = -w / 2 + w * i / n
        xb = -w / 2 + w * (i + 1) / n
        b.box(xa + 0.004, y_d + 0.005, zf, xb - 0.004, h - 0.06, zf + 0.015, shade(st.wood, 1.05))
        hx = xb - 0.04 if i % 2 == 0 else xa + 0.03
        ym = y_d + (h - y_d) * 0.5
        b.box(hx, ym - 0.15, zf + 0.015, hx + 0.012, ym + 0.15, zf + 0.03, handle)


@builder("cabinet")
def cabinet(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    foot = clamp(h * 0.12, 0.04, 0.15)
    base(b, w, d, foot, st, rng)
    zf = carcass(b, w, h - 0.03, d, foot, st.wood)
    handle = _handle(st, rng)
    n = int(clamp(round(w / 0.45), 1, 4))
    top_drawers = h > 0.7 and rng.random() < 0.5
    y_top = h - 0.04 - (0.16 if top_drawers else 0.0)
    doors(b, -w / 2 + 0.01, w / 2 - 0.01, foot + 0.01, y_top, zf + 0.015, n, shade(st.wood, 1.06), handle)
    if top_drawers:
        drawer_grid(b, -w / 2 + 0.01, w / 2 - 0.01, y_top, h - 0.04, zf + 0.015, 1, n, shade(st.wood, 1.06), handle)
    b.box(-w / 2, h - 0.03, -d / 2, w / 2, h, d / 2, shade(st.wood, 0.9))


@builder("filing_cabinet")
def filing_cabinet(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    zf = carcass(b, w, h, d, 0.0, st.paint)
    rows = int(clamp(round(h / 0.3), 2, 5))
    drawer_grid(b, -w / 2 + 0.015, w / 2 - 0.015, 0.02, h - 0.02, zf + 0.015, rows, 1, shade(st.paint, 1.1), STEEL)


@builder("tv_stand")
def tv_stand(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    foot = clamp(h * 0.2, 0.03, 0.12) if rng.random() < 0.6 else 0.0
    base(b, w, d, foot, st, rng)
    zf = carcass(b, w, h - 0.03, d, max(foot, 0.0), st.wood)
    handle = _handle(st, rng)
    n = int(clamp(round(w / 0.5), 2, 4))
    for i in range(n):
        xa = -w / 2 + 0.02 + (w - 0.04) * i / n
        xb = -w / 2 + 0.02 + (w - 0.04) * (i + 1) / n
        if (i + int(rng.integers(2))) % 2 == 0:  # open compartment
            b.box(xa + 0.02, foot + 0.03, zf - d * 0.5, xb - 0.02, h - 0.06, zf + 0.001, shade(st.wood, 0.5))
        else:
            front_panel(b, xa, xb, foot + 0.01, h - 0.04, zf + 0.015, shade(st.wood, 1.08), handle, "drawer")
    b.box(-w / 2, h - 0.03, -d / 2, w / 2, h, d / 2, shade(st.wood, 0.9))


def _books(b: MeshBuilder, x0: float, x1: float, y: float, height: float, z0: float, z1: float,
           rng: np.random.Generator) -> None:
    """Runs of books: each run is one box of one colour and height (few faces, reads as books)."""
    x = x0 + 0.01
    while x < x1 - 0.05:
        if rng.random() < 0.2:  # a gap
            x += float(rng.uniform(0.05, 0.15))
            continue
        run = float(rng.uniform(0.06, 0.2))
        bh = height * float(rng.uniform(0.6, 0.9))
        colour = shade(FABRICS[int(rng.integers(len(FABRICS)))], float(rng.uniform(0.7, 1.2)))
        b.box(x, y, z0, min(x + run, x1 - 0.005), y + bh, z0 + (z1 - z0) * float(rng.uniform(0.7, 0.95)), colour)
        x += run + 0.004


@builder("bookshelf", "shelf", "shoe_rack")
def shelving(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    t = clamp(min(w, d) * 0.06, 0.015, 0.03)
    metal = rng.random() < 0.3
    frame = st.metal if metal else st.wood
    back = not metal and rng.random() < 0.7
    if metal:
        for x in (-w / 2, w / 2 - 0.025):
            for z in (-d / 2, d / 2 - 0.025):
                b.box(x, 0.0, z, x + 0.025, h, z + 0.025, frame)
    else:
        b.box(-w / 2, 0.0, -d / 2, -w / 2 + t, h, d / 2, frame)
        b.box(w / 2 - t, 0.0, -d / 2, w / 2, h, d / 2, frame)
    if back:
        b.box(-w / 2 + t, 0.0, -d / 2, w / 2 - t, h, -d / 2 + 0.01, shade(frame, 0.8))
    n = int(clamp(round(h / 0.35), 2, 7))
    for i in range(n + 1):
        y = min(h - t, i * (h - t) / n)
        b.box(-w / 2 + t * 0.5, y, -d / 2 + (0.01 if back else 0.0), w / 2 - t * 0.5, y + t, d / 2, shade(frame, 1.05))
        if i < n and (h - t) / n > 0.18:
            _books(b, -w / 2 + t, w / 2 - t, y + t, (h - t) / n - t, -d / 2 + 0.015, d / 2 - 0.02, rng)


@builder("counter", "kitchen_island")
def counter(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    top_t = 0.035
    kick = 0.09
    b.box(-w / 2 + 0.01, 0.0, -d / 2, w / 2 - 0.01, kick, d / 2 - 0.07, DARK)
    zf = d / 2 - 0.035
    b.box(-w / 2, kick, -d / 2, w / 2, h - top_t, zf, st.wood)
    handle = _handle(st, rng)
    n = int(clamp(round(w / 0.6), 1, 8))
    for i in range(n):
        xa = -w / 2 + w * i / n
        xb = -w / 2 + w * (i + 1) / n
        y_top = h - top_t - 0.16
        front_panel(b, xa, xb, y_top, h - top_t - 0.005, zf + 0.015, shade(st.wood, 1.06), handle, "drawer")
        front_panel(b, xa, xb, kick + 0.005, y_top, zf + 0.015, shade(st.wood, 1.06), handle,
                    "door_left" if i % 2 == 0 else "door_right")
    stone = ((226, 224, 220), (60, 60, 62), (200, 190, 170), (150, 150, 146))[int(rng.integers(4))]
    b.box(-w / 2, h - top_t, -d / 2, w / 2, h, d / 2, stone)


@builder("coat_rack")
def coat_rack(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    r = min(w, d) / 2.0
    for k in range(3):
        a = 2 * math.pi * k / 3
        b.rod((0.0, 0.15, 0.0), (r * math.cos(a), 0.0, r * math.sin(a)), 0.015, st.wood, n=6)
    b.cyl(0.0, 0.0, 0.0, 0.022, h, st.wood, n=8)
    for k in range(4):
        a = 2 * math.pi * k / 4 + 0.4
        b.rod((0.0, h * 0.88, 0.0), (r * 0.6 * math.cos(a), h * 0.97, r * 0.6 * math.sin(a)), 0.01, st.metal, n=5)
    b.sphere((0.0, h - 0.02, 0.0), 0.03, st.wood, subdivisions=0)
