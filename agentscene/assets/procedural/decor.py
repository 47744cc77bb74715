"""Beds, lamps, rugs, plants, wall decor, instruments and small containers."""

from __future__ import annotations

import math

import numpy as np

from agentscene.assets.procedural.kit import (
    DARK,
    GLASS,
    LEAF,
    LINEN,
    SOIL,
    STEEL,
    WHITE,
    builder,
    clamp,
    corners,
    legs,
)
from agentscene.assets.procedural.parts import MeshBuilder, rotation_z
from agentscene.assets.procedural.style import FABRICS, Style, shade

SHADE: tuple = (240, 230, 204)


@builder("bed")
def bed(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    frame_top = clamp(h * 0.3, 0.18, 0.35)
    mattress = clamp(h * 0.2, 0.12, 0.25)
    head_d = 0.08
    frame = st.wood if rng.random() < 0.6 else st.fabric
    legs(b, corners(w, d, 0.05), 0.0, frame_top * 0.4, 0.06, st.wood, ("square", "round", "tapered")[int(rng.integers(3))])
    b.box(-w / 2, frame_top * 0.4, -d / 2 + head_d, w / 2, frame_top, d / 2, frame)
    m_top = min(h * 0.75, frame_top + mattress)
    b.box(-w / 2 + 0.03, frame_top, -d / 2 + head_d + 0.01, w / 2 - 0.03, m_top, d / 2 - 0.03, LINEN)
    b.box(-w / 2 + 0.02, m_top - 0.1, -d / 2 + head_d + d * 0.3, w / 2 - 0.02, m_top + 0.03, d / 2 - 0.02, st.fabric)
    n_pillows = 2 if w > 1.2 else 1
    for i in range(n_pillows):
        x0 = -w / 2 + 0.08 + (w - 0.16) * i / n_pillows
        x1 = -w / 2 + 0.08 + (w - 0.16) * (i + 1) / n_pillows - 0.04
        b.box(x0, m_top, -d / 2 + head_d + 0.05, x1, m_top + 0.1, -d / 2 + head_d + 0.4, st.accent)
    style = int(rng.integers(4))
    if style == 0:  # panel headboard
        b.box(-w / 2, 0.0, -d / 2, w / 2, h, -d / 2 + head_d, frame)
    elif style == 1:  # upholstered, with a rolled top
        b.box(-w / 2, frame_top * 0.4, -d / 2, w / 2, h - 0.05, -d / 2 + head_d, st.fabric)
        b.rod((-w / 2, h - 0.05, -d / 2 + head_d / 2), (w / 2, h - 0.05, -d / 2 + head_d / 2), head_d * 0.6, st.fabric, n=10)
    elif style == 2:  # slatted
        for x in (-w / 2, w / 2 - 0.06):
            b.box(x, 0.0, -d / 2, x + 0.06, h, -d / 2 + head_d, st.wood)
        b.box(-w / 2, h - 0.06, -d / 2, w / 2, h, -d / 2 + head_d, st.wood)
        n = int(clamp(round(w / 0.15), 3, 14))
        for i in range(n):
            x = -w / 2 + 0.06 + (w - 0.12) * (i + 0.5) / n
            b.box(x - 0.02, m_top, -d / 2 + 0.02, x + 0.02, h - 0.06, -d / 2 + head_d - 0.02, st.wood)
    else:  # low headboard and a footboard
        b.box(-w / 2, 0.0, -d / 2, w / 2, h, -d / 2 + head_d, frame)
        b.box(-w / 2, 0.0, d / 2 - 0.05, w / 2, m_top * 0.9, d / 2, frame)


@builder("crib")
def crib(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    legs(b, corners(w, d, 0.03), 0.0, h, 0.05, st.wood)
    b.box(-w / 2 + 0.03, h * 0.3, -d / 2 + 0.03, w / 2 - 0.03, h * 0.3 + 0.12, d / 2 - 0.03, LINEN)
    for z in (-d / 2 + 0.015, d / 2 - 0.015):
        b.box(-w / 2, h - 0.04, z - 0.015, w / 2, h, z + 0.015, st.wood)
        for i in range(int(clamp(round(w / 0.08), 3, 30))):
            x = -w / 2 + 0.05 + (w - 0.1) * i / max(1, int(clamp(round(w / 0.08), 3, 30)) - 1)
            b.box(x - 0.01, h * 0.3, z - 0.01, x + 0.01, h - 0.04, z + 0.01, st.wood)
    for x in (-w / 2 + 0.015, w / 2 - 0.015):
        b.box(x - 0.015, h - 0.04, -d / 2, x + 0.015, h, d / 2, st.wood)
        for i in range(int(clamp(round(d / 0.08), 3, 30))):
            z = -d / 2 + 0.05 + (d - 0.1) * i / max(1, int(clamp(round(d / 0.08), 3, 30)) - 1)
            b.box(x - 0.01, h * 0.3, z - 0.01, x + 0.01, h - 0.04, z + 0.01, st.wood)


def _shade(b: MeshBuilder, x: float, y: float, z: float, r: float, height: float, colour, kind: int) -> None:
    if kind == 0:  # drum
        b.cyl(x, y, z, r, height, colour, n=14)
    elif kind == 1:  # empire (tapered)
        b.cyl(x, y, z, r, height, colour, n=14, top_radius=r * 0.6)
    else:  # dome
        b.cyl(x, y, z, r, height * 0.5, colour, n=14, top_radius=r * 0.85)
        b.cyl(x, y + height * 0.5, z, r * 0.85, height * 0.5, colour, n=14, top_radius=r * 0.2)


@builder("floor_lamp")
def floor_lamp(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    r = min(w, d) / 2
    if rng.random() < 0.35 and d > 0.25:  # arc lamp: base at the back, shade hanging at the front
        bz = -d / 2 + r * 0.5
        b.cyl(0.0, 0.0, bz, r * 0.5, 0.05, st.metal, n=14)
        pts = [(0.0, 0.05, bz)]
        for k in range(1, 7):
            t = k / 6
            pts.append((0.0, 0.05 + (h - 0.3) * math.sin(t * math.pi / 2) + 0.15 * t, bz + (d * 0.85) * (1 - math.cos(t * math.pi / 2))))
        for p0, p1 in zip(pts, pts[1:], strict=False):
            b.rod(p0, p1, 0.012, st.metal, n=6)
        tip = pts[-1]
        _shade(b, 0.0, tip[1] - 0.2, min(tip[2], d / 2 - r * 0.6), min(r * 0.8, 0.2), 0.2, st.metal, 2)
        return
    b.cyl(0.0, 0.0, 0.0, r * 0.7, 0.03, st.metal, n=14)
    sh = clamp(h * 0.2, 0.15, 0.4)
    b.cyl(0.0, 0.03, 0.0, 0.013, h - sh - 0.03, st.metal, n=6)
    _shade(b, 0.0, h - sh, 0.0, r, sh, SHADE if rng.random() < 0.7 else st.paint, int(rng.integers(3)))


@builder("table_lamp")
def table_lamp(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    r = min(w, d) / 2
    sh = h * 0.42
    if rng.random() < 0.5:  # round ceramic body on a flat foot (a ball alone would roll over)
        foot = min(0.015, (h - sh) * 0.1)
        b.cyl(0.0, 0.0, 0.0, r * 0.3, foot, st.metal, n=12)
        b.sphere((0.0, foot + (h - sh - foot) * 0.4, 0.0), (r * 0.5, (h - sh - foot) * 0.4, r * 0.5), st.paint)
        b.cyl(0.0, (h - sh) * 0.75, 0.0, 0.012, (h - sh) * 0.25, st.metal, n=6)
    else:  # metal stem on a disc
        b.cyl(0.0, 0.0, 0.0, r * 0.5, 0.02, st.metal, n=12)
        b.cyl(0.0, 0.02, 0.0, 0.01, h - sh - 0.02, st.metal, n=6)
    _shade(b, 0.0, h - sh, 0.0, r, sh, SHADE, int(rng.integers(3)))


@builder("ceiling_lamp")
def ceiling_lamp(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    r = min(w, d) / 2
    b.cyl(0.0, h - 0.025, 0.0, min(0.07, r * 0.4), 0.025, st.metal, n=12)
    style = int(rng.integers(3))
    if style == 0:  # pendant
        sh = min(h * 0.5, 0.35)
        b.cyl(0.0, sh, 0.0, 0.006, h - sh - 0.025, DARK, n=5)
        _shade(b, 0.0, 0.0, 0.0, r, sh, st.metal if rng.random() < 0.5 else GLASS, int(rng.integers(3)))
    elif style == 1:  # chandelier
        b.cyl(0.0, h * 0.3, 0.0, 0.015, h * 0.7 - 0.025, st.metal, n=6)
        n = int(rng.integers(4, 8))
        for k in range(n):
            a = 2 * math.pi * k / n
            end = (r * 0.85 * math.cos(a), h * 0.25, r * 0.85 * math.sin(a))
            b.rod((0.0, h * 0.32, 0.0), end, 0.008, st.metal, n=5)
            b.cyl(end[0], end[1], end[2], 0.02, 0.12, (250, 244, 220), n=6)
        b.sphere((0.0, h * 0.3, 0.0), 0.05, st.metal, subdivisions=0)
        b.cyl(0.0, 0.0, 0.0, 0.02, h * 0.25, st.metal, n=6)
    else:  # flush dome
        b.cyl(0.0, 0.0, 0.0, r * 0.6, h * 0.4, (250, 248, 240), n=16, top_radius=r)
        b.cyl(0.0, h * 0.4, 0.0, r, h * 0.6 - 0.025, st.metal, n=16, top_radius=r * 0.9)


@builder("wall_lamp")
def wall_lamp(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    b.box(-w * 0.2, h * 0.3, -d / 2, w * 0.2, h * 0.7, -d / 2 + 0.02, st.metal)
    b.rod((0.0, h * 0.5, -d / 2 + 0.02), (0.0, h * 0.5, 0.0), 0.01, st.metal, n=5)
    _shade(b, 0.0, h * 0.3, 0.05, min(w, d) * 0.45, h * 0.6, SHADE, int(rng.integers(3)))


@builder("rug", "yoga_mat")
def rug(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    border = clamp(min(w, d) * 0.06, 0.0, 0.15) if rng.random() < 0.7 else 0.0
    if rng.random() < 0.3 and abs(w - d) < 0.1 * max(w, d):  # round rug
        b.cyl(0.0, 0.0, 0.0, w / 2, h * 0.8, shade(st.fabric, 0.8), n=24, rz=d / 2)
        b.cyl(0.0, 0.0, 0.0, w / 2 - border, h, st.fabric, n=24, rz=d / 2 - border)
        return
    b.box(-w / 2, 0.0, -d / 2, w / 2, h * 0.8, d / 2, shade(st.fabric, 0.75))
    b.box(-w / 2 + border, 0.0, -d / 2 + border, w / 2 - border, h, d / 2 - border, st.fabric)
    if border and rng.random() < 0.5:  # a simple central motif
        b.box(-w * 0.15, 0.0, -d * 0.15, w * 0.15, h * 1.0, d * 0.15, shade(st.fabric, 1.3))


@builder("plant")
def plant(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    r = min(w, d) / 2
    pot_h = clamp(h * 0.25, 0.08, 0.4)
    pot = st.paint
    b.cyl(0.0, 0.0, 0.0, r * 0.45, pot_h, pot, n=12, top_radius=r * 0.55)
    b.cyl(0.0, pot_h - 0.02, 0.0, r * 0.5, 0.021, SOIL, n=12)
    leaf = LEAF
    kind = int(rng.integers(3))
    if kind == 0:  # bushy, starting right above the soil
        rr0 = min(r, (h - pot_h) * 0.3)
        b.sphere((0.0, pot_h + rr0 * 0.8, 0.0), (r * 0.7, rr0, r * 0.7), leaf)
        for _ in range(5):
            cx, cz = rng.uniform(-r * 0.5, r * 0.5, 2)
            cy = pot_h + (h - pot_h) * float(rng.uniform(0.3, 0.7))
            rr = min(r, (h - pot_h) * 0.35) * float(rng.uniform(0.6, 1.0))
            b.sphere((cx, cy, cz), (rr, min(rr, h - cy), rr), shade(leaf, float(rng.uniform(0.8, 1.2))))
    elif kind == 1:  # tree: trunk and crown
        b.cyl(0.0, pot_h, 0.0, 0.02, (h - pot_h) * 0.5, (100, 72, 48), n=6)
        cy = pot_h + (h - pot_h) * 0.68
        b.sphere((0.0, cy, 0.0), (r, (h - pot_h) * 0.32, r), leaf)
        b.sphere((r * 0.3, cy + 0.05, r * 0.2), (r * 0.6, (h - pot_h) * 0.22, r * 0.6), shade(leaf, 1.2))
    else:  # tall leaves
        for k in range(7):
            a = 2 * math.pi * k / 7
            tip = (r * 0.9 * math.cos(a), h, r * 0.9 * math.sin(a))
            b.rod((0.0, pot_h, 0.0), (tip[0] * 0.8, h * float(rng.uniform(0.75, 1.0)), tip[2] * 0.8), 0.03,
                  shade(leaf, float(rng.uniform(0.8, 1.2))), n=4, top_radius=0.005)


def _wall_panel(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator,
                face: str, round_: bool) -> None:
    """A framed flat panel on the wall (back at -z): glass, white board, canvas or clock face."""
    fd = min(d, 0.05)
    f = min(clamp(min(w, h) * 0.05, 0.01, 0.06), min(w, h) / 4)  # a thin panel keeps a canvas inside its frame
    z = -d / 2 + fd
    if round_:
        rim = st.metal if rng.random() < 0.5 else st.wood
        b.rod((0.0, h / 2, -d / 2), (0.0, h / 2, z), min(w, h) / 2, rim, n=20)
        b.rod((0.0, h / 2, z), (0.0, h / 2, z + 0.003), min(w, h) / 2 - f, GLASS if face == "glass" else WHITE, n=20)
        if face == "clock":
            b.cbox((0.0, h / 2 + h * 0.15, z + 0.005), (0.015, h * 0.3, 0.003), DARK)
            b.cbox((h * 0.1, h / 2, z + 0.005), (0.012, h * 0.22, 0.003), DARK, rot=rotation_z(-90))
        return
    frame = (st.wood, DARK, (201, 162, 72), (210, 210, 206))[int(rng.integers(4))]
    if face == "white":
        frame = (190, 192, 196)
    b.box(-w / 2, 0.0, -d / 2, w / 2, h, z, frame)
    x0, y0, x1, y1 = -w / 2 + f, f, w / 2 - f, h - f
    if face in ("glass", "white", "clock"):
        b.box(x0, y0, z, x1, y1, z + 0.004, GLASS if face == "glass" else WHITE)
        if face == "white":  # marker tray
            b.box(-w * 0.3, 0.0, z, w * 0.3, f, z + 0.04, frame)
        return
    canvas = shade(FABRICS[int(rng.integers(len(FABRICS)))], 1.3)
    b.box(x0, y0, z, x1, y1, z + 0.003, canvas)
    for _ in range(int(rng.integers(2, 5))):
        xa, xb = sorted(rng.uniform(x0, x1, 2))
        ya, yb = sorted(rng.uniform(y0, y1, 2))
        b.box(xa, ya, z + 0.003, xb, yb, z + 0.006, FABRICS[int(rng.integers(len(FABRICS)))])


def _squareish(w: float, h: float) -> bool:
    return abs(w - h) < 0.12 * max(w, h)


@builder("mirror")
def mirror(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    _wall_panel(b, w, h, d, st, rng, "glass", _squareish(w, h) and rng.random() < 0.6)


@builder("painting")
def painting(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    _wall_panel(b, w, h, d, st, rng, "canvas", False)


@builder("whiteboard", "projector_screen")
def whiteboard(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    _wall_panel(b, w, h, d, st, rng, "white", False)


@builder("clock")
def clock(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    _wall_panel(b, w, h, d, st, rng, "clock", _squareish(w, h))


@builder("curtain")
def curtain(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    b.rod((-w / 2, h - 0.02, -d / 2 + 0.02), (w / 2, h - 0.02, -d / 2 + 0.02), 0.015, st.metal, n=6)
    closed = rng.random() < 0.3
    panels = [(-w / 2, w / 2)] if closed else [(-w / 2, -w / 2 + w * 0.25), (w / 2 - w * 0.25, w / 2)]
    for x0, x1 in panels:
        n = max(3, int((x1 - x0) / 0.08))
        for i in range(n):
            xa = x0 + (x1 - x0) * i / n
            xb = x0 + (x1 - x0) * (i + 1) / n
            z0 = -d / 2 + (0.0 if i % 2 == 0 else d * 0.4)
            b.box(xa, 0.0, z0, xb, h - 0.04, z0 + d * 0.6, shade(st.fabric, 1.0 if i % 2 == 0 else 0.9))


@builder("vase")
def vase(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    r = min(w, d) / 2
    if rng.random() < 0.5:
        b.sphere((0.0, h * 0.35, 0.0), (r, h * 0.35, r), st.paint)
        b.cyl(0.0, h * 0.6, 0.0, r * 0.35, h * 0.4, st.paint, n=10, top_radius=r * 0.5)
    else:
        b.cyl(0.0, 0.0, 0.0, r * 0.6, h * 0.7, st.paint, n=12, top_radius=r)
        b.cyl(0.0, h * 0.7, 0.0, r, h * 0.3, st.paint, n=12, top_radius=r * 0.45)


def _bin(b: MeshBuilder, w: float, h: float, d: float, col, lid: bool) -> None:
    b.cyl(0.0, 0.0, 0.0, w * 0.42, h * 0.94, col, n=16, top_radius=w / 2, rz=d * 0.42)
    b.cyl(0.0, h * 0.94, 0.0, w / 2, h * 0.06, shade(col, 0.8) if lid else shade(col, 1.15), n=16, rz=d / 2)


@builder("trash_can")
def trash_can(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    col = (st.paint, STEEL)[int(rng.integers(2))]
    _bin(b, w, h, d, col, lid=True)
    if rng.random() < 0.5:  # pedal
        b.box(-w * 0.12, 0.0, d * 0.35, w * 0.12, 0.03, d / 2, DARK)


@builder("basket")
def basket(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    col = (st.wood, (184, 148, 92), st.paint)[int(rng.integers(3))]
    if rng.random() < 0.6:
        _bin(b, w, h, d, col, lid=False)
        return
    t = 0.015
    b.box(-w / 2, 0.0, -d / 2, w / 2, 0.02, d / 2, shade(col, 0.8))
    for x0, x1, z0, z1 in ((-w / 2, -w / 2 + t, -d / 2, d / 2), (w / 2 - t, w / 2, -d / 2, d / 2),
                           (-w / 2 + t, w / 2 - t, -d / 2, -d / 2 + t), (-w / 2 + t, w / 2 - t, d / 2 - t, d / 2)):
        b.box(x0, 0.0, z0, x1, h, z1, col)
    for k in range(1, 4):  # woven bands
        y = h * k / 4
        b.box(-w / 2 - 0.0, y - 0.01, d / 2 - 0.0, w / 2, y + 0.01, d / 2 + 0.0, shade(col, 0.8))


@builder("piano")
def piano(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    body = DARK if rng.random() < 0.6 else st.wood
    key_y = clamp(h * 0.58, 0.6, 0.8)
    if d > 1.0 and h < 1.2:  # grand piano: curved body on three legs
        top = h * 0.85
        for x, z in ((-w * 0.4, d * 0.35), (w * 0.4, d * 0.35), (0.0, -d * 0.4)):
            b.box(x - 0.05, 0.0, z - 0.05, x + 0.05, top - 0.25, z + 0.05, body)
        b.cyl(0.0, top - 0.3, -d * 0.1, w / 2, 0.3, body, n=20, rz=d * 0.4)
        b.box(-w / 2, top - 0.3, d * 0.2, w / 2, top, d / 2 - 0.1, body)
        b.box(-w / 2 + 0.05, key_y - 0.02, d / 2 - 0.15, w / 2 - 0.05, key_y, d / 2, WHITE)
        b.cbox((0.0, top + (h - top) / 2, -d * 0.05), (w * 0.9, h - top, 0.02), body)
        return
    b.box(-w / 2, 0.0, -d / 2, w / 2, h, -d / 2 + d * 0.55, body)
    b.box(-w / 2, key_y - 0.06, -d / 2 + d * 0.55, w / 2, key_y - 0.02, d / 2 - 0.05, body)
    b.box(-w / 2 + 0.05, key_y - 0.02, -d / 2 + d * 0.55, w / 2 - 0.05, key_y, d / 2 - 0.08, WHITE)
    n = int(clamp(w / 0.045, 10, 40))
    for i in range(n):
        if i % 7 in (2, 6):
            continue
        x = -w / 2 + 0.05 + (w - 0.1) * (i + 0.5) / n
        b.box(x - 0.006, key_y, -d / 2 + d * 0.55, x + 0.006, key_y + 0.012, -d / 2 + d * 0.55 + 0.09, DARK)
    for x in (-w / 2 + 0.02, w / 2 - 0.06):
        b.box(x, 0.0, -d / 2 + d * 0.55, x + 0.04, key_y - 0.06, d / 2 - 0.05, body)
    b.box(-w * 0.2, 0.05, -d / 2 + d * 0.55, w * 0.2, 0.08, -d / 2 + d * 0.55 + 0.1, (201, 162, 72))


@builder("guitar")
def guitar(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    body = (st.wood, (178, 44, 44), DARK, (214, 170, 46))[int(rng.integers(4))]
    for k in range(3):  # stand
        a = 2 * math.pi * k / 3 + math.pi / 2
        b.rod((0.0, 0.25, -0.03), (min(w, d) * 0.45 * math.cos(a), 0.0, min(w, d) * 0.45 * math.sin(a)), 0.008, DARK, n=5)
    b.sphere((0.0, h * 0.2, 0.0), (w * 0.48, h * 0.16, min(d, 0.1) / 2), body)
    b.sphere((0.0, h * 0.38, 0.0), (w * 0.38, h * 0.12, min(d, 0.1) / 2), body)
    b.rod((0.0, h * 0.24, min(d, 0.1) / 2), (0.0, h * 0.24, min(d, 0.1) / 2 + 0.002), w * 0.12, DARK, n=12)
    b.box(-0.025, h * 0.45, -0.012, 0.025, h * 0.88, 0.012, shade(st.wood, 0.6))
    b.box(-0.04, h * 0.88, -0.015, 0.04, h, 0.015, shade(st.wood, 0.5))


@builder("object")
def generic(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    """Anything without a builder: a softened block, so it reads as 'some object', not a wall."""
    col = (st.wood, st.paint, st.fabric)[int(rng.integers(3))]
    bevel = min(w, h, d) * 0.12
    b.box(-w / 2, 0.0, -d / 2, w / 2, h - bevel, d / 2, col)
    b.box(-w / 2 + bevel, h - bevel, -d / 2 + bevel, w / 2 - bevel, h, d / 2 - bevel, shade(col, 1.1))
    b.box(-w / 2 + 0.005, h * 0.1, d / 2 - 0.001, w / 2 - 0.005, h * 0.12, d / 2, shade(col, 0.7))
