"""The scene model: a frozen, validated room with ordered objects.

Scenes are immutable: every edit returns a new scene (`model_copy`), so a trajectory is a
list of scenes and undo is free. Construction validates everything once; the tool layer
validates only the values it changes, so edits stay cheap.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from agentscene.categories import SURFACES
from agentscene.geometry import footprint_corners, normalize_yaw, rotation_matrix_y, signed_area
from agentscene.limits import DEFAULT_LIMITS, Limits, check_text, check_tree, shown

SCHEMA_VERSION = 1

#: Coordinates and sizes beyond this many metres are rejected as nonsense.
MAX_EXTENT = 1000.0


def _finite(v: float) -> float:
    if not math.isfinite(v):
        raise ValueError("must be a finite number")
    if abs(v) > MAX_EXTENT:
        raise ValueError(f"must be within ±{MAX_EXTENT:g} m")
    return v


def _positive(v: float) -> float:
    if not v > 0:
        raise ValueError("must be greater than 0")
    return v


Finite = Annotated[float, Field(allow_inf_nan=False), AfterValidator(_finite)]
Positive = Annotated[Finite, AfterValidator(_positive)]
Vec2 = tuple[Finite, Finite]
Vec3 = tuple[Finite, Finite, Finite]
Size3 = tuple[Positive, Positive, Positive]

_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


def _check_id(v: str) -> str:
    if not _ID_RE.fullmatch(v):  # fullmatch: `$` would let a trailing newline through
        raise ValueError(
            "ids are 1-64 characters of letters, digits, '_', '-', '.', ':' and start with a "
            f"letter or digit, got {shown(v)}"
        )
    return v


def _encodable(v: str) -> str:
    return check_text(v, "the text")


def _json_tree(v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
    return check_tree(v, _limits(info), "the value")


def _limits(info: ValidationInfo) -> Limits:
    """The Limits passed as validation context (`model_validate(data, context={"limits": ...})`), else the defaults."""
    context = info.context if isinstance(info.context, dict) else {}
    limits = context.get("limits")
    return limits if isinstance(limits, Limits) else DEFAULT_LIMITS


ObjectId = Annotated[str, AfterValidator(_check_id)]
#: Free text that a file can store (no lone UTF-16 surrogates).
Text = Annotated[str, AfterValidator(_encodable)]
#: JSON-like data (metadata, extra): finite numbers, bounded depth, encodable text.
JsonTree = Annotated[dict[str, Any], AfterValidator(_json_tree)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


class Opening(_Frozen):
    """A door, window or open doorway in a wall of the floor polygon."""

    kind: Literal["door", "window", "opening"]
    wall: int = Field(ge=0, description="index i of the wall from floor[i] to floor[i+1]")
    offset: Finite = Field(ge=0, description="distance from floor[i] to the opening's centre along the wall")
    width: Positive
    height: Positive
    sill: Finite = Field(default=0.0, ge=0, description="height of the opening's bottom above the floor")


class Asset(_Frozen):
    """Where an object's mesh comes from."""

    source: Text | None = Field(default=None, max_length=256, description="asset backend, e.g. procedural, 3d-future, objaverse")
    asset_id: Text = Field(max_length=1024, description="id in that backend (a 3D-FUTURE jid, an Objaverse uid); may be <NEED_RETRIEVAL>")
    uri: Text | None = Field(default=None, max_length=4096)
    retrieved_size: Size3 | None = Field(default=None, description="the mesh's own extents before stretching to `size`")


NEED_RETRIEVAL = "<NEED_RETRIEVAL>"


class Room(_Frozen):
    room_type: Text = Field(default="room", max_length=256)
    floor: tuple[Vec2, ...] = Field(description="floor polygon [[x, z], ...], counter-clockwise, simple")
    height: Positive = 2.8
    openings: tuple[Opening, ...] = ()
    extra: JsonTree = Field(default_factory=dict, description="fields from a source format with no native place")

    @field_validator("floor", "openings", mode="before")
    @classmethod
    def _few_vertices(cls, value: Any, info: ValidationInfo) -> Any:
        """Refuse huge polygons before parsing them: evaluation, viewer and renderers scale with the vertex count."""
        cap = _limits(info).floor_vertices
        if isinstance(value, (list, tuple)) and len(value) > cap:
            raise ValueError(f"has {len(value)} entries, over the limit of {cap} (Limits.floor_vertices)")
        return value

    @field_validator("floor")
    @classmethod
    def _valid_polygon(cls, floor: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        pts = list(floor)
        if len(pts) >= 2 and pts[0] == pts[-1]:
            pts.pop()  # a closing vertex repeated at the end
        if len(pts) < 3:
            raise ValueError(f"a floor polygon needs at least 3 distinct vertices, got {len(pts)}")
        for i in range(len(pts)):
            if pts[i] == pts[(i + 1) % len(pts)]:
                raise ValueError(f"floor vertices {i} and {(i + 1) % len(pts)} are the same point {pts[i]}")
        area = signed_area(pts)
        if abs(area) < 1e-6:
            raise ValueError("floor polygon has zero area")
        from shapely.geometry import Polygon

        poly = Polygon(pts)
        if not poly.is_valid:
            from shapely.validation import explain_validity

            raise ValueError(f"floor polygon is not simple: {explain_validity(poly)}")
        if area < 0:
            pts.reverse()  # normalise clockwise input to counter-clockwise
        return tuple(pts)

    @model_validator(mode="after")
    def _openings_on_walls(self) -> Room:
        n = len(self.floor)
        for k, op in enumerate(self.openings):
            if op.wall >= n:
                raise ValueError(f"openings[{k}]: wall {op.wall} does not exist (the floor has {n} walls)")
            length = self.wall_length(op.wall)
            if op.offset > length + 1e-6:
                raise ValueError(f"openings[{k}]: offset {op.offset:g} is past the end of wall {op.wall} ({length:.3f} m)")
        return self

    def wall(self, index: int) -> tuple[tuple[float, float], tuple[float, float]]:
        """The wall from floor[index] to floor[index + 1] as two (x, z) points."""
        return self.floor[index], self.floor[(index + 1) % len(self.floor)]

    def wall_length(self, index: int) -> float:
        (x0, z0), (x1, z1) = self.wall(index)
        return math.hypot(x1 - x0, z1 - z0)

    @property
    def area(self) -> float:
        """Floor area in m²."""
        return abs(signed_area(self.floor))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min_x, min_z, max_x, max_z) of the floor polygon."""
        xs = [p[0] for p in self.floor]
        zs = [p[1] for p in self.floor]
        return min(xs), min(zs), max(xs), max(zs)

    @property
    def center(self) -> tuple[float, float]:
        """Centre of the floor's bounding box (x, z)."""
        x0, z0, x1, z1 = self.bounds
        return (x0 + x1) / 2.0, (z0 + z1) / 2.0

    def polygon(self):
        """The floor as a shapely Polygon."""
        from shapely.geometry import Polygon

        return Polygon(self.floor)


class SceneObject(_Frozen):
    id: ObjectId
    description: Text = Field(max_length=2000)
    category: Text = Field(default="object", max_length=64)
    size: Size3 = Field(description="[w, h, d] extents along local x, y, z in metres")
    position: Vec3 = Field(description="[x, y, z] of the bottom centre of the box")
    yaw: Finite = Field(default=0.0, description="degrees about +y; 0 faces +z")
    asset: Asset | None = None
    support: Text = Field(default="floor", max_length=64, description="floor | wall | ceiling | the id of the object it rests on")
    extra: JsonTree = Field(default_factory=dict, description="fields from a source format with no native place")

    @field_validator("yaw")
    @classmethod
    def _norm_yaw(cls, v: float) -> float:
        return normalize_yaw(v)

    def footprint(self) -> list[tuple[float, float]]:
        """The (x, z) corners of the oriented footprint, counter-clockwise."""
        return footprint_corners(self.position, self.size, self.yaw)

    def footprint_polygon(self):
        """The oriented footprint as a shapely Polygon."""
        from shapely.geometry import Polygon

        return Polygon(self.footprint())

    def box_corners(self):
        """The 8 world-space corners of the oriented box, as an (8, 3) numpy array."""
        import numpy as np

        w, h, d = self.size
        local = np.array(
            [[sx * w / 2, y, sz * d / 2] for y in (0.0, h) for sx in (-1, 1) for sz in (-1, 1)]
        )
        return local @ rotation_matrix_y(self.yaw).T + np.asarray(self.position)

    @property
    def top(self) -> float:
        return self.position[1] + self.size[1]


_NUMBERED_RE = re.compile(r"(.*_)([0-9]+)")


class IdAllocator:
    """Readable ids (`chair_3` after chair_1 and chair_2) for many objects in O(1) each.

    Remembers the highest number used after each prefix; `next_id` follows the rule of
    `Scene.next_id` exactly, so importers that add objects one by one stay linear.
    """

    def __init__(self, ids: Iterable[str] = ()):
        self._ids: set[str] = set()
        self._highest: dict[str, int] = {}
        for object_id in ids:
            self.add(object_id)

    def __contains__(self, object_id: object) -> bool:
        return object_id in self._ids

    def add(self, object_id: str) -> None:
        self._ids.add(object_id)
        m = _NUMBERED_RE.fullmatch(object_id)
        if m:
            prefix, number = m.group(1), int(m.group(2))
            if number > self._highest.get(prefix, 0):
                self._highest[prefix] = number

    def next_id(self, category: str) -> str:
        stem = re.sub(r"[^A-Za-z0-9]+", "_", category.strip().lower()).strip("_")[:48] or "object"
        prefix = stem + "_"
        return f"{prefix}{self._highest.get(prefix, 0) + 1}"


def support_cycle(objects: tuple[SceneObject, ...] | list[SceneObject]) -> list[str]:
    """The ids of one cycle of objects resting on each other (A on B on A), or [] when there is none. O(n)."""
    # only objects resting on other objects can be in a cycle (most rest on the floor, a wall or the ceiling)
    support = {o.id: o.support for o in objects if o.support not in SURFACES}
    done: set[str] = set()
    for start in support:
        trail: dict[str, int] = {}
        node = start
        while node in support and node not in done:
            if node in trail:
                chain = list(trail)[trail[node]:]
                return [*chain, node]
            trail[node] = len(trail)
            node = support[node]
        done.update(trail)
    return []


class Scene(_Frozen):
    schema_version: Literal[1] = SCHEMA_VERSION
    room: Room
    objects: tuple[SceneObject, ...] = ()
    metadata: JsonTree = Field(default_factory=dict, description="prompt, seed, provenance")

    @field_validator("objects", mode="before")
    @classmethod
    def _not_too_many(cls, value: Any, info: ValidationInfo) -> Any:
        cap = _limits(info).scene_objects
        if isinstance(value, (list, tuple)) and len(value) > cap:
            raise ValueError(f"has {len(value)} objects, over the limit of {cap} (Limits.scene_objects)")
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> Scene:
        ids = [obj.id for obj in self.objects]
        seen = set(ids)
        if len(seen) != len(ids):
            first: set[str] = set()
            for k, oid in enumerate(ids):
                if oid in first:
                    raise ValueError(f"objects[{k}]: duplicate id {oid!r}; ids must be unique")
                first.add(oid)
        for k, obj in enumerate(self.objects):
            if obj.support in SURFACES:
                continue
            if obj.support not in seen:
                raise ValueError(
                    f"objects[{k}] ({obj.id}): support {shown(obj.support)} is neither floor, wall, ceiling "
                    "nor the id of an object in the scene"
                )
            if obj.support == obj.id:
                raise ValueError(f"objects[{k}] ({obj.id}): an object cannot rest on itself")
        cycle = support_cycle(self.objects)
        if cycle:
            raise ValueError(f"objects rest on each other in a cycle ({' on '.join(cycle)}); one of them must rest on the floor")
        return self

    # -- lookup ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[SceneObject]:  # type: ignore[override]
        return iter(self.objects)

    def __len__(self) -> int:
        return len(self.objects)

    @property
    def ids(self) -> list[str]:
        return [o.id for o in self.objects]

    def get(self, object_id: str) -> SceneObject | None:
        """The object with this id, or None."""
        for obj in self.objects:
            if obj.id == object_id:
                return obj
        return None

    def index_of(self, object_id: str) -> int:
        """Position of the object in `objects`, or -1."""
        for i, obj in enumerate(self.objects):
            if obj.id == object_id:
                return i
        return -1

    def __getitem__(self, object_id: str) -> SceneObject:
        obj = self.get(object_id)
        if obj is None:
            raise KeyError(f"no object with id {object_id!r}; ids: {', '.join(self.ids) or '(none)'}")
        return obj

    def by_category(self, category: str) -> list[SceneObject]:
        return [o for o in self.objects if o.category == category]

    def next_id(self, category: str) -> str:
        """The next free readable id for a category: `chair_3` when chair_1 and chair_2 exist."""
        return IdAllocator(self.ids).next_id(category)

    # -- edits (return new scenes) -------------------------------------------------------

    def with_objects(self, objects: tuple[SceneObject, ...] | list[SceneObject]) -> Scene:
        """A new scene with these objects, checked for unique ids and valid supports."""
        return Scene.model_validate({**self.__dict__, "objects": tuple(objects)})

    def replace_object(self, obj: SceneObject) -> Scene:
        """A new scene in which the object with `obj.id` is swapped for `obj` (no re-validation)."""
        i = self.index_of(obj.id)
        if i < 0:
            raise KeyError(f"no object with id {obj.id!r}")
        objects = self.objects[:i] + (obj,) + self.objects[i + 1 :]
        return self.model_copy(update={"objects": objects})
