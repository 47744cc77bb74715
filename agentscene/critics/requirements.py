"""What a prompt asks of a scene, as the judge's requirement_match reads it.

`requirements_from_prompt` is the ONE place that knows the prompt parser: it reads the brief
(agentscene.brief.parse_brief) into what the judge checks: objects with counts, relations (the
brief's relation names), exclusions.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


class RequiredObject(BaseModel):
    model_config = ConfigDict(frozen=True)

    category: str
    count: int = Field(1, ge=1)
    #: the prompt gave a number ("two nightstands"), not a bare plural
    explicit_count: bool = False
    #: the prompt's words for it ("oak nightstand"), matched against descriptions too
    phrase: str = ""


class RequiredRelation(BaseModel):
    """`subject` (a category) stands in `relation` (a brief RelationKind) to `target` (a category; None for
    relations to the room: in_corner, against_wall, on_wall, by_window)."""

    model_config = ConfigDict(frozen=True)

    subject: str
    relation: str
    target: str | None = None


class Requirements(BaseModel):
    model_config = ConfigDict(frozen=True)

    prompt: str = ""
    room_type: str | None = None
    objects: tuple[RequiredObject, ...] = ()
    relations: tuple[RequiredRelation, ...] = ()
    excluded: tuple[str, ...] = ()
    #: the room types of a composite room's zones (an open plan's kitchen): their furniture belongs
    zones: tuple[str, ...] = ()
    #: "only", "nothing else", "an empty room": what the room type usually holds is not expected
    only_named: bool = False


#: brief relation kinds -> the judge's relation names ("either_side" turns round: the anchor is flanked_by them)
_RELATIONS = {"facing": "facing", "beside": "beside", "in_front_of": "in_front_of", "on": "on",
              "against_wall": "against_wall", "by_window": "under_window", "at": "near", "around": "near",
              "at_sides": "near", "at_ends": "near", "under": "near", "above": "near", "at_foot": "near"}


@lru_cache(maxsize=256)
def requirements_from_prompt(prompt: str) -> Requirements:
    """Objects with counts, relations and exclusions that `prompt` asks for (never raises for text)."""
    from agentscene.brief import BriefError, parse_brief

    try:
        brief = parse_brief(prompt)
    except BriefError:  # a prompt the brief parser refuses (too long): nothing can be matched
        return Requirements(prompt=prompt)
    placements: dict[str, set[str | None]] = {}
    for o in brief.objects:
        placements.setdefault(o.category, set()).add(o.placement)
    split = {c for c, ps in placements.items() if len(ps) > 1}
    needed: dict[str, tuple[int, bool, str]] = {}
    for o in brief.objects:
        count, explicit, phrase = needed.get(o.category, (0, False, o.phrase))
        # a bare plural or a vague word asks for at least two; a number for exactly that many
        n = o.count if o.explicit_count else min(o.count, 2)
        needed[o.category] = (count + n, explicit or o.explicit_count, phrase)
    return Requirements(
        prompt=prompt,
        room_type=brief.room_type if brief.room_type_named else None,
        objects=tuple(RequiredObject(category=c, count=n, explicit_count=e, phrase=ph) for c, (n, e, ph) in needed.items()),
        # "under the window" is checked as "by the window" (the judge has one window relation); a relation
        # every subject must hold is left out when one category stands in two groups (six chairs at the
        # sides and two at the ends: "every dining chair at the sides" would not hold)
        relations=tuple(dict.fromkeys(
            RequiredRelation(subject=r.subject_category, relation="by_window" if r.kind == "under_window" else r.kind,
                             target=r.target_category) for r in brief.relations
            if not (r.kind in ("around", "at", "at_sides", "at_ends") and r.subject_category in split))),
        excluded=tuple(brief.excluded),
        zones=tuple(z.kind for z in brief.zones),
        only_named=brief.only_named or brief.empty,
    )
