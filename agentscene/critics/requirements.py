"""What a prompt asks of a scene, as the judge's requirement_match reads it.

`requirements_from_prompt` is the ONE place that knows which prompt parser is used. Until the
brief parser (agentscene.brief) lands it reads the planner's prompt parser, which gives objects,
counts and exclusions but no relations; the relation checks are ready for the brief's relations.
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


@lru_cache(maxsize=256)
def requirements_from_prompt(prompt: str) -> Requirements:
    """Objects with counts, relations and exclusions that `prompt` asks for (never raises for text)."""
    from agentscene.agents.planner.prompt import parse_prompt

    spec = parse_prompt(prompt)
    return Requirements(
        prompt=prompt,
        room_type=spec.room_type if spec.room_type_named else None,
        objects=tuple(RequiredObject(category=o.category, count=o.count, explicit_count=o.explicit_count, phrase=o.phrase)
                      for o in spec.objects),
        excluded=tuple(spec.excluded),
    )
