"""The shared vocabulary of object categories: names, keywords, typical sizes, default support.

One table serves the tool layer (inferring `category` from a description), the formats
(SceneReVis objects carry only a description), the procedural assets and the planner.
Keyword matching is the light, dependency-free path; the assets package adds text embeddings
for descriptions that no keyword covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

Support = str  # "floor" | "wall" | "ceiling" | an object id
#: The supports that are parts of the room; any other support is the id of an object.
SURFACES = ("floor", "wall", "ceiling")


@dataclass(frozen=True)
class CategoryInfo:
    name: str
    keywords: tuple[str, ...]
    size: tuple[float, float, float]  # typical [w, h, d] in metres
    support: str = "floor"  # default support: floor | wall | ceiling
    against_wall: bool = False  # usually placed with its back to a wall
    mass: float = 10.0  # kg at the typical size (physics scales it with the box volume)
    friction: float = 0.6  # sliding friction coefficient against floors and furniture
    #: what the object is for: bed, seat, table, storage, media, lamp, wall_decor, kitchen, bath, appliance,
    #: exercise, game, covering, decor ("" when unknown); the judge's rules name families, not categories
    family: str = ""
    #: free floor depth (m) a person needs in front of it to use it (0: none)
    clearance: float = 0.0
    #: (lowest, highest) height (m) of its centre when it hangs on a wall; None: not a wall item
    mount_height: tuple[float, float] | None = None
    #: categories that belong with it and may stand in its clearance (a desk's chair, a sofa's coffee table)
    companions: tuple[str, ...] = ()


def _c(name, keywords, size, support="floor", against_wall=False) -> CategoryInfo:
    return CategoryInfo(name, tuple(keywords), tuple(float(v) for v in size), support, against_wall)


CATEGORIES: tuple[CategoryInfo, ...] = (
    _c("bed", ["bed", "double bed", "queen bed", "king bed", "single bed", "twin bed", "bunk bed", "daybed"], (1.6, 1.0, 2.1), against_wall=True),
    _c("crib", ["crib", "cot", "baby bed"], (0.7, 0.9, 1.3), against_wall=True),
    _c("nightstand", ["nightstand", "night stand", "bedside table", "bedside cabinet", "night table"], (0.5, 0.55, 0.4), against_wall=True),
    _c("wardrobe", ["wardrobe", "closet", "armoire", "clothes cabinet"], (1.2, 2.1, 0.6), against_wall=True),
    _c("dresser", ["dresser", "chest of drawers", "drawer chest", "drawers"], (1.0, 0.85, 0.5), against_wall=True),
    _c("vanity", ["vanity", "dressing table", "makeup table"], (1.0, 0.8, 0.5), against_wall=True),
    _c("desk", ["desk", "writing desk", "computer desk", "office desk", "work table", "workstation", "standing desk"], (1.4, 0.75, 0.7), against_wall=True),
    _c("office_chair", ["office chair", "desk chair", "swivel chair", "task chair", "gaming chair", "computer chair", "ergonomic chair"], (0.65, 1.1, 0.65)),
    _c("dining_table", ["dining table", "kitchen table", "dinner table", "round table", "breakfast table"], (1.6, 0.75, 0.9)),
    _c("dining_chair", ["dining chair", "kitchen chair", "side chair"], (0.45, 0.9, 0.5)),
    _c("bar_stool", ["bar stool", "counter stool", "barstool"], (0.4, 0.75, 0.4)),
    _c("stool", ["stool", "footstool", "step stool"], (0.4, 0.45, 0.4)),
    _c("sectional_sofa", ["sectional", "sectional sofa", "corner sofa", "l-shaped sofa", "l shaped sofa", "modular sofa"], (2.8, 0.85, 1.8), against_wall=True),
    _c("sofa", ["sofa", "couch", "loveseat", "love seat", "settee", "futon", "chesterfield", "chaise lounge", "chaise longue", "chaise"], (2.1, 0.85, 0.9), against_wall=True),
    _c("armchair", ["armchair", "arm chair", "lounge chair", "accent chair", "recliner", "easy chair", "wingback", "club chair", "reading chair", "rocking chair"], (0.85, 0.95, 0.85)),
    _c("chair", ["chair", "seat"], (0.5, 0.9, 0.5)),
    _c("bench", ["bench"], (1.2, 0.45, 0.4)),
    _c("weight_bench", ["weight bench", "workout bench", "exercise bench", "gym bench"], (0.5, 0.5, 1.3)),
    _c("ottoman", ["ottoman", "pouf", "pouffe", "footrest"], (0.6, 0.42, 0.6)),
    _c("coffee_table", ["coffee table", "cocktail table", "center table", "centre table"], (1.1, 0.42, 0.6)),
    _c("side_table", ["side table", "end table", "accent table", "lamp table"], (0.5, 0.55, 0.5)),
    _c("console_table", ["console table", "console", "hall table", "sofa table", "entryway table"], (1.2, 0.8, 0.35), against_wall=True),
    _c("tv_stand", ["tv stand", "tv cabinet", "tv console", "media console", "media cabinet", "entertainment center", "entertainment unit", "tv unit", "media unit"], (1.6, 0.5, 0.45), against_wall=True),
    _c("tv", ["tv", "television", "flat screen", "flatscreen", "smart tv"], (1.45, 0.85, 0.08), against_wall=True),
    _c("monitor", ["monitor", "computer screen", "display"], (0.6, 0.45, 0.2)),
    _c("projector_screen", ["projector screen", "projection screen"], (2.4, 1.6, 0.05), support="wall", against_wall=True),
    _c("bookshelf", ["bookshelf", "bookcase", "book shelf", "library shelf"], (0.9, 1.9, 0.35), against_wall=True),
    _c("shelf", ["shelf", "shelving", "shelving unit", "rack", "etagere", "display shelf", "wall shelf"], (1.0, 1.6, 0.35), against_wall=True),
    _c("shoe_rack", ["shoe rack", "shoe cabinet", "shoe shelf"], (0.8, 0.6, 0.3), against_wall=True),
    _c("coat_rack", ["coat rack", "coat stand", "hat stand", "coat tree"], (0.5, 1.8, 0.5)),
    _c("filing_cabinet", ["filing cabinet", "file cabinet", "file drawer"], (0.45, 1.0, 0.6), against_wall=True),
    _c("cabinet", ["cabinet", "cupboard", "sideboard", "buffet", "credenza", "storage unit", "storage", "hutch", "chest", "locker", "display cabinet"], (1.0, 0.9, 0.45), against_wall=True),
    _c("kitchen_island", ["kitchen island", "island"], (1.8, 0.92, 0.9)),
    _c("counter", ["counter", "countertop", "kitchen counter", "base cabinet", "worktop", "bar counter"], (2.0, 0.92, 0.6), against_wall=True),
    _c("fridge", ["fridge", "refrigerator", "freezer", "icebox"], (0.8, 1.8, 0.7), against_wall=True),
    _c("stove", ["stove", "range", "cooktop", "oven", "hob", "cooker"], (0.76, 0.92, 0.65), against_wall=True),
    _c("microwave", ["microwave"], (0.5, 0.3, 0.4)),
    _c("dishwasher", ["dishwasher"], (0.6, 0.85, 0.6), against_wall=True),
    _c("washing_machine", ["washing machine", "washer", "dryer", "laundry machine", "tumble dryer"], (0.6, 0.85, 0.6), against_wall=True),
    _c("sink", ["sink", "basin", "washbasin", "vanity sink", "wash basin", "lavatory"], (0.6, 0.85, 0.5), against_wall=True),
    _c("toilet", ["toilet", "wc", "commode", "water closet"], (0.4, 0.8, 0.7), against_wall=True),
    _c("bathtub", ["bathtub", "bath tub", "tub", "bath"], (0.8, 0.6, 1.7), against_wall=True),
    _c("shower", ["shower", "shower stall", "shower cabin", "shower enclosure"], (0.9, 2.1, 0.9), against_wall=True),
    _c("towel_rack", ["towel rack", "towel rail", "towel bar"], (0.6, 0.9, 0.15), support="wall", against_wall=True),
    _c("floor_lamp", ["floor lamp", "standing lamp", "arc lamp", "torchiere", "standing light"], (0.4, 1.6, 0.4)),
    _c("table_lamp", ["table lamp", "desk lamp", "bedside lamp", "reading lamp", "lamp"], (0.3, 0.5, 0.3)),
    _c("ceiling_lamp", ["ceiling lamp", "ceiling light", "pendant", "pendant lamp", "pendant light", "chandelier", "light fixture", "ceiling fan"], (0.6, 0.4, 0.6), support="ceiling"),
    _c("wall_lamp", ["wall lamp", "sconce", "wall light"], (0.2, 0.3, 0.2), support="wall", against_wall=True),
    _c("rug", ["rug", "carpet", "mat", "area rug", "runner"], (2.0, 0.01, 1.4)),
    _c("yoga_mat", ["yoga mat", "exercise mat", "gym mat", "workout mat"], (0.65, 0.01, 1.85)),
    _c("plant", ["plant", "potted plant", "houseplant", "fern", "ficus", "monstera", "cactus", "succulent", "palm", "bonsai", "planter", "flower pot", "tree"], (0.45, 1.1, 0.45)),
    _c("mirror", ["mirror", "full-length mirror", "floor mirror", "wall mirror"], (0.6, 1.6, 0.05), support="wall", against_wall=True),
    _c("painting", ["painting", "picture", "artwork", "art", "poster", "framed print", "canvas", "wall art", "photo frame", "print"], (0.9, 0.7, 0.04), support="wall", against_wall=True),
    _c("clock", ["clock", "wall clock"], (0.35, 0.35, 0.05), support="wall", against_wall=True),
    _c("whiteboard", ["whiteboard", "blackboard", "chalkboard", "bulletin board", "pinboard", "corkboard"], (1.5, 1.0, 0.03), support="wall", against_wall=True),
    _c("curtain", ["curtain", "drape", "drapes", "blind", "blinds"], (2.0, 2.4, 0.1), support="wall", against_wall=True),
    _c("treadmill", ["treadmill", "running machine"], (0.9, 1.4, 1.9)),
    _c("exercise_bike", ["exercise bike", "stationary bike", "spin bike", "indoor bike", "peloton"], (0.6, 1.2, 1.2)),
    _c("rowing_machine", ["rowing machine", "rower", "ergometer"], (0.6, 0.9, 2.4)),
    _c("elliptical", ["elliptical", "cross trainer", "elliptical trainer"], (0.7, 1.6, 1.8)),
    _c("dumbbell_rack", ["dumbbell rack", "dumbbells", "dumbbell", "weight rack", "kettlebell rack"], (1.2, 0.8, 0.5), against_wall=True),
    _c("squat_rack", ["squat rack", "power rack", "power cage", "squat cage"], (1.3, 2.2, 1.3)),
    _c("punching_bag", ["punching bag", "boxing bag", "heavy bag", "punch bag"], (0.4, 1.5, 0.4)),
    _c("piano", ["piano", "grand piano", "upright piano", "keyboard piano", "digital piano"], (1.5, 1.25, 0.6), against_wall=True),
    _c("guitar", ["guitar", "guitar stand"], (0.4, 1.0, 0.3)),
    _c("pool_table", ["pool table", "billiard table", "snooker table"], (2.5, 0.8, 1.4)),
    _c("ping_pong_table", ["ping pong table", "table tennis table"], (2.74, 0.76, 1.525)),
    _c("foosball_table", ["foosball", "foosball table", "table football"], (1.4, 0.9, 0.75)),
    _c("arcade_machine", ["arcade", "arcade machine", "arcade cabinet", "pinball"], (0.7, 1.8, 0.8), against_wall=True),
    _c("speaker", ["speaker", "subwoofer", "sound bar", "soundbar", "loudspeaker"], (0.3, 1.0, 0.3)),
    _c("game_console", ["game console", "gaming console", "playstation", "xbox", "console unit"], (0.4, 0.1, 0.3)),
    _c("computer", ["computer", "pc", "desktop computer", "laptop", "tower"], (0.4, 0.45, 0.45)),
    _c("printer", ["printer", "copier", "photocopier", "scanner"], (0.5, 0.4, 0.45)),
    _c("trash_can", ["trash can", "trash bin", "waste bin", "garbage can", "bin", "wastebasket", "recycling bin"], (0.35, 0.6, 0.35)),
    _c("fireplace", ["fireplace", "hearth", "wood stove"], (1.5, 1.1, 0.45), against_wall=True),
    _c("radiator", ["radiator", "heater"], (0.9, 0.6, 0.12), against_wall=True),
    _c("fan", ["fan", "standing fan", "floor fan"], (0.4, 1.2, 0.4)),
    _c("air_conditioner", ["air conditioner", "ac unit", "air conditioning", "a/c"], (0.9, 0.3, 0.25), support="wall", against_wall=True),
    _c("vase", ["vase", "urn", "decor", "decoration", "sculpture", "statue", "ornament"], (0.3, 0.5, 0.3)),
    _c("basket", ["basket", "laundry basket", "hamper", "toy box", "toy chest", "storage box", "box"], (0.45, 0.5, 0.35)),
    _c("table", ["table", "tea table", "work bench", "workbench", "folding table", "conference table", "meeting table"], (1.2, 0.75, 0.8)),
)

#: typical mass (kg at the category's typical size) and sliding friction, for physics (MuJoCo stability)
_PHYSICS: dict[str, tuple[float, float]] = {
    "bed": (70, 0.6), "crib": (25, 0.6), "nightstand": (12, 0.6), "wardrobe": (90, 0.6), "dresser": (45, 0.6),
    "vanity": (30, 0.6), "desk": (35, 0.6), "office_chair": (14, 0.5), "dining_table": (40, 0.6),
    "dining_chair": (6, 0.6), "bar_stool": (7, 0.6), "stool": (4, 0.6), "sectional_sofa": (90, 0.7), "sofa": (55, 0.7),
    "armchair": (25, 0.7), "chair": (6, 0.6), "bench": (15, 0.6), "weight_bench": (25, 0.7), "ottoman": (8, 0.7),
    "coffee_table": (20, 0.6), "side_table": (8, 0.6), "console_table": (18, 0.6), "tv_stand": (30, 0.6),
    "tv": (15, 0.5), "monitor": (5, 0.5), "projector_screen": (8, 0.5), "bookshelf": (45, 0.6), "shelf": (30, 0.6),
    "shoe_rack": (10, 0.6), "coat_rack": (6, 0.6), "filing_cabinet": (30, 0.6), "cabinet": (35, 0.6),
    "kitchen_island": (120, 0.6), "counter": (100, 0.6), "fridge": (80, 0.5), "stove": (50, 0.5), "microwave": (12, 0.5),
    "dishwasher": (45, 0.5), "washing_machine": (70, 0.5), "sink": (30, 0.5), "toilet": (25, 0.5), "bathtub": (60, 0.5),
    "shower": (60, 0.5), "towel_rack": (3, 0.5), "floor_lamp": (6, 0.6), "table_lamp": (2, 0.6), "ceiling_lamp": (4, 0.5),
    "wall_lamp": (1.5, 0.5), "rug": (6, 0.9), "yoga_mat": (1.5, 0.9), "plant": (8, 0.6), "mirror": (10, 0.5),
    "painting": (3, 0.5), "clock": (1, 0.5), "whiteboard": (8, 0.5), "curtain": (4, 0.5), "treadmill": (80, 0.7),
    "exercise_bike": (40, 0.7), "rowing_machine": (30, 0.7), "elliptical": (70, 0.7), "dumbbell_rack": (80, 0.7),
    "squat_rack": (90, 0.7), "punching_bag": (30, 0.6), "piano": (200, 0.6), "guitar": (4, 0.6), "pool_table": (250, 0.6),
    "ping_pong_table": (60, 0.6), "foosball_table": (40, 0.6), "arcade_machine": (100, 0.6), "speaker": (10, 0.6),
    "game_console": (3, 0.5), "computer": (8, 0.5), "printer": (8, 0.5), "trash_can": (3, 0.6), "fireplace": (120, 0.6),
    "radiator": (15, 0.5), "fan": (4, 0.6), "air_conditioner": (12, 0.5), "vase": (2, 0.6), "basket": (2, 0.6),
    "table": (25, 0.6),
}
CATEGORIES = tuple(replace(c, mass=float(_PHYSICS[c.name][0]), friction=float(_PHYSICS[c.name][1])) if c.name in _PHYSICS else c
                   for c in CATEGORIES)
_SEATS = ("office_chair", "chair", "dining_chair", "stool", "bar_stool", "bench")
#: family, clearance (m), mount height (m, centre) and companions of each category (the judge reads these)
_ROLES: dict[str, tuple[str, float, tuple[float, float] | None, tuple[str, ...]]] = {
    "bed": ("bed", 0.6, None, ("nightstand", "bench", "ottoman")),
    "crib": ("bed", 0.5, None, ("nightstand",)),
    "nightstand": ("storage", 0.0, None, ("bed", "crib")),
    "wardrobe": ("storage", 0.7, None, ()),
    "dresser": ("storage", 0.6, None, ("stool", "chair")),
    "vanity": ("table", 0.6, None, ("stool", "chair", "ottoman")),
    "desk": ("table", 0.7, None, _SEATS),
    "office_chair": ("seat", 0.0, None, ("desk",)),
    "dining_table": ("table", 0.0, None, _SEATS),
    "dining_chair": ("seat", 0.0, None, ("dining_table", "table", "kitchen_island", "counter")),
    "bar_stool": ("seat", 0.0, None, ("kitchen_island", "counter", "dining_table", "table")),
    "stool": ("seat", 0.0, None, ()),
    "sectional_sofa": ("seat", 0.6, None, ("coffee_table", "side_table", "ottoman", "rug")),
    "sofa": ("seat", 0.6, None, ("coffee_table", "side_table", "ottoman", "rug")),
    "armchair": ("seat", 0.45, None, ("coffee_table", "side_table", "ottoman", "floor_lamp", "dining_table", "table")),
    "chair": ("seat", 0.0, None, ()),
    "bench": ("seat", 0.0, None, ()),
    "weight_bench": ("exercise", 0.0, None, ()),
    "ottoman": ("seat", 0.0, None, ()),
    "coffee_table": ("table", 0.0, None, ()),
    "side_table": ("table", 0.0, None, ()),
    "console_table": ("table", 0.0, None, ()),
    "tv_stand": ("media", 0.5, None, ("tv", "speaker", "game_console")),
    "tv": ("media", 0.0, (0.8, 1.9), ()),
    "monitor": ("media", 0.0, None, ()),
    "projector_screen": ("media", 0.0, (1.0, 2.5), ()),
    "bookshelf": ("storage", 0.6, None, ()),
    "shelf": ("storage", 0.5, (0.9, 2.2), ()),
    "shoe_rack": ("storage", 0.4, None, ()),
    "coat_rack": ("storage", 0.0, None, ()),
    "filing_cabinet": ("storage", 0.6, None, ("office_chair", "chair")),
    "cabinet": ("storage", 0.6, (1.2, 2.3), ()),
    "kitchen_island": ("table", 0.8, None, ("bar_stool", "stool")),
    "counter": ("kitchen", 0.8, None, ("bar_stool", "stool")),
    "fridge": ("kitchen", 0.8, None, ()),
    "stove": ("kitchen", 0.8, None, ()),
    "microwave": ("kitchen", 0.0, (1.0, 1.9), ()),
    "dishwasher": ("kitchen", 0.7, None, ()),
    "washing_machine": ("appliance", 0.7, None, ()),
    "sink": ("bath", 0.6, None, ()),
    "toilet": ("bath", 0.6, None, ()),
    "bathtub": ("bath", 0.0, None, ()),
    "shower": ("bath", 0.6, None, ()),
    "towel_rack": ("bath", 0.0, (0.6, 1.8), ()),
    "floor_lamp": ("lamp", 0.0, None, ()),
    "table_lamp": ("lamp", 0.0, None, ()),
    "ceiling_lamp": ("lamp", 0.0, None, ()),
    "wall_lamp": ("lamp", 0.0, (1.3, 2.3), ()),
    "rug": ("covering", 0.0, None, ()),
    "yoga_mat": ("exercise", 0.0, None, ()),
    "plant": ("decor", 0.0, None, ()),
    "mirror": ("wall_decor", 0.0, (0.9, 2.0), ()),
    "painting": ("wall_decor", 0.0, (1.1, 2.2), ()),
    "clock": ("wall_decor", 0.0, (1.4, 2.5), ()),
    "whiteboard": ("wall_decor", 0.0, (1.0, 2.0), ()),
    "curtain": ("wall_decor", 0.0, (0.8, 2.6), ()),
    "treadmill": ("exercise", 0.0, None, ()),
    "exercise_bike": ("exercise", 0.0, None, ()),
    "rowing_machine": ("exercise", 0.0, None, ()),
    "elliptical": ("exercise", 0.0, None, ()),
    "dumbbell_rack": ("exercise", 0.5, None, ("weight_bench",)),
    "squat_rack": ("exercise", 0.0, None, ("weight_bench",)),
    "punching_bag": ("exercise", 0.0, None, ()),
    "piano": ("game", 0.6, None, ("bench", "stool", "chair")),
    "guitar": ("game", 0.0, None, ()),
    "pool_table": ("game", 0.0, None, ()),
    "ping_pong_table": ("game", 0.0, None, ()),
    "foosball_table": ("game", 0.0, None, ()),
    "arcade_machine": ("game", 0.7, None, ("stool", "chair")),
    "speaker": ("media", 0.0, (1.2, 2.4), ()),
    "game_console": ("media", 0.0, None, ()),
    "computer": ("media", 0.0, None, ()),
    "printer": ("appliance", 0.0, None, ()),
    "trash_can": ("decor", 0.0, None, ()),
    "fireplace": ("decor", 0.5, None, ()),
    "radiator": ("appliance", 0.0, (0.2, 1.0), ()),
    "fan": ("appliance", 0.0, None, ()),
    "air_conditioner": ("appliance", 0.0, (1.6, 3.5), ()),
    "vase": ("decor", 0.0, None, ()),
    "basket": ("decor", 0.0, None, ()),
    "table": ("table", 0.0, None, _SEATS),
}
CATEGORIES = tuple(
    replace(c, family=r[0], clearance=r[1], mount_height=r[2], companions=r[3]) if (r := _ROLES.get(c.name)) else c
    for c in CATEGORIES
)

_BY_NAME: dict[str, CategoryInfo] = {c.name: c for c in CATEGORIES}

#: The category used when nothing in the description matches.
UNKNOWN_CATEGORY = "object"
_UNKNOWN = CategoryInfo(UNKNOWN_CATEGORY, (), (0.5, 0.5, 0.5))

_WORD = re.compile(r"[a-z0-9/]+")


def category_names() -> list[str]:
    return [c.name for c in CATEGORIES]


def category_info(name: str) -> CategoryInfo:
    """Info for a category name; unknown names get generic defaults, never an error."""
    return _BY_NAME.get(name, _UNKNOWN)


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower().replace("-", " ")))


@lru_cache(maxsize=1)
def _keyword_index() -> list[tuple[tuple[str, ...], str]]:
    """(keyword tokens, category) sorted so longer phrases win over their sub-words."""
    pairs = []
    for info in CATEGORIES:
        pairs.append((_tokens(info.name.replace("_", " ")), info.name))
        for kw in info.keywords:
            pairs.append((_tokens(kw), info.name))
    pairs.sort(key=lambda p: -len(p[0]))
    return pairs


def _singular(token: str) -> str:
    if len(token) > 3 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith(("ches", "shes", "sses", "xes")):
        return token[:-2]
    if len(token) > 2 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


_BREAK_WORDS = frozenset(
    "with on in for of near next beside by under above below and featuring that which to from".split()
)


@lru_cache(maxsize=4096)
def match_category(description: str) -> str | None:
    """The category whose keyword phrase matches the description best, or None.

    A match that starts in the head of the description (before the first "with", "on",
    "for", ...) wins: "a desk with a lamp" is a desk, "lamp on a desk" a lamp. Then the
    longest phrase wins ("desk lamp" over "desk"), then the one nearest the end of the head
    (English head nouns come last: "sofa table" is a table).
    """
    words = tuple(_singular(w) for w in _tokens(description))
    if not words:
        return None
    head_end = next((i for i, w in enumerate(words) if w in _BREAK_WORDS and i > 0), len(words))
    best: tuple[bool, int, int] | None = None
    best_name: str | None = None
    for phrase, name in _keyword_index():
        phrase = tuple(_singular(w) for w in phrase)
        n = len(phrase)
        for start in range(len(words) - n + 1):
            if words[start : start + n] == phrase:
                score = (start < head_end, n, start + n)
                if best is None or score > best:
                    best, best_name = score, name
    return best_name


def infer_category(description: str) -> str:
    """A normalised category for a free-text description; `object` when nothing matches."""
    return match_category(description) or UNKNOWN_CATEGORY
