"""Room size and shape from a brief: "a 6x5 m living room", "20 square metres", "12 by 15 feet",
size words before the room ("a tiny bathroom") and shape words ("narrow", "long", "L-shaped").
"""

from __future__ import annotations

import math

from agentscene.brief.model import RoomSize

#: stated sides outside this range (m) are not a room; the brief says so and ignores them
SIDE_RANGE = (1.0, 40.0)
AREA_RANGE = (1.0, 1000.0)
_FEET = 0.3048
_METRE_UNITS = frozenset({"m", "meter", "meters", "metre", "metres", "mtr"})
_FEET_UNITS = frozenset({"ft", "feet", "foot"})
_AREA_UNITS = frozenset({"m2", "sqm", "msq"})


def _number(tok: str) -> float | None:
    try:
        v = float(tok)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def find_size(words: list[str]) -> tuple[RoomSize | None, set[int], list[str]]:
    """The first stated room size: (size, indices of the words used, warnings)."""
    warnings: list[str] = []
    n = len(words)
    for i, w in enumerate(words):
        a = _number(w)
        if a is None:
            continue
        j = i + 1
        unit_a = None
        if j < n and (words[j] in _METRE_UNITS or words[j] in _FEET_UNITS):
            unit_a = words[j]
            j += 1
        # "6 x 5", "6 by 5"
        if j + 1 < n and words[j] in ("x", "by") and _number(words[j + 1]) is not None:
            b = _number(words[j + 1])
            k = j + 2
            unit = unit_a
            if k < n and (words[k] in _METRE_UNITS or words[k] in _FEET_UNITS):
                unit = words[k]
                k += 1
            if unit is None and not (k < n and words[k] in ("room", "space") or _room_ahead(words, k)):
                # bare "2 x 2" with no unit: metres when it sits before the room noun
                continue
            scale = _FEET if unit in _FEET_UNITS else 1.0
            wd, dp = round(a * scale, 2), round(b * scale, 2)
            if not (SIDE_RANGE[0] <= wd <= SIDE_RANGE[1] and SIDE_RANGE[0] <= dp <= SIDE_RANGE[1]):
                warnings.append(f"the stated size {' '.join(words[i:k])} is not a room size; it was ignored")
                return None, set(range(i, k)), warnings
            big, small = max(wd, dp), min(wd, dp)
            return RoomSize(width=big, depth=small, area=round(big * small, 2), phrase=" ".join(words[i:k])), set(range(i, k)), warnings
        # "20 m2", "20 square metres", "200 sq ft"
        k = j
        unit = None
        if k < n and words[k] in _AREA_UNITS:
            unit, k = "m2", k + 1
        elif k + 1 < n and words[k] in ("square", "sq") and words[k + 1] in (_METRE_UNITS | _FEET_UNITS | {"m"}):
            unit, k = ("ft2" if words[k + 1] in _FEET_UNITS else "m2"), k + 2
        elif k < n and words[k] == "sqft":
            unit, k = "ft2", k + 1
        if unit is not None:
            area = round(a * (_FEET * _FEET if unit == "ft2" else 1.0), 2)
            if not AREA_RANGE[0] <= area <= AREA_RANGE[1]:
                warnings.append(f"the stated area {' '.join(words[i:k])} is not a room size; it was ignored")
                return None, set(range(i, k)), warnings
            return RoomSize(area=area, phrase=" ".join(words[i:k])), set(range(i, k)), warnings
    return None, set(), warnings


def _room_ahead(words: list[str], k: int) -> bool:
    from agentscene.brief.words import GENERIC_ROOM_WORDS, ROOM_PHRASES

    ahead = words[k : k + 3]
    room_heads = {p.split()[0] for ps in ROOM_PHRASES.values() for p in ps} | GENERIC_ROOM_WORDS
    return any(w in room_heads for w in ahead)


def dimensions(size: RoomSize, aspect: float) -> tuple[float, float]:
    """Width and depth (width >= depth) for a stated size; an area alone takes the given aspect."""
    if size.width and size.depth:
        return size.width, size.depth
    width = math.sqrt(size.area * aspect)
    return round(width, 2), round(size.area / width, 2)
