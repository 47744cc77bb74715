"""Noun mentions found while reading a brief, and how they become objects: which earlier
object a mention repeats, what it is called, how many it stands for."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentscene.brief.model import BriefObject
from agentscene.brief.scan import phrase_index, singular
from agentscene.brief.words import SEATS
from agentscene.categories import category_info


@dataclass
class Mention:
    """One object noun in the prompt, with what the words around it say (count, attributes, group)."""

    start: int
    end: int
    category: str
    np_start: int
    count: int = 1
    kind: str = "exact"
    definite: bool = False
    additive: bool = False
    negated: bool = False
    plural: bool = False
    attributes: list[str] = field(default_factory=list)
    noun: str = ""
    sentence: int = 0
    zone: str | None = None
    placement: str | None = None
    anchor: int | None = None  # mention index
    relations: list[tuple[str, int | None]] = field(default_factory=list)  # (kind, target mention index)
    header_of_list: bool = False
    list_parent: int | None = None
    dropped: bool = False



def previous_anchor(mentions: list[Mention], idx: int) -> int | None:
    """The object a relation word without its own noun refers to ("... on each side" of the table)."""
    for k in range(idx - 1, -1, -1):
        if mentions[k].category not in SEATS and not mentions[k].negated:
            return k
    return None


def effective_count(m: Mention) -> int:
    subs = [n for kd, n in m.relations if kd.startswith("split:")]
    return sum(subs) if subs else m.count


def mention_phrase(m: Mention, raw: list[str]) -> str:
    noun = category_info(m.category).name.replace("_", " ") if m.category != raw_category(raw, m) else " ".join(raw[m.start:m.end])
    words = [*m.attributes[-4:], noun]
    return " ".join(words)[:120]


def raw_category(raw: list[str], m: Mention) -> str:
    key = tuple(singular(t) for t in raw[m.start : m.end])
    for k, cat in phrase_index().get(key[0], ()):
        if k == key:
            return cat
    return m.category


def merge_target(objects: list[BriefObject], nouns: list[str], m: Mention, entry_of: dict[int, int]) -> int | None:
    """The earlier object this mention repeats: "the sofa" after "a sofa", or "a desk" after "an oak desk"."""
    anchor = entry_of.get(m.anchor) if m.anchor is not None else None
    for k in range(len(objects) - 1, -1, -1):
        o = objects[k]
        if o.category != m.category or o.zone != m.zone:
            continue
        if m.definite:
            return k
        if nouns[k] != m.noun:
            continue
        if anchor is not None and o.anchor != anchor:
            continue
        if m.placement is not None and o.placement is not None and m.placement != o.placement:
            continue
        a, b = set(o.attributes), set(m.attributes)
        if a <= b or b <= a:
            return k
    return None
