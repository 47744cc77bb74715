"""Tables and desks: a top on legs, a pedestal, trestles or drawer pedestals."""

from __future__ import annotations

import numpy as np

from agentscene.assets.procedural.kit import (
    DARK,
    WHITE,
    builder,
    clamp,
    corners,
    drawer_grid,
    leg_kind,
    legs,
)
from agentscene.assets.procedural.parts import MeshBuilder
from agentscene.assets.procedural.style import Style, shade


def _top(b: MeshBuilder, w: float, h: float, d: float, t: float, colour, round_top: bool) -> None:
    if round_top:
        b.cyl(0.0, h - t, 0.0, w / 2, t, colour, n=20, rz=d / 2)
    else:
        b.box(-w / 2, h - t, -d / 2, w / 2, h, d / 2, colour)


def _table(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator,
           round_chance: float, shelf_chance: float = 0.0) -> None:
    t = clamp(h * 0.05, 0.02, 0.05)
    squareish = abs(w - d) < 0.15 * max(w, d)
    round_top = squareish and rng.random() < round_chance
    top_col = st.wood
    leg_col = st.wood if rng.random() < 0.6 else st.metal
    support = int(rng.integers(3)) if not round_top else (0 if rng.random() < 0.5 else 2)
    if support == 2 and not round_top and max(w, d) > 1.2:
        support = 0  # one pedestal under a long table looks wrong
    lt = clamp(min(w, d) * 0.06, 0.03, 0.07)
    if support == 2:  # central pedestal
        b.cyl(0.0, 0.0, 0.0, min(w, d) * 0.28, 0.04, leg_col, n=16)
        b.cyl(0.0, 0.04, 0.0, lt * 0.8, h - t - 0.04, leg_col, n=10)
    elif support == 1 and w > 0.8:  # trestle ends joined by a stretcher
        for s in (-1, 1):
            x = s * (w / 2 - 0.12)
            b.box(x - lt / 2, 0.0, -d / 2 + 0.06, x + lt / 2, 0.05, d / 2 - 0.06, leg_col)
            b.box(x - lt / 2, 0.05, -lt, x + lt / 2, h - t, lt, leg_col)
        b.box(-w / 2 + 0.12, h * 0.3, -0.02, w / 2 - 0.12, h * 0.3 + 0.05, 0.02, leg_col)
    else:
        inset = lt * 0.5 + (0.0 if not round_top else min(w, d) * 0.15)
        spots = corners(w, d, inset)
        legs(b, spots, 0.0, h - t, lt, leg_col, leg_kind(rng))
        if not round_top and rng.random() < 0.5:  # apron
            b.box(-w / 2 + inset, h - t - 0.07, -d / 2 + inset, w / 2 - inset, h - t, d / 2 - inset, shade(top_col, 0.85))
    if rng.random() < shelf_chance:
        b.box(-w / 2 + lt, h * 0.15, -d / 2 + lt, w / 2 - lt, h * 0.15 + 0.025, d / 2 - lt, shade(top_col, 0.9))
    _top(b, w, h, d, t, top_col, round_top)


@builder("table", "dining_table")
def table(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    _table(b, w, h, d, st, rng, round_chance=0.6)


@builder("coffee_table")
def coffee_table(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    _table(b, w, h, d, st, rng, round_chance=0.5, shelf_chance=0.5)


@builder("side_table")
def side_table(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    _table(b, w, h, d, st, rng, round_chance=0.6, shelf_chance=0.5)


@builder("console_table")
def console_table(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    _table(b, w, h, d, st, rng, round_chance=0.0, shelf_chance=0.8)


@builder("desk", "vanity")
def desk(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    t = 0.035
    top_y = min(h, 0.78) if h > 1.05 else h
    body = st.wood
    frame = st.metal if rng.random() < 0.5 else st.wood
    style = int(rng.integers(3))
    pw = clamp(w * 0.3, 0.3, 0.45)
    if style == 0:  # legs and a modesty panel
        legs(b, corners(w, d, 0.03), 0.0, top_y - t, 0.045, frame, ("square", "round", "tapered")[int(rng.integers(3))])
        b.box(-w / 2 + 0.05, top_y * 0.45, -d / 2 + 0.02, w / 2 - 0.05, top_y - t, -d / 2 + 0.04, shade(body, 0.85))
    else:  # one or two drawer pedestals
        sides = (1,) if style == 1 else (-1, 1)
        for s in sides:
            x0, x1 = (w / 2 - pw, w / 2) if s > 0 else (-w / 2, -w / 2 + pw)
            b.box(x0, 0.0, -d / 2, x1, top_y - t, d / 2 - 0.015, body)
            drawer_grid(b, x0, x1, 0.02, top_y - t, d / 2, 3, 1, shade(body, 1.08), DARK)
        if style == 1:
            b.box(-w / 2, 0.0, -d / 2, -w / 2 + 0.04, top_y - t, d / 2, body)
    b.box(-w / 2, top_y - t, -d / 2, w / 2, top_y, d / 2, body)
    if h > top_y + 0.1:  # a vanity's mirror or a hutch above the top
        b.box(-w * 0.3, top_y, -d / 2, w * 0.3, h, -d / 2 + 0.03, body)
        b.box(-w * 0.27, top_y + 0.04, -d / 2 + 0.03, w * 0.27, h - 0.04, -d / 2 + 0.035, (190, 214, 222))


@builder("pool_table")
def pool_table(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    rail = clamp(min(w, d) * 0.07, 0.06, 0.12)
    body_y = h * 0.62
    n = 6 if w > 2.2 and rng.random() < 0.5 else 4
    xs = np.linspace(-w / 2 + 0.15, w / 2 - 0.15, n // 2)
    spots = [(float(x), z) for x in xs for z in (-d / 2 + 0.15, d / 2 - 0.15)]
    legs(b, spots, 0.0, body_y, 0.12, st.wood, "tapered")
    b.box(-w / 2 + 0.05, body_y, -d / 2 + 0.05, w / 2 - 0.05, h - 0.04, d / 2 - 0.05, shade(st.wood, 0.8))
    b.box(-w / 2 + rail, h - 0.05, -d / 2 + rail, w / 2 - rail, h - 0.03, d / 2 - rail, (34, 112, 62))
    for x0, z0, x1, z1 in ((-w / 2, -d / 2, w / 2, -d / 2 + rail), (-w / 2, d / 2 - rail, w / 2, d / 2),
                           (-w / 2, -d / 2, -w / 2 + rail, d / 2), (w / 2 - rail, -d / 2, w / 2, d / 2)):
        b.box(x0, h - 0.06, z0, x1, h, z1, st.wood)
    for x in (-w / 2 + rail, 0.0, w / 2 - rail):
        for z in (-d / 2 + rail, d / 2 - rail):
            b.cyl(x, h - 0.045, z, 0.05, 0.02, DARK, n=8)


@builder("ping_pong_table")
def ping_pong(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    t = 0.03
    legs(b, corners(w, d, 0.15), 0.0, h - t, 0.05, DARK)
    top = (28, 70, 140) if rng.random() < 0.6 else (30, 110, 70)
    b.box(-w / 2, h - t, -d / 2, w / 2, h - 0.002, d / 2, top)
    for z0, z1 in ((-d / 2, -d / 2 + 0.02), (d / 2 - 0.02, d / 2), (-0.002, 0.002)):
        b.box(-w / 2, h - 0.002, z0, w / 2, h, z1, WHITE)
    b.box(-0.004, h, -d / 2 - 0.0, 0.004, h + 0.15, d / 2, (235, 235, 235))


@builder("foosball_table")
def foosball(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    body_y = h * 0.68
    legs(b, corners(w * 0.8, d * 0.8, 0.05), 0.0, body_y, 0.08, st.wood)
    bw, bd = w * 0.8, d * 0.75
    b.box(-bw / 2, body_y, -bd / 2, bw / 2, body_y + 0.03, bd / 2, (40, 130, 60))
    for s in (-1, 1):
        b.box(-bw / 2, body_y, s * bd / 2 - 0.03, bw / 2, h * 0.92, s * bd / 2, st.wood)
        b.box(s * bw / 2 - 0.03, body_y, -bd / 2, s * bw / 2, h * 0.92, bd / 2, st.wood)
    for i in range(8):  # rods across the depth with handles sticking out front and back
        x = -bw / 2 + bw * (i + 0.5) / 8
        b.rod((x, h * 0.85, -d / 2), (x, h * 0.85, d / 2), 0.008, (200, 200, 205), n=6)
        colour = (200, 40, 40) if i % 2 == 0 else (40, 60, 190)
        b.box(x - 0.012, body_y + 0.03, -0.02, x + 0.012, h * 0.85, 0.02, colour)
