"""Scanning a brief's tokens: normalising the text, finding object nouns (the shared category
vocabulary, longest phrase first, the English head rule), room and nook phrases, the count before
a noun, negations and relation phrases. `parse` turns these finds into a `Brief`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from agentscene.brief.words import (
    ADDITIVE,
    BREAKS,
    DEFINITE,
    ENGLISH_MARKERS,
    GROUPS,
    LEAD_RELATIONS,
    MEASURE_WORDS,
    NEGATIONS,
    NOOK_PHRASES,
    NUMBERS,
    RELATION_PHRASES,
    ROOM_PHRASES,
    STOPWORDS,
    STYLE_WORDS,
    VAGUE,
)
from agentscene.categories import CATEGORIES

_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+(?:-[a-z]+)*|[,;.:!?()]")
PUNCT = frozenset(",;.:!?()")
_LEADS = tuple((tuple(phrase.split()), kind, placement) for phrase, kind, placement in LEAD_RELATIONS)
_LEAD_LAST = frozenset(key[-1] for key, _, _ in _LEADS)


def singular(token: str) -> str:
    if len(token) > 3 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 4 and token.endswith("lves"):
        return token[:-3] + "f"
    if len(token) > 3 and token.endswith(("ches", "shes", "sses", "xes")):
        return token[:-2]
    if len(token) > 2 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def normalise(text: str) -> str:
    """Lower case ASCII-folded text with sizes split into tokens ("6x5m" -> "6 x 5 m")."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("’", "").replace("'", "").replace("×", " x ").replace("²", "2").replace("/", " ")
    text = re.sub(r"(\d)\s*[x*]\s*(?=\d)", r"\1 x ", text)
    text = re.sub(r"(\d)(m2|sqm|sqft|m|ft|feet|meters|metres|meter|metre)\b", r"\1 \2", text)
    text = re.sub(r"\bm\s?2\b", "sqm", text)
    return text


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(normalise(text))


@lru_cache(maxsize=1)
def phrase_index() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """First word -> [(singular phrase words, category)], longest first."""
    seen: dict[tuple[str, ...], str] = {}
    for info in CATEGORIES:
        for phrase in (info.name.replace("_", " "), *info.keywords):
            for variant in (phrase.lower(), phrase.lower().replace("-", " ")):
                key = tuple(singular(t) for t in _TOKEN.findall(variant))
                if key:
                    seen.setdefault(key, info.name)
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for key, cat in seen.items():
        index.setdefault(key[0], []).append((key, cat))
    for entries in index.values():
        entries.sort(key=lambda kv: -len(kv[0]))
    return index


@lru_cache(maxsize=1)
def room_index() -> dict[str, list[tuple[tuple[str, ...], str, bool]]]:
    """First word -> [(phrase words, room type or nook kind, is_nook)], longest first."""
    index: dict[str, list[tuple[tuple[str, ...], str, bool]]] = {}
    for kind, phrases in ROOM_PHRASES.items():
        for p in phrases:
            key = tuple(p.split())
            index.setdefault(key[0], []).append((key, kind, False))
    for kind, phrases in NOOK_PHRASES.items():
        for p in phrases:
            key = tuple(p.split())
            index.setdefault(key[0], []).append((key, kind, True))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))
    return index


@lru_cache(maxsize=1)
def relation_index() -> dict[str, list[tuple[tuple[str, ...], str, str | None, int]]]:
    index: dict[str, list[tuple[tuple[str, ...], str, str | None, int]]] = {}
    for phrase, kind, placement, mult in RELATION_PHRASES:
        key = tuple(phrase.split())
        index.setdefault(key[0], []).append((key, kind, placement, mult))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))
    return index


def starts_with(words: list[str], i: int, phrase: tuple[str, ...]) -> bool:
    return tuple(words[i : i + len(phrase)]) == phrase


def find_rooms(raw: list[str], sing: list[str], object_spans: list[tuple[int, int]]):
    """Room/nook mentions: (start, end, kind, is_nook, modifier)."""
    covered = [False] * len(raw)
    for lo, hi in object_spans:
        for k in range(lo, hi):
            covered[k] = True
    object_starts = {lo for lo, _ in object_spans}
    out = []
    index = room_index()
    i = 0
    while i < len(raw):
        hit = None
        for key, kind, nook in [*index.get(raw[i], ()), *index.get(sing[i], ())]:
            if starts_with(raw, i, key) or starts_with(sing, i, key):
                hit = (i, i + len(key), kind, nook)
                break
        if hit is None:
            i += 1
            continue
        lo, hi = hit[0], hit[1]
        inside = any(covered[k] for k in range(lo, hi)) and any(
            a <= lo and hi <= b and (b - a) > (hi - lo) for a, b in object_spans)
        if inside:
            i = hi
            continue
        modifier = hi in object_starts  # "study desk", "bedroom dresser"
        out.append((lo, hi, hit[2], hit[3], modifier))
        i = hi
    return out


def find_objects(sing: list[str], blocked: set[int]) -> list[tuple[int, int, str]]:
    index = phrase_index()
    words = tuple(sing)
    matches: list[tuple[int, int, str]] = []
    i = 0
    n = len(words)
    while i < n:
        hit = None
        if i not in blocked:
            for key, cat in index.get(words[i], ()):
                k = len(key)
                if words[i : i + k] == key and (k == 1 or not any(j in blocked for j in range(i + 1, i + k))):
                    hit = (i, i + k, cat)
                    break
        if hit is None:
            i += 1
            continue
        # the English head rule: in "storage bench" the last noun names the object
        if matches and matches[-1][1] == hit[0] and hit[0] > 0 and sing[hit[0] - 1] not in PUNCT:
            matches[-1] = (matches[-1][0], hit[1], hit[2])
        else:
            matches.append(hit)
        i = hit[1]
    return matches


def count_before(raw: list[str], start: int, floor: int) -> tuple[int | None, str, int, bool, bool]:
    """(count, kind, noun-phrase start incl. the count words, definite, additive) for the noun at `start`."""
    i = start - 1
    steps = 0
    additive = False
    while i >= floor and steps < 5:
        w = raw[i]
        prev = raw[i - 1] if i - 1 >= floor else ""
        definite = prev in DEFINITE
        if w in ADDITIVE:
            additive = True
            if w == "another":
                return 1, "exact", i, False, True
            i -= 1
            steps += 1
            continue
        if (re.fullmatch(r"\d+", w) or w in NUMBERS) and i + 1 < start and raw[i + 1] in MEASURE_WORDS:
            i -= 1  # "a 65 inch tv": a measure, not a count
            steps += 1
            continue
        if re.fullmatch(r"\d+", w) or w in NUMBERS:
            n = int(w[:6]) if w[0].isdigit() else NUMBERS[w]
            if w == "dozen" and prev in NUMBERS and prev not in ("a", "an"):
                n, i = NUMBERS[prev] * 12, i - 1
            if i - 2 >= floor and (raw[i - 2], raw[i - 1]) in (("at", "least"), ("no", "fewer"), ("minimum", "of")):
                return n, "at_least", i - 2, False, additive
            if prev in ("over", "than") and w not in ("a", "an"):
                return n, "at_least", i - 1, False, additive
            return n, "exact", i - (1 if definite else 0), definite, additive
        if w in VAGUE:
            return VAGUE[w], "vague", i - (1 if prev in ("a", "an") else 0), False, additive
        if w == "of" and prev in GROUPS:
            n = GROUPS[prev]
            before = raw[i - 2] if i - 2 >= floor else ""
            mult = 1
            lead = i - 1
            if before in NUMBERS or before.isdigit() or before in DEFINITE:
                lead = i - 2
                if before.isdigit():
                    mult = int(before[:4])
                elif before in NUMBERS and before not in ("a", "an"):
                    mult = NUMBERS[before]
            if n == 0:
                return None, "plural", lead, before in DEFINITE, additive
            return n * mult, "exact", lead, before in DEFINITE, additive
        if w in DEFINITE:
            return None, "exact", i, True, additive
        if w in BREAKS or w in NEGATIONS or w in PUNCT:
            return None, "exact", i + 1, False, additive
        i -= 1
        steps += 1
    return None, "exact", i + 1, False, additive


def is_negated(raw: list[str], np_start: int, floor: int) -> bool:
    window = raw[max(floor, np_start - 3) : np_start]
    if any(w in NEGATIONS for w in window):
        return True
    return np_start >= 1 and raw[np_start - 1] == "0"


def match_relation(raw: list[str], i: int):
    for key, kind, placement, mult in relation_index().get(raw[i], ()):
        if starts_with(raw, i, key):
            return key, kind, placement, mult
    return None


def match_lead(raw: list[str], end: int, lo: int):
    """A lead phrase ("flanked by") ending right before `end` (articles and counts may follow it)."""
    for gap in range(0, 3):
        last = end - gap - 1
        if last < lo or raw[last] not in _LEAD_LAST:
            continue
        for key, kind, placement in _LEADS:
            at = last + 1 - len(key)
            if at >= lo and starts_with(raw, at, key):
                return at, kind, placement
    return None


def style_words(text: str) -> list[str]:
    padded = " " + text + " "
    return [w for w in STYLE_WORDS if " " + w + " " in padded or " " + w.replace("-", " ") + " " in padded]


def looks_english(words: list[str]) -> bool:
    alpha = [w for w in words if w.isalpha() or "-" in w]
    if not alpha:
        return False
    marks = sum(1 for w in alpha if w in ENGLISH_MARKERS or w in STOPWORDS)
    return len(alpha) < 3 or marks / len(alpha) >= 0.2
