"""Colours and style choices for procedural meshes, from a seed and the description's words.

"mustard velvet armchair" gets mustard upholstery, "oak dining table" an oak top; without
colour words a seeded palette picks plausible materials, so identical descriptions look
identical and different seeds give visibly different variants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from agentscene.assets.procedural.parts import Colour
from agentscene.assets.procedural.seeds import stable_seed

#: Colour and material words that may appear in descriptions, as sRGB.
COLOUR_WORDS: dict[str, Colour] = {
    "white": (236, 236, 230), "black": (32, 32, 34), "grey": (128, 128, 130), "gray": (128, 128, 130),
    "charcoal": (62, 64, 68), "silver": (190, 192, 196), "chrome": (200, 204, 210), "steel": (160, 164, 170),
    "stainless": (176, 180, 184), "metal": (120, 124, 130), "iron": (70, 70, 72), "aluminium": (182, 186, 190),
    "aluminum": (182, 186, 190), "gold": (201, 162, 72), "golden": (201, 162, 72), "brass": (181, 148, 74),
    "copper": (184, 115, 70), "bronze": (140, 100, 56),
    "beige": (214, 198, 170), "cream": (238, 228, 200), "ivory": (240, 234, 214), "tan": (196, 160, 118),
    "brown": (112, 76, 48), "chocolate": (80, 50, 32), "camel": (190, 142, 90), "taupe": (150, 134, 120),
    "red": (178, 44, 44), "maroon": (110, 30, 38), "burgundy": (120, 30, 48), "crimson": (170, 24, 50),
    "orange": (222, 122, 44), "rust": (168, 80, 44), "terracotta": (190, 98, 64), "coral": (240, 128, 110),
    "mustard": (214, 170, 46), "yellow": (236, 204, 64), "ochre": (204, 140, 40),
    "green": (72, 130, 76), "olive": (112, 118, 60), "sage": (150, 168, 134), "emerald": (30, 128, 90),
    "forest": (40, 82, 50), "mint": (164, 220, 190),
    "teal": (36, 128, 128), "turquoise": (64, 190, 184), "aqua": (100, 200, 210),
    "blue": (52, 92, 164), "navy": (32, 44, 84), "cobalt": (30, 70, 170), "sky": (130, 180, 226),
    "purple": (110, 64, 140), "violet": (130, 80, 170), "lavender": (180, 160, 210), "lilac": (190, 160, 210),
    "plum": (100, 50, 80),
    "pink": (226, 150, 170), "blush": (226, 180, 176), "rose": (210, 120, 140), "magenta": (190, 50, 140),
    "oak": (182, 140, 92), "walnut": (104, 70, 46), "pine": (210, 176, 122), "cherry": (140, 66, 44),
    "mahogany": (108, 46, 34), "teak": (156, 108, 62), "maple": (214, 178, 128), "birch": (222, 200, 160),
    "ebony": (40, 32, 28), "espresso": (60, 42, 32), "bamboo": (210, 186, 120), "rattan": (196, 160, 100),
    "wicker": (184, 148, 92), "wooden": (160, 116, 72), "wood": (160, 116, 72),
    "marble": (226, 224, 220), "concrete": (150, 150, 146), "stone": (160, 156, 148), "granite": (110, 108, 106),
    "glass": (180, 210, 220), "ceramic": (232, 232, 228), "porcelain": (240, 240, 236), "leather": (110, 66, 40),
    "clay": (180, 100, 70),
}

WOODS: tuple[Colour, ...] = (
    (182, 140, 92), (104, 70, 46), (210, 176, 122), (140, 66, 44), (156, 108, 62), (222, 200, 160), (60, 42, 32),
)
FABRICS: tuple[Colour, ...] = (
    (128, 128, 130), (214, 198, 170), (62, 64, 68), (52, 92, 164), (72, 130, 76), (214, 170, 46),
    (150, 168, 134), (110, 66, 40), (36, 128, 128), (226, 180, 176),
)
PAINTS: tuple[Colour, ...] = ((236, 236, 230), (32, 32, 34), (128, 128, 130), (150, 168, 134), (32, 44, 84), (214, 198, 170))
METALS: tuple[Colour, ...] = ((32, 32, 34), (190, 192, 196), (181, 148, 74), (70, 70, 72))

_WORD = re.compile(r"[a-z]+")


def colour_words(description: str) -> tuple[Colour, ...]:
    """Colours named in the description, in order of appearance (deduplicated)."""
    out: list[Colour] = []
    for w in _WORD.findall(description.lower()):
        c = COLOUR_WORDS.get(w)
        if c is not None and c not in out:
            out.append(c)
    return tuple(out)


def shade(c: Colour, factor: float) -> Colour:
    """Darker (< 1) or lighter (> 1) version of a colour."""
    if factor <= 1.0:
        return tuple(int(v * factor) for v in c)  # type: ignore[return-value]
    return tuple(int(v + (255 - v) * (factor - 1.0)) for v in c)  # type: ignore[return-value]


@dataclass(frozen=True)
class Style:
    """Role colours a builder paints with, plus the seeded rng for shape variation."""

    wood: Colour  # main structural material
    fabric: Colour  # upholstery, mattress, cushions
    metal: Colour  # legs, frames, handles
    paint: Colour  # painted / appliance bodies
    accent: Colour  # pillows, books, small details
    seed: int
    named: int = 0  # how many roles the description's colour words repainted

    def rng(self) -> np.random.Generator:
        return np.random.default_rng(self.seed)


def make_style(category: str, seed: int, named: tuple[Colour, ...] = ()) -> Style:
    """Seeded palette, overridden by named colours (see `colour_words`): the first paints the
    main material of the category, the second the next one."""
    rng = np.random.default_rng(stable_seed(category, seed))
    bodies = WOODS + PAINTS if category in PAINTABLE_BODIES else WOODS
    wood = bodies[int(rng.integers(len(bodies)))]
    fabric = FABRICS[int(rng.integers(len(FABRICS)))]
    metal = METALS[int(rng.integers(len(METALS)))]
    paint = PAINTS[int(rng.integers(len(PAINTS)))]
    accent = FABRICS[int(rng.integers(len(FABRICS)))]
    roles = MAIN_ROLES.get(category, ("wood", "metal"))
    values = {"wood": wood, "fabric": fabric, "metal": metal, "paint": paint, "accent": accent}
    applied = 0
    for role, colour in zip(roles, named, strict=False):
        values[role] = colour
        applied += 1
    return Style(seed=stable_seed(category, seed, "shape"), named=applied, **values)


#: Categories whose main body may be painted rather than bare wood.
PAINTABLE_BODIES = frozenset({
    "wardrobe", "dresser", "nightstand", "cabinet", "tv_stand", "counter", "kitchen_island", "bookshelf",
    "shelf", "shoe_rack", "desk", "crib", "console_table", "side_table", "vanity", "bed",
})

#: Which roles the first and second colour word of a description repaint, per category.
MAIN_ROLES: dict[str, tuple[str, ...]] = {
    **{c: ("fabric", "wood") for c in ("sofa", "sectional_sofa", "armchair", "ottoman", "bed", "bench")},
    **{c: ("fabric", "metal") for c in ("office_chair", "weight_bench", "yoga_mat", "rug", "curtain", "punching_bag")},
    **{c: ("paint", "metal") for c in (
        "fridge", "stove", "microwave", "dishwasher", "washing_machine", "toilet", "bathtub", "sink", "shower",
        "tv", "monitor", "computer", "printer", "speaker", "game_console", "arcade_machine", "air_conditioner",
        "radiator", "fan", "treadmill", "exercise_bike", "rowing_machine", "elliptical", "whiteboard",
        "projector_screen", "clock", "trash_can", "vase", "mirror", "painting", "piano", "filing_cabinet",
        "fireplace", "basket", "guitar",
    )},
    **{c: ("metal", "paint") for c in ("floor_lamp", "table_lamp", "ceiling_lamp", "wall_lamp", "squat_rack",
                                       "dumbbell_rack", "coat_rack", "towel_rack")},
    **{c: ("paint",) for c in ("plant",)},
}
