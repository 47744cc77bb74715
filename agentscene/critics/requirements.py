"""What a prompt asks of a scene, as the judge's requirement_match reads it.

`requirements_from_prompt` is the ONE place that knows which prompt parser is used: the brief
parser (agentscene.brief), which gives objects with counts, exclusions and relations.
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
    """`subject` (a category) stands in `relation` to `target` (a category, or window / door / wall)."""

    model_config = ConfigDict(frozen=True)

    subject: str
    relation: str
    target: str | None = None
    #: the prompt's words for the relation, shown in findings
    text: str = ""


class Requirements(BaseModel):
    model_config = ConfigDict(frozen=True)

    prompt: str = ""
    room_type: str | None = None
    objects: tuple[RequiredObject, ...] = ()
    relations: tuple[RequiredRelation, ...] = ()
    excluded: tuple[str, ...] = ()
    #: the room types of a composite room's zones (an open plan's kitchen): their furniture belongs
    zones: tuple[str, ...] = ()


#: brief relation kinds -> the judge's relation names ("either_side" turns round: the anchor is flanked_by them)
_RELATIONS = {"facing": "facing", "beside": "beside", "in_front_of": "in_front_of", "on": "on",
              "against_wall": "against_wall", "under_window": "under_window", "at": "near", "around": "near",
              "at_sides": "near", "at_ends": "near", "under": "near", "above": "near", "at_foot": "near"}


@lru_cache(maxsize=256)
def requirements_from_prompt(prompt: str) -> Requirements:
    """Objects with counts, relations and exclusions that `prompt` asks for (never raises for text).

    Read through the one brief parser (`agentscene.brief.parse_brief`); an empty prompt asks for nothing.
    """
    from agentscene.brief import BriefError, parse_brief

    try:
        brief = parse_brief(prompt)
    except BriefError:
        return Requirements(prompt=prompt)
    objects = []
    for category, count in brief.counts().items():
        entries = [o for o in brief.objects if o.category == category]
        objects.append(RequiredObject(category=category, count=count, explicit_count=any(o.explicit_count for o in entries),
                                      phrase=entries[0].phrase))
    relations: list[RequiredRelation] = []
    for r in brief.relations:
        if r.kind == "either_side" and r.target_category is not None:
            rel = RequiredRelation(subject=r.target_category, relation="flanked_by", target=r.subject_category,
                                   text=f"flanked by {r.subject_category.replace('_', ' ')}s")
        elif r.kind == "by_window":
            rel = RequiredRelation(subject=r.subject_category, relation="near", target="window", text="by the window")
        elif r.kind in _RELATIONS:
            name = _RELATIONS[r.kind]
            target = None if name in ("against_wall", "under_window") else r.target_category
            if target is None and name not in ("against_wall", "under_window"):
                continue
            rel = RequiredRelation(subject=r.subject_category, relation=name, target=target,
                                   text=r.kind.replace("_", " "))
        else:
            continue  # in a corner, on a wall: not relations the judge scores
        if rel not in relations:
            relations.append(rel)
    return Requirements(
        prompt=prompt,
        room_type=brief.room_type if brief.room_type_named else None,
        objects=tuple(objects),
        relations=tuple(relations),
        excluded=tuple(brief.excluded),
        zones=tuple(z.kind for z in brief.zones),
    )
