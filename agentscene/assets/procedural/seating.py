"""Chairs, sofas, stools, benches: seat at the front, back towards -z."""

from __future__ import annotations

import math

import numpy as np

from agentscene.assets.procedural.kit import (
    DARK,
    STEEL,
    builder,
    clamp,
    corners,
    cushion,
    leg_kind,
    legs,
)
from agentscene.assets.procedural.parts import MeshBuilder, rotation_x
from agentscene.assets.procedural.style import Style, shade


@builder("chair", "dining_chair")
def chair(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    seat_y = clamp(h * 0.5, 0.2, 0.5)
    t = clamp(w * 0.08, 0.025, 0.045)
    kind = leg_kind(rng)
    frame = st.wood if rng.random() < 0.7 else st.metal
    legs(b, corners(w, d, t * 0.6), 0.0, seat_y, t, frame, kind)
    upholstered = rng.random() < 0.5
    b.box(-w / 2, seat_y, -d / 2, w / 2, seat_y + 0.035, d / 2, frame)
    if upholstered:
        cushion(b, -w / 2 + 0.01, seat_y + 0.035, -d / 2 + 0.02, w / 2 - 0.01, seat_y + 0.08, d / 2 - 0.01, st.fabric)
    top = seat_y + 0.035
    zb = -d / 2
    for x in (-w / 2, w / 2 - t):  # back posts
        b.box(x, top, zb, x + t, h, zb + t, frame)
    style = int(rng.integers(3))
    if style == 0:  # solid or upholstered back panel
        b.box(-w / 2 + t, top + (h - top) * 0.35, zb, w / 2 - t, h * 0.98, zb + t * 0.8, st.fabric if upholstered else frame)
    elif style == 1:  # vertical slats
        n = int(rng.integers(2, 5))
        for i in range(n):
            x = -w / 2 + t + (w - 2 * t) * (i + 0.5) / n
            b.box(x - 0.012, top + 0.05, zb, x + 0.012, h * 0.96, zb + t * 0.6, frame)
        b.box(-w / 2, h * 0.93, zb, w / 2, h, zb + t, frame)
    else:  # ladder back
        for k in range(3):
            y = top + (h - top) * (0.35 + 0.25 * k)
            b.box(-w / 2 + t, y, zb, w / 2 - t, y + 0.05, zb + t * 0.7, frame)


@builder("office_chair")
def office_chair(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    r = min(w, d) / 2.0
    for k in range(5):  # star base with casters
        a = 2 * math.pi * k / 5 + math.pi / 2
        end = (r * 0.92 * math.cos(a), 0.06, r * 0.92 * math.sin(a))
        b.rod((0.0, 0.07, 0.0), end, 0.018, DARK, n=6)
        b.sphere((end[0], 0.03, end[2]), 0.03, DARK, subdivisions=0)
    seat_y = clamp(h * 0.42, 0.3, 0.52)
    b.cyl(0.0, 0.06, 0.0, 0.03, seat_y - 0.1, STEEL, n=8)
    b.box(-w * 0.15, seat_y - 0.05, -d * 0.15, w * 0.15, seat_y - 0.02, d * 0.15, DARK)
    sw = w * 0.82
    cushion(b, -sw / 2, seat_y - 0.02, -d * 0.38, sw / 2, seat_y + 0.06, d * 0.42, st.fabric)
    back_z = -d * 0.4
    b.box(-0.03, seat_y, back_z - 0.04, 0.03, seat_y + 0.15, back_z, DARK)
    tilt = rotation_x(-8.0)
    bh = h - seat_y - 0.12
    b.cbox((0.0, seat_y + 0.12 + bh / 2, back_z - 0.02), (sw * 0.92, bh, 0.06), st.fabric, rot=tilt)
    if rng.random() < 0.7:  # armrests
        for s in (-1, 1):
            x = s * (sw / 2 + 0.02)
            b.box(x - 0.015, seat_y, -0.02, x + 0.015, seat_y + 0.2, 0.02, DARK)
            b.box(x - 0.035, seat_y + 0.2, -d * 0.2, x + 0.035, seat_y + 0.23, d * 0.18, DARK)


def _upholstered(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator,
                 seats: int, arm_style: int | None = None) -> None:
    """Armchair / sofa: legs, base, seat cushions, back cushions, arms (box, rolled, slim, none)."""
    leg_h = clamp(h * 0.12, 0.03, 0.15)
    t = 0.04
    legs(b, corners(w, d, 0.05), 0.0, leg_h, t, st.wood, ("tapered", "round", "square")[int(rng.integers(3))])
    arm_style = int(rng.integers(4)) if arm_style is None else arm_style
    aw = 0.0 if arm_style == 3 else clamp(w * 0.1, 0.07, 0.2) if arm_style != 2 else 0.06
    seat_y = clamp(h * 0.5, 0.3, 0.48)
    back_d = clamp(d * 0.22, 0.12, 0.25)
    base_col = shade(st.fabric, 0.85)
    b.box(-w / 2, leg_h, -d / 2, w / 2, seat_y - 0.1, d / 2, base_col)
    inner0, inner1 = -w / 2 + aw, w / 2 - aw
    b.box(-w / 2 + aw * 0.5, leg_h, -d / 2, w / 2 - aw * 0.5, h * 0.9, -d / 2 + back_d, base_col)  # back frame
    for i in range(seats):
        x0 = inner0 + (inner1 - inner0) * i / seats
        x1 = inner0 + (inner1 - inner0) * (i + 1) / seats
        cushion(b, x0 + 0.005, seat_y - 0.1, -d / 2 + back_d, x1 - 0.005, seat_y, d / 2 - 0.01, st.fabric)
        cushion(b, x0 + 0.01, seat_y, -d / 2 + back_d * 0.4, x1 - 0.01, h, -d / 2 + back_d + 0.08, st.fabric)
    arm_h = seat_y + clamp((h - seat_y) * 0.45, 0.1, 0.25)
    for s in (-1, 1):
        if arm_style == 3:
            continue
        xa, xb = (-w / 2, -w / 2 + aw) if s < 0 else (w / 2 - aw, w / 2)
        if arm_style == 2:  # slim wooden arm on a post
            b.box(xa, leg_h, d / 2 - 0.06, xb, arm_h, d / 2, st.wood)
            b.box(xa, arm_h - 0.03, -d / 2 + back_d, xb, arm_h, d / 2, st.wood)
            continue
        b.box(xa, leg_h, -d / 2, xb, arm_h, d / 2, base_col)
        if arm_style == 1:  # rolled arm
            b.rod(((xa + xb) / 2, arm_h, -d / 2 + back_d), ((xa + xb) / 2, arm_h, d / 2), aw * 0.62, st.fabric, n=10)


@builder("armchair")
def armchair(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    _upholstered(b, w, h, d, st, rng, seats=1)


@builder("sofa")
def sofa(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    _upholstered(b, w, h, d, st, rng, seats=int(clamp(round(w / 0.7), 1, 4)))


@builder("sectional_sofa")
def sectional(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    leg_h = clamp(h * 0.1, 0.03, 0.12)
    seat_y = clamp(h * 0.5, 0.3, 0.46)
    sd = clamp(min(d * 0.55, 1.0), 0.6, 1.1)  # depth of the long run
    back_d = 0.22
    cw = clamp(w * 0.32, 0.7, 1.1)  # chaise width
    left = rng.random() < 0.5
    base_col = shade(st.fabric, 0.85)
    cx0, cx1 = (-w / 2, -w / 2 + cw) if left else (w / 2 - cw, w / 2)
    b.box(-w / 2, leg_h, -d / 2, w / 2, seat_y - 0.1, -d / 2 + sd, base_col)
    b.box(cx0, leg_h, -d / 2 + sd, cx1, seat_y - 0.1, d / 2, base_col)
    b.box(-w / 2, leg_h, -d / 2, w / 2, h, -d / 2 + back_d, base_col)
    aw = 0.14
    ax0, ax1 = (w / 2 - aw, w / 2) if left else (-w / 2, -w / 2 + aw)
    b.box(ax0, leg_h, -d / 2, ax1, seat_y + 0.18, -d / 2 + sd, base_col)
    run0, run1 = (cx1, ax0) if left else (ax1, cx0)
    n = int(clamp(round((run1 - run0) / 0.7), 1, 4))
    for i in range(n):
        x0 = run0 + (run1 - run0) * i / n
        x1 = run0 + (run1 - run0) * (i + 1) / n
        cushion(b, x0 + 0.005, seat_y - 0.1, -d / 2 + back_d, x1 - 0.005, seat_y, -d / 2 + sd, st.fabric)
        cushion(b, x0 + 0.01, seat_y, -d / 2 + back_d * 0.5, x1 - 0.01, h * 0.95, -d / 2 + back_d + 0.08, st.fabric)
    cushion(b, cx0 + 0.01, seat_y - 0.1, -d / 2 + back_d, cx1 - 0.01, seat_y, d / 2 - 0.01, st.fabric)
    cushion(b, cx0 + 0.01, seat_y, -d / 2 + back_d * 0.5, cx1 - 0.01, h * 0.95, -d / 2 + back_d + 0.08, st.fabric)
    legs(b, [(-w / 2 + 0.05, -d / 2 + 0.05), (w / 2 - 0.05, -d / 2 + 0.05), (cx0 + 0.05, d / 2 - 0.05),
             (cx1 - 0.05, d / 2 - 0.05)], 0.0, leg_h, 0.04, st.wood)


@builder("bench")
def bench(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    top = 0.05
    if rng.random() < 0.5:  # panel ends
        for s in (-1, 1):
            x = s * (w / 2 - 0.025)
            b.box(x - 0.025, 0.0, -d / 2 + 0.02, x + 0.025, h - top, d / 2 - 0.02, st.wood)
        b.box(-w / 2 + 0.05, h * 0.25, -0.02, w / 2 - 0.05, h * 0.25 + 0.04, 0.02, st.wood)
    else:
        legs(b, corners(w, d, 0.04), 0.0, h - top, 0.045, st.wood, leg_kind(rng))
    b.box(-w / 2, h - top, -d / 2, w / 2, h - top * 0.4, d / 2, st.wood)
    if rng.random() < 0.6:
        cushion(b, -w / 2 + 0.01, h - top * 0.4, -d / 2 + 0.01, w / 2 - 0.01, h, d / 2 - 0.01, st.fabric)
    else:
        b.box(-w / 2, h - top * 0.4, -d / 2, w / 2, h, d / 2, shade(st.wood, 1.1))


@builder("stool")
def stool(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    r = min(w, d) / 2.0
    n = 3 if rng.random() < 0.4 else 4
    for k in range(n):
        a = 2 * math.pi * (k + 0.5) / n
        b.rod((r * 0.9 * math.cos(a), 0.0, r * 0.9 * math.sin(a)),
              (r * 0.55 * math.cos(a), h - 0.04, r * 0.55 * math.sin(a)), 0.018, st.wood, n=6)
    b.cyl(0.0, h - 0.045, 0.0, r, 0.045, st.fabric if rng.random() < 0.5 else st.wood, n=16)


@builder("bar_stool")
def bar_stool(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    r = min(w, d) / 2.0
    seat_y = h * 0.9 if rng.random() < 0.5 else h - 0.06
    if rng.random() < 0.5:  # pedestal
        b.cyl(0.0, 0.0, 0.0, r * 0.85, 0.03, st.metal, n=16)
        b.cyl(0.0, 0.03, 0.0, 0.03, seat_y - 0.03, st.metal, n=8)
        b.cyl(0.0, seat_y * 0.35, 0.0, r * 0.6, 0.02, st.metal, n=12, top_radius=r * 0.6)
    else:
        legs(b, corners(w, d, 0.03), 0.0, seat_y, 0.03, st.wood if rng.random() < 0.5 else st.metal, "splayed")
        for s in (-1, 1):
            b.box(-r * 0.8, seat_y * 0.3, s * r * 0.78 - 0.01, r * 0.8, seat_y * 0.3 + 0.02, s * r * 0.78 + 0.01, st.metal)
    b.cyl(0.0, seat_y, 0.0, r, 0.06, st.fabric, n=16)
    if seat_y < h - 0.1:  # low back
        b.box(-r * 0.7, seat_y + 0.06, -r, r * 0.7, h, -r + 0.04, st.fabric)


@builder("ottoman")
def ottoman(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    leg_h = 0.05 if rng.random() < 0.5 else 0.0
    if leg_h:
        legs(b, corners(w, d, 0.05), 0.0, leg_h, 0.035, st.wood, "tapered")
    if rng.random() < 0.5 or abs(w - d) > 0.2 * max(w, d):
        b.box(-w / 2, leg_h, -d / 2, w / 2, h - 0.04, d / 2, st.fabric)
        b.box(-w / 2 + 0.01, h - 0.04, -d / 2 + 0.01, w / 2 - 0.01, h, d / 2 - 0.01, shade(st.fabric, 1.1))
    else:
        b.cyl(0.0, leg_h, 0.0, w / 2, h - leg_h, st.fabric, n=16, rz=d / 2)


@builder("weight_bench")
def weight_bench(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    pad_y = h - 0.08
    for z in (-d / 2 + 0.08, d / 2 - 0.08):  # feet
        b.box(-w / 2, 0.0, z - 0.04, w / 2, 0.05, z + 0.04, DARK)
        b.box(-0.03, 0.05, z - 0.03, 0.03, pad_y, z + 0.03, st.metal)
    b.box(-0.03, 0.05, -d / 2 + 0.08, 0.03, 0.1, d / 2 - 0.08, st.metal)
    b.box(-w * 0.45, pad_y, -d / 2, w * 0.45, h, d * 0.1, st.fabric)
    b.cbox((0.0, pad_y + 0.06, d * 0.3), (w * 0.9, 0.08, d * 0.38), st.fabric, rot=rotation_x(12.0))
    b.rod((-w / 2, 0.18, d / 2 - 0.05), (w / 2, 0.18, d / 2 - 0.05), 0.02, STEEL)
