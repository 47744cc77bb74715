"""The typed reading of a scene brief: what a prompt asks for, frozen.

One `Brief` serves the offline planner (what to place and how), RL tasks (room type and key
objects) and the judge's requirement match (what to check). `unread` and `warnings` say what
the parser could not use, so nothing a user wrote is dropped silently.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: the largest count accepted for one kind of object in one mention
MAX_COUNT = 24

#: how a count was given: a number ("two", "3", "a pair of"), a floor ("at least four"),
#: a bare plural ("chairs": a full set sized by the planner, at least 2), or a vague word ("several")
CountKind = Literal["exact", "at_least", "plural", "vague"]

#: where a piece stands relative to its anchor, when the brief says so
Placement = Literal["sides", "ends", "either_side", "around"]

RelationKind = Literal[
    "around", "at", "at_ends", "at_sides", "either_side", "facing", "under", "above", "on", "beside",
    "in_front_of", "in_corner", "against_wall", "on_wall", "by_window", "under_window", "at_foot",
]

Shape = Literal["rectangle", "square", "narrow", "l_shaped"]


class BriefObject(BaseModel):
    """One group of like objects the brief asks for ("four painted spindle chairs on each side")."""

    model_config = ConfigDict(frozen=True)

    category: str
    count: int = Field(ge=1, le=MAX_COUNT * 2)
    count_kind: CountKind = "exact"
    #: the words used for it, e.g. "painted spindle dining chair"
    phrase: str
    #: adjectives and material/colour/style words that describe it, in prompt order
    attributes: tuple[str, ...] = ()
    #: the zone (a room type or nook kind) it belongs to in a composite room; None: the main room
    zone: str | None = None
    #: where it stands around its anchor when asked ("ends" for chairs at the heads of a table)
    placement: Placement | None = None
    #: index into `Brief.objects` of the object it is grouped with (the table these chairs are at)
    anchor: int | None = None

    @property
    def explicit_count(self) -> bool:
        return self.count_kind in ("exact", "at_least")


class Relation(BaseModel):
    """A spatial relation the brief asks for, between objects given by index into `Brief.objects`."""

    model_config = ConfigDict(frozen=True)

    subject: int
    kind: RelationKind
    #: the other object (index), or None for room-relative relations (corner, wall, window)
    target: int | None = None
    subject_category: str
    target_category: str | None = None


class RoomSize(BaseModel):
    """Floor size in metres, stated ("6x5 m", "20 m2") or None parts when only an area is known."""

    model_config = ConfigDict(frozen=True)

    width: float | None = Field(default=None, gt=0)
    depth: float | None = Field(default=None, gt=0)
    area: float = Field(gt=0)
    #: the words it was read from
    phrase: str


class Zone(BaseModel):
    """A part of a composite room: a room type ("kitchen") or a nook ("reading_nook", "bistro")."""

    model_config = ConfigDict(frozen=True)

    kind: str
    phrase: str


class Brief(BaseModel):
    """What a prompt asks for. Build one with `parse_brief`."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    room_type: str
    #: False when no room word was found and the type was inferred (or fell back)
    room_type_named: bool
    zones: tuple[Zone, ...] = ()
    size: RoomSize | None = None
    #: "small" | "large" when size words describe the room
    size_word: Literal["small", "large"] | None = None
    shape: Shape = "rectangle"
    objects: tuple[BriefObject, ...] = ()
    relations: tuple[Relation, ...] = ()
    excluded: tuple[str, ...] = ()
    #: the brief asks for an empty room (nothing is placed unless named)
    empty: bool = False
    #: "only", "just", "nothing else": place what is named and nothing more
    only_named: bool = False
    styles: tuple[str, ...] = ()
    #: material and colour words not tied to one object
    materials: tuple[str, ...] = ()
    #: phrases the parser could not use (unknown objects, words it does not read)
    unread: tuple[str, ...] = ()
    #: problems with the prompt as a whole (another language, too long, counts capped)
    warnings: tuple[str, ...] = ()
    #: False when the prompt does not look like an English brief (another language, gibberish)
    readable: bool = True

    # -- views ---------------------------------------------------------------------------------

    @property
    def composite(self) -> bool:
        return len(self.zones) > 1

    @property
    def l_shaped(self) -> bool:
        return self.shape == "l_shaped"

    def counts(self) -> dict[str, int]:
        """Objects asked for, summed per category (the requirement a scene is checked against)."""
        out: dict[str, int] = {}
        for obj in self.objects:
            out[obj.category] = out.get(obj.category, 0) + obj.count
        return out

    def key_objects(self) -> tuple[str, ...]:
        """Categories named by the brief, in first-mention order."""
        return tuple(dict.fromkeys(o.category for o in self.objects))

    def reading(self) -> list[str]:
        """The reading as short lines, for the console and run files."""
        room = self.room_type.replace("_", " ")
        if self.composite:
            room += " (open plan: " + ", ".join(z.kind.replace("_", " ") for z in self.zones) + ")"
        lines = [f"room: {room}" + ("" if self.room_type_named else " (inferred)")]
        if self.size is not None:
            dims = f"{self.size.width:g} x {self.size.depth:g} m" if self.size.width and self.size.depth else f"{self.size.area:g} m²"
            lines.append(f"size: {dims} (stated)")
        elif self.size_word:
            lines.append(f"size: {self.size_word}")
        if self.shape != "rectangle":
            lines.append(f"shape: {self.shape.replace('_', '-')}")
        if self.empty:
            lines.append("empty: nothing is placed that is not named")
        if self.objects:
            parts = []
            for o in self.objects:
                n = f"{o.count}+" if o.count_kind in ("at_least", "plural", "vague") else str(o.count)
                extra = f" {o.placement}" if o.placement else ""
                parts.append(f"{n} {o.phrase}{extra}")
            lines.append("objects: " + "; ".join(parts))
        if self.excluded:
            lines.append("excluded: " + ", ".join(c.replace("_", " ") for c in self.excluded))
        if self.unread:
            lines.append("not understood: " + "; ".join(self.unread))
        lines += [f"warning: {w}" for w in self.warnings]
        return lines

    def to_record(self) -> dict:
        """The reading as JSON for spec_used.json / metrics.json."""
        return {**self.model_dump(mode="json", exclude={"prompt"}), "counts": self.counts()}
