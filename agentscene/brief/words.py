"""The words a brief is read with: room and zone phrases, numbers, size, style, material and
colour words, relation phrases, and the function words that carry no request.

One place for these facts: the planner, tasks and the judge read them through `parse_brief`.
Object nouns come from `agentscene.categories` (the one vocabulary of categories).
"""

from __future__ import annotations

ROOM_TYPES: tuple[str, ...] = ("bedroom", "living_room", "dining_room", "kitchen", "bathroom", "office", "study_room",
                               "gym", "entertainment_room", "kids_room")

ROOM_PHRASES: dict[str, tuple[str, ...]] = {
    "kids_room": ("kids room", "kid room", "kids bedroom", "childrens room", "children room", "child room",
                  "childs bedroom", "nursery", "playroom", "play room", "toddler room", "baby room", "play area",
                  "play corner"),
    "bedroom": ("bedroom", "bed room", "master bedroom", "guest room", "guest bedroom", "sleeping room", "dorm room",
                "master suite", "bedroom suite", "sleeping area", "sleeping nook", "sleeping corner", "sleeping side", "sleeping part"),
    "living_room": ("living room", "lounge", "family room", "sitting room", "living area", "den", "parlor", "parlour",
                    "lounge area", "sitting area", "living space", "seating area", "tv area", "lounge corner", "living part", "living side", "lounge side"),
    "dining_room": ("dining room", "dining area", "breakfast room", "dining space", "dining corner", "dining zone",
                    "eating area", "dining nook", "dining part", "dining side"),
    "kitchen": ("kitchen", "kitchenette", "galley", "kitchen area", "cooking area", "kitchen zone", "kitchen side",
                "kitchen part"),
    "bathroom": ("bathroom", "bath room", "washroom", "restroom", "powder room", "ensuite", "en suite", "wc room",
                 "shower room"),
    "office": ("office", "home office", "workspace", "work room", "workroom", "coworking", "work space", "work area",
               "work corner", "work zone", "office corner", "office nook", "study corner", "study area", "desk area"),
    "study_room": ("study", "study room", "library", "reading room"),
    "gym": ("gym", "home gym", "fitness room", "workout room", "exercise room", "fitness studio", "weight room",
            "martial arts room", "dojo", "yoga room", "yoga studio", "training room", "workout area", "fitness corner",
            "workout corner", "exercise corner"),
    "entertainment_room": ("game room", "games room", "gaming room", "media room", "home theater", "home theatre",
                           "entertainment room", "rec room", "recreation room", "man cave", "billiard room",
                           "games area", "gaming corner", "media corner"),
}

#: nooks: small zones with a fixed group, inside a room of another type
NOOK_PHRASES: dict[str, tuple[str, ...]] = {
    "reading_nook": ("reading nook", "reading corner", "reading area", "reading spot", "book nook"),
    "bistro": ("bistro corner", "bistro set", "bistro area", "cafe corner", "breakfast nook", "breakfast corner"),
}
#: the room type a nook stands for when it is all the brief names
NOOK_ROOM: dict[str, str] = {"reading_nook": "study_room", "bistro": "dining_room"}

#: words for a room of no particular type; several zones in one of these make an open plan
OPEN_PLAN_WORDS: tuple[str, ...] = ("open plan", "open-plan", "open concept", "loft", "studio apartment", "studio flat",
                                    "great room", "combined", "combo", "one-room", "one room apartment")
GENERIC_ROOM_WORDS = frozenset({"room", "space", "loft", "studio", "apartment", "flat", "area", "interior", "suite",
                                "cabin", "attic", "basement", "garage", "hall", "hallway", "corridor", "conservatory"})

#: room type implied by an object when the prompt names no room
ROOM_FROM_OBJECT: dict[str, str] = {
    "bed": "bedroom", "crib": "kids_room", "wardrobe": "bedroom", "sofa": "living_room",
    "sectional_sofa": "living_room", "tv_stand": "living_room", "dining_table": "dining_room",
    "stove": "kitchen", "fridge": "kitchen", "kitchen_island": "kitchen", "counter": "kitchen", "toilet": "bathroom",
    "bathtub": "bathroom", "shower": "bathroom", "desk": "office", "treadmill": "gym", "squat_rack": "gym",
    "punching_bag": "gym", "weight_bench": "gym", "exercise_bike": "gym", "rowing_machine": "gym", "elliptical": "gym",
    "dumbbell_rack": "gym", "yoga_mat": "gym",
    "pool_table": "entertainment_room", "arcade_machine": "entertainment_room", "ping_pong_table": "entertainment_room",
}

#: what a generic noun means in a zone ("chairs" in a dining room are dining chairs)
ROOM_ALIASES: dict[str, dict[str, str]] = {
    "dining_room": {"chair": "dining_chair", "table": "dining_table", "stool": "bar_stool"},
    "bistro": {"chair": "dining_chair", "table": "dining_table", "stool": "bar_stool"},
    "kitchen": {"chair": "dining_chair", "table": "dining_table", "stool": "bar_stool"},
    "office": {"chair": "office_chair", "table": "desk"},
    "study_room": {"chair": "office_chair", "table": "desk"},
    "living_room": {"table": "coffee_table"},
    "entertainment_room": {"table": "coffee_table"},
    "reading_nook": {"chair": "armchair", "table": "side_table"},
}
#: what a generic noun means next to an anchor ("chairs around the table", "a chair at the desk")
ANCHOR_ALIASES: dict[str, dict[str, str]] = {
    "dining_table": {"chair": "dining_chair", "seat": "dining_chair", "stool": "bar_stool"},
    "table": {"chair": "dining_chair"},
    "kitchen_island": {"chair": "bar_stool", "stool": "bar_stool", "dining_chair": "bar_stool"},
    "counter": {"stool": "bar_stool", "chair": "bar_stool"},
    "desk": {"chair": "office_chair"},
}
#: seating that gathers around a table; a bare plural of one of these is "a full set"
SEATS = frozenset({"chair", "dining_chair", "bar_stool", "stool", "armchair", "office_chair", "bench"})
TABLES = frozenset({"dining_table", "table", "kitchen_island", "desk", "coffee_table", "pool_table"})

STYLE_WORDS: tuple[str, ...] = (
    "cozy", "cosy", "modern", "minimalist", "minimal", "scandinavian", "nordic", "industrial", "rustic", "bohemian",
    "boho", "mid-century", "vintage", "retro", "classic", "traditional", "contemporary", "luxurious", "luxury",
    "elegant", "japanese", "japandi", "coastal", "farmhouse", "art deco", "colorful", "colourful", "bright", "dark",
    "warm", "playful", "zen", "tropical", "victorian", "mediterranean", "french", "chic", "sleek", "airy", "eclectic",
    "shabby", "parisian", "moroccan", "hygge", "cottage", "transitional", "maximalist", "glam", "urban", "calm",
)
MATERIAL_WORDS: tuple[str, ...] = (
    "oak", "walnut", "pine", "teak", "birch", "maple", "cherry", "ash", "mahogany", "wooden", "wood", "timber",
    "velvet", "leather", "linen", "wool", "cotton", "boucle", "marble", "brass", "copper", "chrome", "rattan", "wicker",
    "cane", "glass", "metal", "bamboo", "concrete", "steel", "iron", "stone", "granite", "terrazzo", "ceramic",
    "upholstered", "fabric", "plywood", "lacquered", "jute", "sisal", "bentwood", "acrylic", "plastic", "mirrored",
    "tufted", "reclaimed", "painted",
)
COLOUR_WORDS: tuple[str, ...] = (
    "white", "black", "grey", "gray", "beige", "navy", "blue", "green", "cream", "pink", "yellow", "red", "orange",
    "brown", "golden", "gold", "silver", "teal", "turquoise", "olive", "sage", "mustard", "ivory", "charcoal", "tan",
    "taupe", "burgundy", "emerald", "terracotta", "purple", "lilac", "blush", "rust", "ochre", "natural", "pastel",
)
SMALL_WORDS = frozenset({"small", "tiny", "compact", "cramped", "little", "mini", "petite", "snug", "modest"})
LARGE_WORDS = frozenset({"large", "spacious", "big", "huge", "generous", "grand", "roomy", "expansive", "vast",
                         "enormous", "sprawling", "open-plan"})
NARROW_WORDS = frozenset({"narrow", "long", "galley", "elongated", "corridor-like", "skinny"})
EMPTY_WORDS = frozenset({"empty", "bare", "unfurnished", "vacant", "blank"})
ONLY_WORDS = frozenset({"only", "just", "solely"})

NUMBERS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "single": 1, "lone": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "eighteen": 18, "twenty": 20, "dozen": 12, "both": 2,
}
#: a number followed by one of these measures the object ("a 65 inch tv", "a 3 door wardrobe"), it is not a count
MEASURE_WORDS = frozenset({"inch", "inche", "in", "cm", "mm", "m", "metre", "meter", "ft", "foot", "feet", "seat", "seater",
                           "door", "burner", "tier", "panel", "person", "people", "piece", "drawer", "shelf", "light",
                           "bulb", "arm", "zone", "level", "step"})
VAGUE: dict[str, int] = {"several": 3, "few": 3, "some": 2, "many": 4, "multiple": 3, "various": 3, "numerous": 4}
#: "a pair of", "a couple of", "a trio of", "a set of"
GROUPS: dict[str, int] = {"pair": 2, "couple": 2, "trio": 3, "quartet": 4, "duo": 2, "set": 0, "row": 0, "series": 0,
                          "collection": 0, "group": 0, "cluster": 0, "bank": 0}
NEGATIONS = frozenset({"no", "without", "not", "never", "exclude", "excluding", "except", "nor", "skip", "omit",
                       "avoid", "minus", "lacking", "free"})
#: words that end a noun phrase when counting back from a noun
BREAKS = frozenset({",", ";", ".", ":", "!", "?", "(", ")", "and", "with", "or", "plus", "in", "on", "for", "near", "by",
                    "next", "beside", "under", "above", "the", "of", "to", "that", "which", "featuring", "has",
                    "have", "having", "including", "include", "includes", "at", "around", "from", "into", "facing",
                    "is", "are", "while", "where", "as", "behind", "between", "along", "against", "flanked",
                    "surrounded", "paired", "topped", "over", "its", "their", "this", "these", "those", "it", "them",
                    "each", "per", "either", "opposite", "across", "beneath", "below", "toward", "towards"})
#: "the sofa", "that table": a reference to an object already mentioned, not a new one
DEFINITE = frozenset({"the", "this", "that", "these", "those", "its", "their", "said", "same", "each", "every"})
#: "another chair", "a second sofa": an added object, never merged into an earlier mention
ADDITIVE = frozenset({"another", "second", "third", "additional", "extra", "more", "further", "separate", "other"})

# -- relation phrases, longest first in the parser -------------------------------------------------------------
#: phrases after an object that say where it stands: (words, relation kind, placement or None, count multiplier)
RELATION_PHRASES: tuple[tuple[str, str, str | None, int], ...] = (
    ("on each side of", "either_side", "either_side", 1), ("on either side of", "either_side", "either_side", 1),
    ("on both sides of", "either_side", "either_side", 1), ("either side of", "either_side", "either_side", 1),
    ("to each side of", "either_side", "either_side", 1),
    ("on each long side", "at_sides", "sides", 2), ("along each side", "at_sides", "sides", 2),
    ("on each side", "at_sides", "sides", 2), ("per side", "at_sides", "sides", 2), ("each side", "at_sides", "sides", 2),
    ("on both long sides", "at_sides", "sides", 1), ("on both sides", "at_sides", "sides", 1),
    ("along the sides", "at_sides", "sides", 1), ("along both sides", "at_sides", "sides", 1),
    ("on the long sides", "at_sides", "sides", 1), ("on the sides", "at_sides", "sides", 1),
    ("on either side", "either_side", "either_side", 1), ("either side", "either_side", "either_side", 1),
    ("at each end", "at_ends", "ends", 2), ("at each head", "at_ends", "ends", 2), ("at either end", "at_ends", "ends", 2),
    ("on each end", "at_ends", "ends", 2), ("at both ends", "at_ends", "ends", 1), ("at the ends", "at_ends", "ends", 1),
    ("at both heads", "at_ends", "ends", 1), ("at the heads", "at_ends", "ends", 1),
    ("at one end", "at_ends", "ends", 1), ("at the opposite end", "at_ends", "ends", 1), ("at the other end", "at_ends", "ends", 1),
    ("at the far end", "at_ends", "ends", 1), ("at the near end", "at_ends", "ends", 1), ("at the head", "at_ends", "ends", 1),
    ("at the foot", "at_ends", "ends", 1), ("at the end", "at_ends", "ends", 1), ("at its head", "at_ends", "ends", 1),
    ("at the short ends", "at_ends", "ends", 1), ("on the short ends", "at_ends", "ends", 1),
    ("at the foot of", "at_foot", None, 1), ("at the end of", "beside", None, 1),
    ("in front of", "in_front_of", None, 1), ("next to", "beside", None, 1), ("close to", "beside", None, 1),
    ("alongside", "beside", None, 1), ("beside", "beside", None, 1), ("by", "beside", None, 1), ("near", "beside", None, 1),
    ("around", "around", "around", 1), ("surrounding", "around", "around", 1), ("encircling", "around", "around", 1),
    ("at", "at", None, 1), ("paired with", "at", None, 1),
    ("facing", "facing", None, 1), ("faces", "facing", None, 1), ("face", "facing", None, 1), ("opposite", "facing", None, 1), ("across from", "facing", None, 1),
    ("toward", "facing", None, 1), ("towards", "facing", None, 1),
    ("underneath", "under", None, 1), ("beneath", "under", None, 1), ("under", "under", None, 1), ("below", "under", None, 1),
    ("above", "above", None, 1), ("over", "above", None, 1), ("hanging over", "above", None, 1),
    ("on top of", "on", None, 1), ("on", "on", None, 1), ("atop", "on", None, 1), ("upon", "on", None, 1),
    ("in the corner", "in_corner", None, 1), ("in a corner", "in_corner", None, 1), ("in one corner", "in_corner", None, 1),
    ("in the corners", "in_corner", None, 1), ("in corners", "in_corner", None, 1), ("tucked in a corner", "in_corner", None, 1),
    ("in each corner", "in_corner", None, 1), ("in the far corner", "in_corner", None, 1),
    ("against the wall", "against_wall", None, 1), ("against a wall", "against_wall", None, 1),
    ("along the wall", "against_wall", None, 1), ("against one wall", "against_wall", None, 1),
    ("along one wall", "against_wall", None, 1), ("against the back wall", "against_wall", None, 1),
    ("along the back wall", "against_wall", None, 1), ("against the far wall", "against_wall", None, 1),
    ("along the far wall", "against_wall", None, 1), ("lining the walls", "against_wall", None, 1),
    ("along the walls", "against_wall", None, 1), ("against the walls", "against_wall", None, 1),
    ("along the long wall", "against_wall", None, 1), ("against the long wall", "against_wall", None, 1),
    ("on the wall", "on_wall", None, 1), ("on the walls", "on_wall", None, 1), ("on a wall", "on_wall", None, 1),
    ("mounted on the wall", "on_wall", None, 1), ("wall-mounted", "on_wall", None, 1), ("hung on the wall", "on_wall", None, 1),
    ("under the window", "under_window", None, 1), ("under the windows", "under_window", None, 1), ("by the window", "by_window", None, 1), ("near the window", "by_window", None, 1),
    ("beneath the window", "under_window", None, 1), ("by the windows", "by_window", None, 1),
    ("facing the windows", "by_window", None, 1), ("in front of the window", "by_window", None, 1),
    ("facing the window", "by_window", None, 1), ("next to the window", "by_window", None, 1),
)
#: phrases before an object that tie it to the previous one: "a table surrounded by six chairs"
LEAD_RELATIONS: tuple[tuple[str, str, str | None], ...] = (
    ("flanked by", "either_side", "either_side"), ("surrounded by", "around", "around"),
    ("encircled by", "around", "around"), ("ringed by", "around", "around"), ("paired with", "at", None),
    ("accompanied by", "at", None), ("pulled up to", "at", None), ("tucked under", "under", None),
)

#: words that carry no request; what is left over after the parse (and is not one of these) is `unread`
STOPWORDS = frozenset("""
a an the and or but nor of to in on at by for with without from into onto over under above below near next beside
between among along across around through toward towards behind before after during up down out off about against
is are was were be been being am has have had having do does did will would should could can may might must shall
it its itself they them their theirs this that these those there here which who whom whose what where when while
as than then so such very quite rather really too also just only even still yet not no all any some each every both
either neither one ones i me my we our us you your he she his her him
please create make design build generate give want need would like imagine picture show render furnish arrange
place put set add include includes including featuring features feature has containing contains contain with
should must let lets get got keep kept use used using plus etc
room space area corner nook zone wall walls floor ceiling side sides end ends middle centre center front back left
right top bottom edge window windows door doors entrance entry doorway view views light lighting natural daylight
sunlight sun lit illuminated layout plan arrangement design feel vibe look atmosphere ambience ambiance mood style
styled decor decorated furnished furnishings furniture pieces piece items item things thing objects object
hangs hang lies lie lying sits sit sitting stands stand standing placed positioned located arranged centered centred tucked pushed pulled
facing faces face faced lined lining runs running hung hanging mounted mount leaning leans rests resting
set sets paired pairing flanked flanking surrounded surrounding complete completed completes finished finish
anchored anchor anchors anchoring grouped group groups framed framing frames topped topping holding holds hold
offers offering provides providing creates creating create adds adding brings bringing gives giving makes making
goes go going takes take taking serves serving serve doubles doubling works working work lives living
perfect ideal great good nice lovely beautiful pretty stylish simple clean neat tidy fresh inviting welcoming
relaxing relaxed comfortable comfy functional practical plenty lots lot enough room extra sure well
along opposite across beneath underneath atop upon within throughout beyond toward
near nearby close closer far farther further away together apart between
first second third last other another others same different similar matching mismatched assorted
whole entire full half main primary central overall general
own way ways kind kinds type types sort lot
""".split())
#: words that mark English text; a prompt with words but almost none of these is read as another language
ENGLISH_MARKERS = frozenset("""
a an the and or with of in on at to for by is are has have this that it its no without two three four five
six some room table chair chairs bed sofa wall window light small large near next each
""".split())
