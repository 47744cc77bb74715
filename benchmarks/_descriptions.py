"""Real-style furniture descriptions with their true category, for retrieval speed and accuracy.

Built from catalogue-like noun phrases per category (including names no keyword list holds,
e.g. "fiddle leaf fig", "sleeper", "étagère") and the modifiers shops use (style, material,
colour, size words, a trailing detail). Deterministic: the same seed gives the same set.
"""

from __future__ import annotations

import random

NOUNS: dict[str, list[str]] = {
    "bed": ["queen bed", "king-size sleigh bed", "upholstered platform bed", "four-poster bed", "storage bed frame",
            "twin bed with trundle", "canopy bed"],
    "nightstand": ["nightstand", "bedside table", "two-drawer night table", "floating bedside cabinet"],
    "wardrobe": ["wardrobe", "double-door armoire", "sliding-door closet", "clothes cabinet"],
    "dresser": ["six-drawer dresser", "chest of drawers", "tallboy dresser", "low dresser"],
    "desk": ["writing desk", "standing desk", "L-shaped computer desk", "secretary desk", "home office desk"],
    "office_chair": ["ergonomic office chair", "mesh task chair", "swivel desk chair", "gaming chair"],
    "dining_table": ["dining table", "extendable dining table", "round pedestal dining table", "farmhouse kitchen table"],
    "dining_chair": ["dining chair", "upholstered side chair", "windsor dining chair", "ladder-back kitchen chair"],
    "bar_stool": ["bar stool", "counter-height stool", "swivel barstool"],
    "sofa": ["three-seat sofa", "loveseat", "chesterfield sofa", "sleeper couch", "two-seater settee", "futon"],
    "sectional_sofa": ["sectional sofa", "L-shaped sofa", "modular corner sofa"],
    "armchair": ["armchair", "wingback chair", "accent chair", "recliner", "club chair", "rocking chair"],
    "ottoman": ["ottoman", "knitted pouf", "tufted footrest"],
    "coffee_table": ["coffee table", "nesting coffee tables", "lift-top coffee table", "cocktail table"],
    "side_table": ["side table", "end table", "C-shaped side table", "accent table"],
    "console_table": ["console table", "entryway table", "narrow sofa table"],
    "tv_stand": ["TV stand", "media console", "low entertainment unit", "floating TV cabinet"],
    "tv": ["65-inch smart TV", "flat screen television", "wall-mounted TV"],
    "bookshelf": ["bookshelf", "five-tier bookcase", "ladder bookshelf", "barrister bookcase"],
    "shelf": ["wall shelf", "open shelving unit", "floating shelves", "étagère", "cube storage shelf"],
    "cabinet": ["sideboard", "credenza", "china cabinet", "display cabinet", "storage cupboard", "buffet"],
    "kitchen_island": ["kitchen island", "butcher-block island cart"],
    "fridge": ["refrigerator", "French-door fridge", "side-by-side refrigerator", "mini fridge"],
    "stove": ["gas range", "induction cooktop", "built-in oven", "electric stove"],
    "microwave": ["microwave", "over-the-range microwave"],
    "dishwasher": ["dishwasher", "built-in dishwasher"],
    "washing_machine": ["front-loading washing machine", "tumble dryer", "washer"],
    "sink": ["pedestal sink", "vessel basin", "double kitchen sink", "wall-hung washbasin"],
    "toilet": ["toilet", "wall-hung WC", "close-coupled toilet"],
    "bathtub": ["freestanding bathtub", "clawfoot tub", "soaking bath"],
    "shower": ["walk-in shower", "corner shower enclosure", "glass shower stall"],
    "floor_lamp": ["floor lamp", "arc floor lamp", "tripod standing lamp", "torchiere"],
    "table_lamp": ["table lamp", "bedside lamp", "brass desk lamp", "ceramic lamp"],
    "ceiling_lamp": ["pendant light", "crystal chandelier", "flush-mount ceiling light", "ceiling fan with light"],
    "wall_lamp": ["wall sconce", "swing-arm wall lamp"],
    "rug": ["area rug", "runner rug", "shag carpet", "jute rug", "kilim"],
    "plant": ["potted plant", "fiddle leaf fig", "snake plant in a pot", "monstera", "olive tree in a planter",
              "bird of paradise", "potted palm"],
    "mirror": ["full-length mirror", "round wall mirror", "floor mirror"],
    "painting": ["framed print", "abstract canvas painting", "gallery wall art", "framed photograph", "oil painting"],
    "clock": ["wall clock", "grandfather clock"],
    "whiteboard": ["whiteboard", "cork pinboard", "chalkboard"],
    "curtain": ["blackout curtains", "linen drapes", "roller blind"],
    "treadmill": ["treadmill", "folding running machine"],
    "exercise_bike": ["exercise bike", "spin bike", "stationary bike"],
    "rowing_machine": ["rowing machine", "water rower"],
    "piano": ["upright piano", "baby grand piano", "digital piano"],
    "pool_table": ["pool table", "billiard table"],
    "speaker": ["floorstanding speaker", "soundbar", "bookshelf speakers"],
    "computer": ["desktop computer", "gaming PC tower", "laptop"],
    "printer": ["laser printer", "all-in-one printer"],
    "trash_can": ["pedal bin", "kitchen trash can", "wastebasket", "recycling bin"],
    "fireplace": ["electric fireplace", "wood-burning stove", "marble fireplace"],
    "radiator": ["column radiator", "oil-filled heater"],
    "vase": ["ceramic vase", "floor vase", "bronze sculpture", "decorative urn"],
    "basket": ["laundry hamper", "woven storage basket", "toy chest"],
    "crib": ["crib", "baby cot", "convertible crib"],
    "coat_rack": ["coat rack", "hall tree coat stand"],
    "shoe_rack": ["shoe rack", "shoe cabinet"],
    "bench": ["entryway bench", "storage bench", "end-of-bed bench"],
    "stool": ["step stool", "wooden stool"],
}

STYLES = ["modern", "mid-century", "Scandinavian", "industrial", "rustic", "minimalist", "contemporary", "vintage",
          "farmhouse", "Japandi", "art deco", "coastal", "traditional", "bohemian", ""]
MATERIALS = ["oak", "walnut", "teak", "pine", "white lacquered", "black metal", "brass", "marble", "rattan", "velvet",
             "linen", "leather", "boucle", "glass", "concrete", "bamboo", ""]
COLOURS = ["grey", "charcoal", "navy blue", "sage green", "cream", "white", "black", "terracotta", "mustard", "blush pink",
           "natural", ""]
DETAILS = ["", "", "", " with tapered legs", " with brass handles", " with soft-close drawers", " on castors",
           " with a built-in charging port", " in a matte finish", " for a small apartment", " with storage",
           " with rounded corners"]


def descriptions(n: int = 600, seed: int = 0) -> list[tuple[str, str]]:
    """n (description, category) pairs, every category represented."""
    rng = random.Random(seed)
    cats = sorted(NOUNS)
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(out) < n:
        cat = cats[len(out) % len(cats)] if len(out) < len(cats) * 2 else rng.choice(cats)
        noun = rng.choice(NOUNS[cat])
        words = [rng.choice(STYLES), rng.choice(COLOURS), rng.choice(MATERIALS)]
        text = " ".join(w for w in words if w) + " " + noun + rng.choice(DETAILS)
        text = text.strip()
        text = text[0].upper() + text[1:]
        if text not in seen:
            seen.add(text)
            out.append((text, cat))
    return out
