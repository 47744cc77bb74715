"""Reading a scene prompt: room type, the objects it names and how many, style and size words.

The prompt is short English ("a cozy bedroom with two oak nightstands and no tv"); the parse is a
keyword scan over the shared category vocabulary, longest phrase first, with the English head
rule for compounds ("storage bench" is a bench) and number words before a noun as its count.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from agentscene.categories import CATEGORIES

ROOM_PHRASES: dict[str, tuple[str, ...]] = {
    "kids_room": ("kids room", "kid room", "kids bedroom", "childrens room", "children room", "child room",
                  "childs bedroom", "nursery", "playroom", "play room", "toddler room", "baby room"),
    "bedroom": ("bedroom", "bed room", "master bedroom", "guest room", "guest bedroom", "sleeping room", "dorm room"),
    "living_room": ("living room", "lounge", "family room", "sitting room", "living area", "den", "parlor", "parlour"),
    "dining_room": ("dining room", "dining area", "breakfast room", "dining space"),
    "kitchen": ("kitchen", "kitchenette", "galley"),
    "bathroom": ("bathroom", "bath room", "washroom", "restroom", "powder room", "ensuite", "en suite", "wc room"),
    "office": ("office", "home office", "workspace", "work room", "workroom", "coworking", "work space"),
    "study_room": ("study", "study room", "library", "reading room", "reading nook"),
    "gym": ("gym", "home gym", "fitness room", "workout room", "exercise room", "fitness studio", "weight room",
            "martial arts room", "dojo", "yoga room", "yoga studio", "training room"),
    "entertainment_room": ("game room", "games room", "gaming room", "media room", "home theater", "home theatre",
                           "entertainment room", "rec room", "recreation room", "man cave", "billiard room"),
}

#: room type implied by an object when the prompt names no room
ROOM_FROM_OBJECT: dict[str, str] = {
    "bed": "bedroom", "crib": "kids_room", "wardrobe": "bedroom", "sofa": "living_room",
    "sectional_sofa": "living_room", "tv_stand": "living_room", "dining_table": "dining_room",
    "stove": "kitchen", "fridge": "kitchen", "kitchen_island": "kitchen", "toilet": "bathroom",
    "bathtub": "bathroom", "shower": "bathroom", "desk": "office", "treadmill": "gym", "squat_rack": "gym",
    "punching_bag": "gym", "weight_bench": "gym", "exercise_bike": "gym", "rowing_machine": "gym", "elliptical": "gym",
    "dumbbell_rack": "gym", "yoga_mat": "gym",
    "pool_table": "entertainment_room", "arcade_machine": "entertainment_room", "ping_pong_table": "entertainment_room",
}

STYLE_WORDS = (
    "cozy", "cosy", "modern", "minimalist", "minimal", "scandinavian", "nordic", "industrial", "rustic", "bohemian",
    "boho", "mid-century", "vintage", "retro", "classic", "traditional", "contemporary", "luxurious", "luxury",
    "elegant", "japanese", "japandi", "coastal", "farmhouse", "art deco", "colorful", "colourful", "bright", "dark",
    "warm", "playful", "zen", "tropical", "victorian", "mediterranean", "french", "chic", "sleek", "airy",
)
MATERIAL_WORDS = (
    "oak", "walnut", "pine", "teak", "birch", "wooden", "wood", "white", "black", "grey", "gray", "beige", "navy",
    "blue", "green", "velvet", "leather", "linen", "marble", "brass", "rattan", "glass", "metal", "cream", "pink",
    "yellow", "red", "orange", "brown", "golden", "gold", "bamboo", "concrete", "steel", "upholstered", "fabric",
)
SMALL_WORDS = frozenset({"small", "tiny", "compact", "cramped", "narrow", "little", "studio", "mini"})
LARGE_WORDS = frozenset({"large", "spacious", "big", "huge", "generous", "grand", "roomy", "expansive", "open-plan"})
ONLY_WORDS = frozenset({"only", "just", "solely", "nothing else"})

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "several": 3, "few": 3, "some": 2, "both": 2,
}
_PAIRS = {("pair", "of"): 2, ("couple", "of"): 2, ("set", "of"): 0}
_NEGATIONS = frozenset({"no", "without", "not", "never", "exclude", "excluding", "except"})
_BREAKS = frozenset({",", ";", ".", ":", "!", "?", "(", ")", "and", "with", "or", "plus", "in", "on", "for", "near", "by", "next", "beside", "under", "above",
                     "the", "of", "to", "that", "which", "featuring", "has", "have", "having", "including"})
#: the largest count we accept for one kind of object
MAX_COUNT = 24

_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*|[,;.:!?()]")
_PUNCT = frozenset(",;.:!?()")


def _singular(token: str) -> str:
    if len(token) > 3 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 4 and token.endswith("lves"):
        return token[:-3] + "f"
    if len(token) > 3 and token.endswith(("ches", "shes", "sses", "xes")):
        return token[:-2]
    if len(token) > 2 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("'", "").replace("’", ""))


@lru_cache(maxsize=1)
def _phrase_index() -> list[tuple[tuple[str, ...], str]]:
    """(singular keyword tokens, category), longest phrases first."""
    out: dict[tuple[str, ...], str] = {}
    for info in CATEGORIES:
        for phrase in (info.name.replace("_", " "), *info.keywords):
            key = tuple(_singular(t) for t in _TOKEN.findall(phrase.lower().replace("-", " ")))
            out.setdefault(key, info.name)
    return sorted(out.items(), key=lambda kv: -len(kv[0]))


class RequestedObject(BaseModel):
    model_config = ConfigDict(frozen=True)

    category: str
    count: int = Field(ge=1, le=MAX_COUNT)
    #: True when the prompt gave a number (or "a"), False for a bare plural ("chairs")
    explicit_count: bool
    #: the words the prompt used for it, e.g. "oak nightstand"
    phrase: str


class PromptSpec(BaseModel):
    """What the planner understood from a prompt."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    room_type: str
    room_type_named: bool
    objects: list[RequestedObject] = Field(default_factory=list)
    excluded: list[str] = Field(default_factory=list)
    styles: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    size_hint: str | None = None  # small | large
    only_named: bool = False
    l_shaped: bool = False

    def count_of(self, category: str) -> int | None:
        for obj in self.objects:
            if obj.category == category:
                return obj.count
        return None

    def phrase_of(self, category: str) -> str | None:
        for obj in self.objects:
            if obj.category == category:
                return obj.phrase
        return None


def _find_room(words: list[str]) -> str | None:
    """The room the prompt names; a room word inside an object's name ("office chair",
    "chaise lounge") does not count."""
    text = " " + " ".join(words) + " "
    singular = " " + " ".join(_singular(w) for w in words) + " "
    object_spans = []
    for phrase, _ in _phrase_index():
        if len(phrase) < 2:
            break  # longest first: the rest are single words
        key = " " + " ".join(phrase) + " "
        at = singular.find(key)
        while at >= 0:
            object_spans.append((at, at + len(key)))
            at = singular.find(key, at + 1)
    best: tuple[int, str] | None = None
    for room, phrases in ROOM_PHRASES.items():
        for phrase in phrases:
            at = text.find(" " + phrase + " ")
            while at >= 0:
                end = at + len(phrase) + 2
                inside_object = any(lo <= at and end <= hi and hi - lo > end - at for lo, hi in object_spans)
                if not inside_object:
                    if best is None or len(phrase) > best[0]:
                        best = (len(phrase), room)
                    break
                at = text.find(" " + phrase + " ", at + 1)
    return best[1] if best else None


def _count_before(words: list[str], start: int) -> tuple[int | None, int]:
    """The count written before words[start] and the index where the noun phrase begins."""
    i = start - 1
    steps = 0
    while i >= 0 and steps < 4:
        w = words[i]
        if w.isdigit():
            return min(int(w), MAX_COUNT) or None, i + 1
        if w in _NUMBERS:
            if i >= 2 and (words[i - 2], words[i - 1]) == ("set", "of"):
                return _NUMBERS[w], i + 1
            return _NUMBERS[w], i + 1
        if i >= 1 and (words[i - 1], w) in _PAIRS:
            n = _PAIRS[(words[i - 1], w)]
            return (n or None), i + 1
        if w in _BREAKS or w in _NEGATIONS:
            return None, i + 1
        i -= 1
        steps += 1
    return None, i + 1


def _negated(words: list[str], start: int) -> bool:
    return any(w in _NEGATIONS for w in words[max(0, start - 3) : start])


def parse_prompt(prompt: str) -> PromptSpec:
    """Parse a scene prompt. Never raises for any text; unknown words are ignored."""
    raw_words = tokens(prompt)
    words = [_singular(w) for w in raw_words]
    text = " ".join(raw_words)
    room = _find_room(raw_words) or _find_room(words)
    # the room phrase's own words ("bed room", "bath room") must not count as objects
    room_words: set[int] = set()
    if room is not None:
        for phrase in ROOM_PHRASES[room]:
            p = phrase.split()
            for i in range(len(raw_words) - len(p) + 1):
                if raw_words[i : i + len(p)] == p or words[i : i + len(p)] == p:
                    room_words.update(range(i, i + len(p)))

    matches: list[tuple[int, int, str]] = []  # start, end, category
    i = 0
    while i < len(words):
        hit = None
        if i not in room_words:
            for phrase, cat in _phrase_index():
                n = len(phrase)
                if tuple(words[i : i + n]) == phrase and not room_words.intersection(range(i, i + n)):
                    hit = (i, i + n, cat)
                    break
        if hit:
            # the English head rule: in "storage bench" the last noun names the object
            if matches and matches[-1][1] == hit[0] and hit[0] > 0 and words[hit[0] - 1] not in _PUNCT:
                matches[-1] = (matches[-1][0], hit[1], hit[2])
            else:
                matches.append(hit)
            i = hit[1]
        else:
            i += 1

    found: dict[str, RequestedObject] = {}
    excluded: list[str] = []
    for start, end, cat in matches:
        if _negated(words, start):
            if cat not in excluded:
                excluded.append(cat)
            continue
        count, np_start = _count_before(words, start)
        plural = raw_words[end - 1] != words[end - 1]
        adjectives = [w for w in raw_words[np_start:start] if w not in _NUMBERS and w not in _BREAKS and not w.isdigit()]
        phrase = " ".join([*adjectives[-3:], *raw_words[start:end]])
        explicit = count is not None
        n = count if count is not None else (2 if plural else 1)
        prev = found.get(cat)
        if prev is not None:
            n = min(MAX_COUNT, prev.count + n) if explicit and prev.explicit_count else max(prev.count, n)
            explicit = explicit or prev.explicit_count
            phrase = prev.phrase if len(prev.phrase) >= len(phrase) else phrase
        found[cat] = RequestedObject(category=cat, count=max(1, n), explicit_count=explicit, phrase=phrase)

    room_named = room is not None
    if room is None:
        room = next((ROOM_FROM_OBJECT[c] for c in found if c in ROOM_FROM_OBJECT), "living_room")
    styles = [w for w in STYLE_WORDS if (" " + w + " ") in (" " + text + " ")]
    materials = [w for w in MATERIAL_WORDS if w in raw_words]
    # size words describe the room only when they come before its name ("a large bedroom", not "a large rug")
    room_start = min(room_words) if room_words else 0
    lead = set(raw_words[:room_start])
    size_hint = "small" if SMALL_WORDS & lead else "large" if LARGE_WORDS & lead else None
    only = bool(ONLY_WORDS.intersection(raw_words)) or "nothing else" in text
    l_shaped = "l-shaped" in raw_words or "l shaped" in text or "l-shape" in raw_words
    return PromptSpec(
        prompt=prompt, room_type=room, room_type_named=room_named, objects=list(found.values()),
        excluded=[c for c in excluded if c not in found], styles=styles, materials=materials,
        size_hint=size_hint, only_named=only and bool(found), l_shaped=l_shaped,
    )
