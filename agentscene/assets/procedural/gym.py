"""Exercise equipment: the user faces +z (console, handlebars and flywheels at the front)."""

from __future__ import annotations

import math

import numpy as np

from agentscene.assets.procedural.kit import DARK, SCREEN, STEEL, builder, clamp
from agentscene.assets.procedural.parts import MeshBuilder, rotation_x
from agentscene.assets.procedural.style import Style, shade


@builder("treadmill")
def treadmill(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    deck_h = clamp(h * 0.15, 0.12, 0.25)
    b.box(-w / 2, 0.0, -d / 2, w / 2, deck_h, d * 0.35, st.paint)
    b.box(-w * 0.38, deck_h, -d / 2 + 0.05, w * 0.38, deck_h + 0.01, d * 0.33, DARK)
    b.box(-w / 2, 0.0, d * 0.3, w / 2, deck_h + 0.1, d / 2, shade(st.paint, 0.8))  # motor hood
    for s in (-1, 1):
        x = s * (w / 2 - 0.04)
        b.rod((x, deck_h, d * 0.38), (x, h - 0.1, d * 0.45), 0.03, st.metal, n=8)
        b.rod((x, h * 0.72, d * 0.2), (x, h * 0.72, d * 0.44), 0.02, st.metal, n=6)
    b.cbox((0.0, h - 0.08, d * 0.44), (w * 0.8, 0.16, 0.1), DARK, rot=rotation_x(-25))
    b.cbox((0.0, h - 0.07, d * 0.42), (w * 0.4, 0.1, 0.01), SCREEN, rot=rotation_x(-25))


@builder("exercise_bike")
def exercise_bike(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    for z in (-d / 2 + 0.05, d / 2 - 0.05):
        b.rod((-w / 2, 0.04, z), (w / 2, 0.04, z), 0.035, DARK, n=8)
    b.rod((0.0, 0.04, -d / 2 + 0.05), (0.0, 0.04, d / 2 - 0.05), 0.03, st.paint, n=8)
    seat_y = h * 0.68
    b.rod((0.0, 0.04, -d * 0.2), (0.0, seat_y, -d * 0.25), 0.035, st.paint, n=8)
    b.box(-0.1, seat_y, -d * 0.35, 0.1, seat_y + 0.06, -d * 0.12, DARK)
    b.rod((0.0, 0.04, d * 0.3), (0.0, h * 0.85, d * 0.22), 0.035, st.paint, n=8)
    b.rod((-w * 0.4, h * 0.9, d * 0.3), (w * 0.4, h * 0.9, d * 0.3), 0.02, DARK, n=6)
    b.rod((0.0, h * 0.85, d * 0.22), (0.0, h * 0.9, d * 0.3), 0.025, st.paint, n=6)
    r = clamp(h * 0.2, 0.15, 0.3)
    b.rod((-0.04, r + 0.08, d * 0.25), (0.04, r + 0.08, d * 0.25), r, STEEL, n=16)
    b.rod((-0.1, h * 0.3, 0.0), (0.1, h * 0.3, 0.0), 0.02, DARK, n=6)


@builder("rowing_machine")
def rowing_machine(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    rail_y = clamp(h * 0.35, 0.15, 0.4)
    b.box(-0.05, rail_y - 0.05, -d / 2 + 0.05, 0.05, rail_y, d * 0.3, STEEL)
    b.box(-w / 2 + 0.05, 0.0, -d / 2, w / 2 - 0.05, 0.05, -d / 2 + 0.08, DARK)
    b.rod((0.0, 0.05, -d / 2 + 0.04), (0.0, rail_y - 0.05, -d / 2 + 0.06), 0.03, DARK, n=6)
    b.box(-0.15, rail_y, -d * 0.15, 0.15, rail_y + 0.06, d * 0.02, DARK)
    b.rod((0.0, h * 0.55, d / 2 - 0.2), (0.0, h * 0.55, d / 2 - 0.05), h * 0.4, st.paint, n=16)
    b.box(-w / 2 + 0.02, 0.0, d / 2 - 0.12, w / 2 - 0.02, 0.05, d / 2, DARK)
    for s in (-1, 1):
        b.cbox((s * 0.12, rail_y + 0.08, d * 0.25), (0.12, 0.03, 0.25), DARK, rot=rotation_x(-40))
    b.rod((-w * 0.3, h * 0.6, d * 0.2), (w * 0.3, h * 0.6, d * 0.2), 0.015, DARK, n=6)


@builder("elliptical")
def elliptical(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    b.box(-0.06, 0.0, -d / 2, 0.06, 0.08, d / 2 - 0.1, DARK)
    for z in (-d / 2 + 0.05, d / 2 - 0.1):
        b.box(-w / 2, 0.0, z - 0.04, w / 2, 0.06, z + 0.04, DARK)
    b.rod((0.0, 0.25, -d / 2 + 0.05), (0.0, 0.25, -d / 2 + 0.2), 0.22, st.paint, n=16)
    for s in (-1, 1):
        x = s * w * 0.2
        b.cbox((x, 0.3, -d * 0.05), (0.12, 0.04, 0.4), DARK)
        b.rod((x, 0.3, d * 0.1), (s * w * 0.38, h * 0.92, d * 0.3), 0.02, st.metal, n=6)
    b.rod((0.0, 0.08, d * 0.3), (0.0, h * 0.8, d * 0.38), 0.04, st.paint, n=8)
    b.cbox((0.0, h * 0.82, d * 0.38), (0.3, 0.2, 0.08), SCREEN, rot=rotation_x(-25))


@builder("dumbbell_rack")
def dumbbell_rack(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    for x in (-w / 2, w / 2 - 0.05):
        b.box(x, 0.0, -d / 2, x + 0.05, h * 0.9, -d / 2 + 0.05, DARK)
        b.box(x, 0.0, -d / 2, x + 0.05, 0.05, d / 2, DARK)
    tiers = 2 if h > 0.5 else 1
    for t in range(tiers):
        y = h * (0.4 + 0.45 * t) if tiers == 2 else h * 0.7
        z = d * (0.15 - 0.3 * t)
        b.box(-w / 2, y - 0.04, z - d * 0.2, w / 2, y, z + d * 0.2, DARK)
        n = int(clamp(w / 0.2, 2, 12))
        for i in range(n):
            x = -w / 2 + w * (i + 0.5) / n
            r = 0.04 + 0.015 * (i % 4)
            b.rod((x - 0.07, y + r, z), (x + 0.07, y + r, z), 0.012, STEEL, n=5)
            for s in (-1, 1):
                b.rod((x + s * 0.05, y + r, z), (x + s * 0.08, y + r, z), r, st.metal, n=6)


@builder("squat_rack")
def squat_rack(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    t = 0.07
    for x in (-w / 2, w / 2 - t):
        for z in (-d / 2, d / 2 - t):
            b.box(x, 0.0, z, x + t, h, z + t, st.paint)
        b.box(x, 0.0, -d / 2, x + t, 0.05, d / 2, st.paint)
        b.box(x, h - 0.05, -d / 2, x + t, h, d / 2, st.paint)
    for z in (-d / 2, d / 2 - t):
        b.box(-w / 2, h - 0.05, z, w / 2, h, z + t, st.paint)
    bar_y = h * 0.6
    b.rod((-w / 2 - 0.0, bar_y, d / 2 - t - 0.03), (w / 2, bar_y, d / 2 - t - 0.03), 0.015, STEEL, n=6)
    for s in (-1, 1):
        b.rod((s * (w / 2 - 0.12), bar_y, d / 2 - t - 0.03), (s * (w / 2 - 0.08), bar_y, d / 2 - t - 0.03), 0.22, DARK, n=16)


@builder("punching_bag")
def punching_bag(b: MeshBuilder, w: float, h: float, d: float, st: Style, rng: np.random.Generator) -> None:
    r = min(w, d) / 2
    b.cyl(0.0, 0.0, 0.0, r, 0.2, DARK, n=16, top_radius=r * 0.6)
    b.cyl(0.0, 0.2, 0.0, r * 0.8, h - 0.2, st.fabric if st.fabric != (32, 32, 34) else (150, 30, 30), n=14)
    b.cyl(0.0, h - 0.05, 0.0, r * 0.82, 0.05, DARK, n=14)
    for k in range(4):
        a = math.pi / 2 * k
        b.rod((r * 0.6 * math.cos(a), 0.2, r * 0.6 * math.sin(a)), (r * 0.95 * math.cos(a), 0.02, r * 0.95 * math.sin(a)), 0.01, DARK, n=4)
