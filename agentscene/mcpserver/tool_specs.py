"""The MCP tool list: the seven scene tools with exactly their shared schemas, plus session tools.

Every schema is generated from a pydantic argument model by `strict_json_schema`, the same
function that builds `agentscene.tools.tool_schemas()`, so an MCP client and a chat-completions
client see the same contract.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict

from agentscene.tools import TOOLS, strict_json_schema

#: Most floor vertices new_scene accepts.
MAX_FLOOR_VERTICES = 256
#: Views the render tool offers (the renderers' camera names plus their side-by-side merge).
VIEWS = ("top", "diagonal", "merged")


def _finite(v: float) -> float:
    if not math.isfinite(v) or abs(v) > 1000:
        raise ValueError("must be a finite number within ±1000 m")
    return v


def _nonblank(v: str) -> str:
    v = v.strip()
    if not v:
        raise ValueError("must not be empty")
    return v


Coord = Annotated[float, Strict(), Field(allow_inf_nan=False), AfterValidator(_finite)]
Point = Annotated[list[Coord], Field(min_length=2, max_length=2)]


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NewScene(_Args):
    """Start a new empty room (the current scene can still be undone to)."""

    room_type: Annotated[str, Strict(), AfterValidator(_nonblank), Field(max_length=64, description="e.g. bedroom, living_room, office")]
    floor: Annotated[list[Point], Field(min_length=3, max_length=MAX_FLOOR_VERTICES, description=(
        "floor polygon as [[x, z], ...] in metres, counter-clockwise, e.g. [[0, 0], [4, 0], [4, 3.5], [0, 3.5]]; any simple polygon, L-shapes included"
    ))]
    height: Annotated[float, Strict(), Field(allow_inf_nan=False, gt=0, le=20, description="ceiling height in metres, e.g. 2.8")]


class LoadScene(_Args):
    """Replace the current scene with one read from a file in the workdir."""

    path: Annotated[str, Strict(), Field(max_length=1024, description="scene file relative to the server's workdir (native, SceneReVis or ReSpace JSON)")]


class NoArgs(_Args):
    """A tool without arguments."""


class Render(_Args):
    """Render the current scene to an image."""

    view: Literal["top", "diagonal", "merged"] = Field(description="top: orthographic plan; diagonal: from above a room corner; merged: both side by side")


class Export(_Args):
    """Write the current scene to a file in the workdir."""

    format: Annotated[str, Strict(), Field(max_length=64, description="native, scenerevis, scenerevis-grouped, respace (JSON) or glb, usd, mjcf, blend, scene-eval")]
    path: Annotated[str, Strict(), Field(max_length=1024)] | None = Field(
        default=None, description="output file relative to the workdir; null for exports/scene_<format>.<ext>"
    )


@dataclass(frozen=True)
class ToolSpec:
    """One MCP tool: its argument model, description and behaviour hints."""

    name: str
    model: type[BaseModel]
    description: str
    read_only: bool = False
    destructive: bool = False

    def input_schema(self) -> dict[str, Any]:
        return strict_json_schema(self.model)


_SCENE_TOOL_HINTS = {"remove_object": True, "replace_object": True}

SESSION_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec("new_scene", NewScene, "Start a new, empty room: room type, floor polygon [[x, z], ...] in metres and ceiling height. The previous scene can be restored with undo.", destructive=True),
    ToolSpec("load_scene", LoadScene, "Load a scene file (native, SceneReVis or ReSpace JSON) from the server's workdir as the current scene. The previous scene can be restored with undo.", destructive=True),
    ToolSpec("get_scene", NoArgs, "Return the current scene as native JSON: room (floor polygon, height, openings) and every object's id, category, size, position (bottom centre) and yaw.", read_only=True),
    ToolSpec("evaluate", NoArgs, "Check the physics of the current scene: collisions, objects out of bounds, penetration, floating objects, walkable floor. Returns a report and feedback on what to fix.", read_only=True),
    ToolSpec("render", Render, "Render the current scene as a PNG image (top plan, diagonal view, or both).", read_only=True),
    ToolSpec("export", Export, "Write the current scene to a file in the workdir (not under sessions/) in a given format (native, scenerevis, scenerevis-grouped, respace); an existing file there is replaced.", destructive=True),
    ToolSpec("undo", NoArgs, "Undo the last change to the scene (an edit, new_scene or load_scene)."),
)


def scene_tool_specs() -> tuple[ToolSpec, ...]:
    """The seven shared scene tools, in their canonical order."""
    return tuple(
        ToolSpec(name, model, description, destructive=_SCENE_TOOL_HINTS.get(name, False))
        for name, (model, description) in TOOLS.items()
    )


def all_tool_specs() -> tuple[ToolSpec, ...]:
    return scene_tool_specs() + SESSION_TOOLS
