"""Argument models of the seven scene tools: the single source of their JSON schemas.

Numbers are strict (no strings, no booleans) and finite; ranges are checked by validators so
the generated schemas stay small and portable across providers' strict modes.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict

from agentscene.limits import check_text
from agentscene.scene import MAX_EXTENT

#: Largest object edge a tool accepts, in metres.
MAX_SIZE = 50.0


def _coordinate(v: float) -> float:
    if abs(v) > MAX_EXTENT:
        raise ValueError(f"must be within ±{MAX_EXTENT:g} m")
    return v


def _edge(v: float) -> float:
    if not v > 0:
        raise ValueError("sizes must be greater than 0")
    if v > MAX_SIZE:
        raise ValueError(f"sizes must be at most {MAX_SIZE:g} m")
    return v


def _angle(v: float) -> float:
    if abs(v) > 1e6:
        raise ValueError("angle is out of range")
    return v


def _text(v: str) -> str:
    v = _encodable(v).strip()
    if not v:
        raise ValueError("must not be empty")
    return v


def _encodable(v: str) -> str:
    return check_text(v, "the text")


Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Coordinate = Annotated[Number, AfterValidator(_coordinate)]
Edge = Annotated[Number, AfterValidator(_edge)]
Position = Annotated[
    list[Coordinate],
    Field(min_length=3, max_length=3, description="[x, y, z] in metres: the bottom centre of the object; y is up, the floor is y = 0"),
]
Size = Annotated[
    list[Edge],
    Field(min_length=3, max_length=3, description="[width, height, depth] in metres along the object's own x, y, z axes"),
]
Yaw = Annotated[Number, AfterValidator(_angle), Field(description="degrees about the vertical axis; 0 faces +z, 90 faces +x")]
ObjectRef = Annotated[str, Strict(), AfterValidator(_text), Field(max_length=64, description="id of an object in the scene, e.g. bed_1")]
Text = Annotated[str, Strict(), AfterValidator(_text), Field(max_length=500)]
#: Optional short text: may be empty, must be encodable.
Word = Annotated[str, Strict(), AfterValidator(_encodable), Field(max_length=64)]


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AddObject(_Args):
    """Add a new object to the scene."""

    description: Text = Field(description="what the object is, with style and material, e.g. 'oak double bed with upholstered headboard'")
    position: Position
    yaw: Yaw
    size: Size
    category: Word | None = Field(
        default=None, description="normalised noun such as bed, nightstand, sofa; null to infer from the description"
    )
    support: Word | None = Field(
        default=None, description="floor, wall, ceiling, or the id of the object it rests on; null for the category's default"
    )


class MoveObject(_Args):
    """Move an object to an absolute position."""

    object_id: ObjectRef
    position: Position


class RotateObject(_Args):
    """Turn an object to an absolute yaw."""

    object_id: ObjectRef
    yaw: Yaw


class ScaleObject(_Args):
    """Resize an object to absolute dimensions."""

    object_id: ObjectRef
    size: Size


class ReplaceObject(_Args):
    """Swap an object for a different one of the same footprint and pose."""

    object_id: ObjectRef
    description: Text = Field(description="what the new object is")


class RemoveObject(_Args):
    """Remove an object from the scene."""

    object_id: ObjectRef


class Terminate(_Args):
    """End the editing episode when the scene is finished."""

    reason: Annotated[str, Strict(), AfterValidator(_encodable), Field(max_length=2000, description="why the scene is finished")]


#: tool name -> (argument model, description shown to the model)
TOOLS: dict[str, tuple[type[_Args], str]] = {
    "add_object": (AddObject, "Add a new piece of furniture or decor. Position is the bottom centre; size is [width, height, depth] in metres; yaw 0 faces +z."),
    "move_object": (MoveObject, "Move an existing object to a new absolute position [x, y, z] (bottom centre, metres)."),
    "rotate_object": (RotateObject, "Set an existing object's absolute yaw in degrees about the vertical axis (0 faces +z, 90 faces +x)."),
    "scale_object": (ScaleObject, "Set an existing object's absolute size [width, height, depth] in metres."),
    "replace_object": (ReplaceObject, "Replace an existing object with a different one described in words, keeping its position, yaw and size."),
    "remove_object": (RemoveObject, "Remove an existing object from the scene."),
    "terminate": (Terminate, "Finish editing: the scene is complete and physically valid."),
}


def tool_names() -> list[str]:
    return list(TOOLS)

