"""Kitchen and bathroom fixtures, electronics and home equipment."""

from __future__ import annotations

import math

import numpy as np

from agentscene.assets.procedural.kit import (
    DARK,
    GLASS,
    SCREEN,
    STEEL,
    WHITE,
    builder,
    carcass,
    clamp,
    doors,
)
from agentscene.assets.procedural.parts import MeshBuilder, rotation_x
from agentscene.assets.procedural.style import Style, shade


@builder("fridge")
def fridge(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    body = st.paint if rng.random() < 0.5 else STEEL
    zf = carcass(b, w, h, d, 0.0, shade(body, 0.9), 0.04)
    split = h * (0.3 if rng.random() < 0.5 else 0.65)
    french = w > 0.75 and rng.random() < 0.5
    for y0, y1 in ((0.01, split), (split + 0.01, h - 0.01)):
        if french and y0 > 0.1:
            for xa, xb in ((-w / 2, 0.0), (0.0, w / 2)):
                b.box(xa + 0.004, y0, zf, xb - 0.004, y1, zf + 0.03, body)
            b.box(-0.04, y0 + 0.1, zf + 0.03, -0.025, y1 - 0.1, zf + 0.04, DARK)
            b.box(0.025, y0 + 0.1, zf + 0.03, 0.04, y1 - 0.1, zf + 0.04, DARK)
        else:
            b.box(-w / 2 + 0.004, y0, zf, w / 2 - 0.004, y1, zf + 0.03, body)
            hx = w / 2 - 0.06
            b.box(hx, y0 + 0.05, zf + 0.03, hx + 0.02, min(y1 - 0.05, y0 + 0.5), zf + 0.04, DARK)


@builder("stove")
def stove(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    body = st.paint if rng.random() < 0.4 else STEEL
    top_y = min(h, 0.92)
    zf = carcass(b, w, top_y - 0.02, d, 0.0, body, 0.02)
    b.box(-w / 2, top_y - 0.02, -d / 2, w / 2, top_y, d / 2, DARK)
    for x in (-w / 4, w / 4):
        for z in (-d / 4, d / 6):
            b.cyl(x, top_y, z, min(w, d) * 0.11, 0.012, (60, 60, 62), n=12)
    b.box(-w / 2 + 0.03, 0.08, zf, w / 2 - 0.03, top_y * 0.72, zf + 0.02, shade(body, 0.95))
    b.box(-w / 2 + 0.1, 0.2, zf + 0.02, w / 2 - 0.1, top_y * 0.6, zf + 0.021, SCREEN)
    b.rod((-w / 2 + 0.06, top_y * 0.68, zf + 0.045), (w / 2 - 0.06, top_y * 0.68, zf + 0.045), 0.012, STEEL)
    for k in range(4):
        x = -w / 2 + w * (k + 1) / 5
        b.rod((x, top_y * 0.82, zf), (x, top_y * 0.82, zf + 0.02), 0.02, DARK, n=8)
    if h > top_y + 0.05:  # backsplash / hood-less range panel
        b.box(-w / 2, top_y, -d / 2, w / 2, h, -d / 2 + 0.05, body)


@builder("microwave")
def microwave(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    body = (st.paint, STEEL, DARK)[int(rng.integers(3))]
    zf = carcass(b, w, h, d, 0.0, body, 0.01)
    b.box(-w / 2 + 0.03, 0.03, zf, w * 0.2, h - 0.03, zf + 0.01, SCREEN)
    b.box(w * 0.24, 0.03, zf, w / 2 - 0.02, h - 0.03, zf + 0.01, shade(body, 0.8))


def _front_loader(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator,
                  drum: bool) -> None:
    body = st.paint if rng.random() < 0.6 else STEEL
    zf = carcass(b, w, h, d, 0.0, body, 0.03)
    b.box(-w / 2 + 0.01, h - 0.12, zf, w / 2 - 0.01, h - 0.01, zf + 0.02, shade(body, 0.85))
    b.rod((w * 0.25, h - 0.065, zf + 0.02), (w * 0.25, h - 0.065, zf + 0.03), 0.025, DARK, n=10)
    if drum:  # round porthole door
        r = min(w, h) * 0.3
        b.rod((0.0, h * 0.45, zf), (0.0, h * 0.45, zf + 0.03), r, STEEL, n=16)
        b.rod((0.0, h * 0.45, zf + 0.005), (0.0, h * 0.45, zf + 0.031), r * 0.75, GLASS, n=16)
    else:  # drop-down door with a bar handle
        b.box(-w / 2 + 0.01, 0.06, zf, w / 2 - 0.01, h - 0.13, zf + 0.02, body)
        b.rod((-w / 2 + 0.06, h - 0.17, zf + 0.03), (w / 2 - 0.06, h - 0.17, zf + 0.03), 0.01, STEEL)


@builder("washing_machine")
def washing_machine(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    _front_loader(b, w, h, d, st, rng, drum=True)


@builder("dishwasher")
def dishwasher(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    _front_loader(b, w, h, d, st, rng, drum=False)


@builder("sink")
def sink(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    top = h - clamp(h * 0.15, 0.06, 0.15)  # basin rim; the faucet rises above it
    basin = (200, 204, 206)
    if rng.random() < 0.5:  # pedestal basin
        b.cyl(0.0, 0.0, -d * 0.1, min(w, d) * 0.14, top * 0.75, WHITE, n=12, top_radius=min(w, d) * 0.2)
        b.cyl(0.0, top * 0.75, 0.0, w / 2, top * 0.25, WHITE, n=20, rz=d / 2)
        b.cyl(0.0, top - 0.004, 0.02, w * 0.36, 0.005, basin, n=16, rz=d * 0.32)
    else:  # vanity cabinet with a basin
        zf = carcass(b, w, top - 0.04, d, 0.0, st.wood, 0.015)
        doors(b, -w / 2 + 0.01, w / 2 - 0.01, 0.06, top - 0.06, zf + 0.015, 2 if w > 0.5 else 1, shade(st.wood, 1.06), STEEL)
        b.box(-w / 2, top - 0.04, -d / 2, w / 2, top, d / 2, (226, 224, 220))
        b.cyl(0.0, top, 0.03, w * 0.32, 0.004, basin, n=16, rz=d * 0.3)
    zt = -d / 2 + 0.06
    b.rod((0.0, top, zt), (0.0, h, zt), 0.015, STEEL, n=8)
    b.rod((0.0, h - 0.01, zt), (0.0, h - 0.03, zt + min(0.12, d * 0.3)), 0.012, STEEL, n=6)


@builder("toilet")
def toilet(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    col = st.paint if st.named else WHITE  # sanitary ware is white unless the description says otherwise
    seat_y = clamp(h * 0.5, 0.3, 0.45)
    tank_d = clamp(d * 0.25, 0.12, 0.22)
    b.cyl(0.0, 0.0, d * 0.08, w * 0.3, seat_y * 0.6, col, n=12, rz=d * 0.25, top_radius=w * 0.38)
    b.cyl(0.0, seat_y * 0.6, d * 0.1, w * 0.45, seat_y * 0.4 - 0.02, col, n=16, rz=d * 0.38)
    b.cyl(0.0, seat_y - 0.02, d * 0.1, w * 0.47, 0.025, shade(col, 0.95), n=16, rz=d * 0.4)
    b.box(-w / 2, seat_y * 0.6, -d / 2, w / 2, h - 0.02, -d / 2 + tank_d, col)
    b.box(-w / 2 - 0.0, h - 0.02, -d / 2, w / 2, h, -d / 2 + tank_d + 0.01, shade(col, 0.95))
    b.box(-0.03, 0.0, -d / 2 + tank_d, 0.03, seat_y * 0.6, d * 0.0, col)


@builder("bathtub")
def bathtub(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    col = st.paint if st.named else WHITE
    t = clamp(min(w, d) * 0.09, 0.05, 0.1)
    foot = 0.1 if rng.random() < 0.3 else 0.0
    if foot:  # clawfoot
        for x, z in ((-w / 2 + 0.12, -d / 2 + 0.12), (w / 2 - 0.12, -d / 2 + 0.12), (w / 2 - 0.12, d / 2 - 0.12), (-w / 2 + 0.12, d / 2 - 0.12)):
            b.sphere((x, 0.05, z), 0.05, st.metal, subdivisions=0)
    b.box(-w / 2 + t, foot, -d / 2 + t, w / 2 - t, foot + 0.06, d / 2 - t, col)
    b.box(-w / 2, foot, -d / 2, -w / 2 + t, h, d / 2, col)
    b.box(w / 2 - t, foot, -d / 2, w / 2, h, d / 2, col)
    b.box(-w / 2 + t, foot, -d / 2, w / 2 - t, h, -d / 2 + t, col)
    b.box(-w / 2 + t, foot, d / 2 - t, w / 2 - t, h, d / 2, col)
    b.box(-w / 2 + t, foot + 0.06, -d / 2 + t, w / 2 - t, foot + 0.062, d / 2 - t, (206, 222, 230))
    if w >= d:  # faucet at one end of the long axis
        b.rod((-w / 2 + t * 0.5, h - 0.01, 0.0), (-w / 2 + t * 1.6, h - 0.04, 0.0), 0.015, STEEL, n=6)
    else:
        b.rod((0.0, h - 0.01, -d / 2 + t * 0.5), (0.0, h - 0.04, -d / 2 + t * 1.6), 0.015, STEEL, n=6)


@builder("shower")
def shower(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    b.box(-w / 2, 0.0, -d / 2, w / 2, 0.08, d / 2, WHITE)
    b.box(-w / 2, 0.08, -d / 2, w / 2, h, -d / 2 + 0.02, (210, 210, 206))
    for x in (-w / 2, w / 2 - 0.012):
        b.box(x, 0.08, -d / 2 + 0.02, x + 0.012, h * 0.95, d / 2, GLASS)
    b.box(-w / 2, 0.08, d / 2 - 0.012, w * 0.05, h * 0.95, d / 2, GLASS)
    b.rod((0.0, h * 0.35, -d / 2 + 0.02), (0.0, h * 0.92, -d / 2 + 0.02), 0.012, STEEL, n=6)
    b.rod((0.0, h * 0.92, -d / 2 + 0.02), (0.0, h * 0.92, -d / 2 + 0.2), 0.012, STEEL, n=6)
    b.cyl(0.0, h * 0.88, -d / 2 + 0.2, 0.08, 0.025, STEEL, n=12)


@builder("towel_rack")
def towel_rack(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    for x in (-w / 2 + 0.03, w / 2 - 0.03):
        b.box(x - 0.015, 0.0, -d / 2, x + 0.015, h, -d / 2 + 0.03, st.metal)
    n = int(clamp(round(h / 0.25), 1, 6))
    for i in range(n):
        y = h * (i + 0.5) / n
        b.rod((-w / 2 + 0.03, y, d / 2 - 0.02), (w / 2 - 0.03, y, d / 2 - 0.02), 0.012, st.metal, n=6)
        for x in (-w / 2 + 0.03, w / 2 - 0.03):
            b.rod((x, y, -d / 2 + 0.03), (x, y, d / 2 - 0.02), 0.01, st.metal, n=6)
    if rng.random() < 0.7:
        b.box(-w * 0.3, h * 0.2, d / 2 - 0.04, w * 0.3, h * (0.5 + 0.5 / n), d / 2, st.accent)


@builder("tv", "monitor")
def screen(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    stand = h > 0.2 and d > 0.06 and rng.random() < 0.6
    y0 = h * 0.12 if stand else 0.0
    pd = min(d, 0.06)
    b.box(-w / 2, y0, -pd / 2, w / 2, h, pd / 2, DARK)
    b.box(-w / 2 + 0.015, y0 + 0.015, pd / 2, w / 2 - 0.015, h - 0.015, pd / 2 + 0.002, SCREEN)
    if stand:
        if rng.random() < 0.5:  # central neck and base plate
            b.box(-0.03, 0.01, -pd / 2 - 0.02, 0.03, y0 + 0.1, -pd / 2, DARK)
            b.box(-w * 0.15, 0.0, -d / 2, w * 0.15, 0.012, d / 2, DARK)
        else:  # two feet
            for x in (-w * 0.4, w * 0.4):
                b.box(x - 0.02, 0.0, -d / 2, x + 0.02, y0 + 0.05, d / 2, DARK)


@builder("computer")
def computer(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    if h < 0.12:  # laptop: base and open lid
        b.box(-w / 2, 0.0, -d / 2, w / 2, 0.02, d / 2, STEEL)
        b.box(-w / 2 + 0.02, 0.02, -d / 2 + 0.02, w / 2 - 0.02, 0.022, d * 0.1, DARK)
        b.cbox((0.0, h / 2 + 0.01, -d / 2 + 0.01), (w, max(h - 0.02, 0.02), 0.01), SCREEN, rot=rotation_x(-10))
        return
    body = DARK if rng.random() < 0.7 else (200, 200, 204)
    zf = carcass(b, w, h, d, 0.0, body, 0.01)
    b.box(-w / 2 + 0.01, h * 0.75, zf, w / 2 - 0.01, h - 0.02, zf + 0.01, shade(body, 1.4))
    b.rod((0.0, h * 0.88, zf), (0.0, h * 0.88, zf + 0.008), 0.01, (80, 160, 230), n=6)
    for k in range(3):
        b.box(-w / 2 + 0.02, 0.05 + k * 0.04, zf, w / 2 - 0.02, 0.06 + k * 0.04, zf + 0.01, shade(body, 0.6))


@builder("printer")
def printer(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    body = (230, 230, 228) if rng.random() < 0.5 else DARK
    zf = carcass(b, w, h * 0.9, d, 0.0, body, 0.04)
    b.box(-w * 0.35, h * 0.15, zf, w * 0.35, h * 0.22, d / 2, shade(body, 0.8))
    b.box(-w * 0.4, h * 0.9, -d / 2, w * 0.4, h, -d * 0.1, shade(body, 0.85))
    b.box(w * 0.2, h * 0.9, d * 0.1, w * 0.45, h * 0.92, d * 0.4, SCREEN)


@builder("speaker")
def speaker(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    body = (DARK, st.wood, (210, 210, 206))[int(rng.integers(3))]
    zf = carcass(b, w, h, d, 0.0, body, 0.01)
    cones = int(clamp(round(h / max(w, 0.05) * 0.8), 1, 4))
    for i in range(cones):
        y = h * (i + 0.5) / cones
        r = min(w * 0.38, h / cones * 0.38)
        b.rod((0.0, y, zf), (0.0, y, zf + 0.01), r, (50, 50, 54), n=12)
        b.rod((0.0, y, zf + 0.005), (0.0, y, zf + 0.012), r * 0.35, (90, 90, 96), n=8)


@builder("game_console")
def game_console(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    body = DARK if rng.random() < 0.6 else WHITE
    b.box(-w / 2, 0.0, -d / 2, w / 2, h, d / 2, body)
    b.box(-w / 2, h * 0.45, d / 2 - 0.002, w / 2, h * 0.55, d / 2, (60, 130, 230))


@builder("arcade_machine")
def arcade(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    body = (DARK, (150, 30, 40), (30, 50, 140))[int(rng.integers(3))]
    b.box(-w / 2, 0.0, -d / 2, w / 2, h, d * 0.1, body)
    b.box(-w / 2, 0.0, d * 0.1, w / 2, h * 0.5, d / 2, body)
    b.box(-w / 2 + 0.02, h * 0.5, d * 0.05, w / 2 - 0.02, h * 0.53, d / 2, DARK)  # control panel
    for x in (-w * 0.2, w * 0.2):
        b.rod((x, h * 0.53, d * 0.3), (x, h * 0.58, d * 0.3), 0.008, DARK, n=5)
        b.sphere((x, h * 0.59, d * 0.3), 0.02, (220, 40, 40), subdivisions=0)
    b.cbox((0.0, h * 0.68, d * 0.11), (w * 0.8, h * 0.22, 0.02), SCREEN, rot=rotation_x(-15))
    b.box(-w / 2, h * 0.86, -d / 2, w / 2, h, d * 0.15, shade(body, 1.3))
    b.box(-w * 0.4, h * 0.88, d * 0.15, w * 0.4, h * 0.98, d * 0.16, (250, 220, 120))


@builder("air_conditioner")
def air_conditioner(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    body = WHITE if rng.random() < 0.8 else STEEL
    b.box(-w / 2, h * 0.15, -d / 2, w / 2, h, d / 2, body)
    b.box(-w / 2 + 0.02, 0.0, -d / 2, w / 2 - 0.02, h * 0.15, d * 0.3, shade(body, 0.9))
    for k in range(4):
        z = d * 0.3 - k * 0.02
        b.box(-w / 2 + 0.04, 0.005 + k * h * 0.03, z - 0.004, w / 2 - 0.04, 0.012 + k * h * 0.03, z, (160, 160, 162))
    b.rod((w * 0.35, h * 0.6, d / 2 - 0.004), (w * 0.35, h * 0.6, d / 2), 0.008, (60, 200, 90), n=6)


@builder("radiator")
def radiator(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    col = st.paint if st.named else WHITE
    n = int(clamp(round(w / 0.06), 3, 30))
    for i in range(n):
        x = -w / 2 + w * (i + 0.5) / n
        b.box(x - w / n * 0.35, 0.05, -d / 2, x + w / n * 0.35, h, d / 2, col)
    for y in (0.1, h - 0.05):
        b.rod((-w / 2, y, 0.0), (w / 2, y, 0.0), min(d / 2, 0.025), shade(col, 0.9))


@builder("fireplace")
def fireplace(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    stone = (st.paint, (160, 156, 148), (150, 80, 60))[int(rng.integers(3))]
    b.box(-w / 2 + 0.05, 0.0, -d / 2, w / 2 - 0.05, h * 0.9, d / 2 - 0.06, stone)
    b.box(-w * 0.3, 0.06, d / 2 - 0.062, w * 0.3, h * 0.6, d / 2 - 0.06, (20, 16, 14))
    b.box(-w / 2, h * 0.9, -d / 2, w / 2, h, d / 2, st.wood)  # mantel
    b.box(-w / 2 + 0.05, 0.0, d / 2 - 0.06, w / 2 - 0.05, 0.05, d / 2, shade(stone, 0.8))  # hearth
    for k in range(3):  # logs
        b.rod((-w * 0.2, 0.1 + 0.03 * (k % 2), d / 2 - 0.1 - k * 0.03), (w * 0.2, 0.1 + 0.03 * (k % 2), d / 2 - 0.12 - k * 0.03), 0.03, (110, 70, 40), n=6)


@builder("fan")
def fan(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    r = min(w, h) * 0.45
    b.cyl(0.0, 0.0, 0.0, min(w, d) * 0.45, 0.04, DARK, n=16)
    b.cyl(0.0, 0.04, 0.0, 0.02, h - r - 0.04, STEEL, n=8)
    cy = h - r
    b.rod((0.0, cy, -d * 0.3), (0.0, cy, 0.0), 0.07, DARK, n=10)
    for k in range(3):
        a = 2 * math.pi * k / 3
        b.cbox((math.cos(a) * r * 0.5, cy + math.sin(a) * r * 0.5, 0.03), (r * 0.9, 0.12, 0.01), (200, 205, 212),
               rot=np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]]))
    b.rod((0.0, cy, 0.05), (0.0, cy, 0.06), r, (180, 184, 190), n=16)
