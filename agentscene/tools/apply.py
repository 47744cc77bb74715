"""Applying tool calls to scenes: validate the arguments, edit, return a ToolResult.

Edits copy only what changes (`model_copy`), so a move on a 30-object scene costs a few
microseconds, and a failed call returns the very same scene object it was given.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import ValidationError

from agentscene.categories import SURFACES, category_info, infer_category
from agentscene.formats.errors import describe_validation_error
from agentscene.geometry import distance_to_polygon_edges, normalize_yaw, point_in_polygon
from agentscene.limits import DEFAULT_LIMITS, InputLimitError, check_tree, loads_json, shown
from agentscene.scene import Scene, SceneObject
from agentscene.tools.arguments import (
    TOOLS,
    AddObject,
    MoveObject,
    RemoveObject,
    ReplaceObject,
    RotateObject,
    ScaleObject,
    Terminate,
)
from agentscene.tools.calls import ErrorCode, ToolCall, ToolCallsResult, ToolResult, coerce_call
from agentscene.tools.scenerevis_calls import (
    ObjectReferenceError,
    looks_like_scenerevis,
    translate_arguments,
)

#: Most objects one scene may hold through the tools (Limits.tool_objects).
MAX_OBJECTS = DEFAULT_LIMITS.tool_objects
#: Longest arguments string a call may carry (Limits.tool_argument_chars).
MAX_ARGUMENT_CHARS = DEFAULT_LIMITS.tool_argument_chars


class _Refusal(Exception):
    """Internal: a model mistake found while applying a call; becomes a ToolResult."""

    def __init__(self, code: ErrorCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _fmt(v: Iterable[float]) -> str:
    return "[" + ", ".join(f"{x:.2f}" for x in v) + "]"


def _ids_hint(scene: Scene, limit: int = 40) -> str:
    ids = scene.ids
    if not ids:
        return "The scene has no objects yet."
    more = f", ... ({len(ids) - limit} more)" if len(ids) > limit else ""
    return "Objects in the scene: " + ", ".join(ids[:limit]) + more + "."


def _find(scene: Scene, object_id: str) -> tuple[int, SceneObject]:
    for i, obj in enumerate(scene.objects):
        if obj.id == object_id:
            return i, obj
    raise _Refusal(ErrorCode.UNKNOWN_OBJECT, f"no object with id {object_id!r}. {_ids_hint(scene)}")


def _check_inside(scene: Scene, position: tuple[float, float, float], size: tuple[float, float, float]) -> None:
    """Refuse poses that put an object wholly outside the room; partial overlap is the evaluator's business."""
    room = scene.room
    x, y, z = position
    if y >= room.height:
        raise _Refusal(ErrorCode.OUTSIDE_ROOM, f"y = {y:.2f} is at or above the ceiling (room height {room.height:.2f} m); y is the bottom of the object")
    if y + size[1] <= 0:
        raise _Refusal(ErrorCode.OUTSIDE_ROOM, f"the object would be wholly below the floor (y = {y:.2f}, height {size[1]:.2f}); the floor is y = 0")
    if point_in_polygon(x, z, room.floor):
        return
    reach = 0.5 * (size[0] ** 2 + size[2] ** 2) ** 0.5
    if distance_to_polygon_edges(x, z, room.floor) >= reach:
        x0, z0, x1, z1 = room.bounds
        raise _Refusal(
            ErrorCode.OUTSIDE_ROOM,
            f"position x = {x:.2f}, z = {z:.2f} puts the object wholly outside the room; the floor spans "
            f"x from {x0:.2f} to {x1:.2f} and z from {z0:.2f} to {z1:.2f}",
        )


def _with(scene: Scene, index: int, obj: SceneObject) -> Scene:
    return scene.model_copy(update={"objects": scene.objects[:index] + (obj,) + scene.objects[index + 1 :]})


def _support(scene: Scene, value: str | None, category: str) -> str:
    if value is None or not value.strip():
        return category_info(category).support
    value = value.strip()
    if value.lower() in SURFACES:
        return value.lower()
    if scene.get(value) is None:
        raise _Refusal(ErrorCode.UNKNOWN_OBJECT, f"support {value!r} is neither floor, wall, ceiling nor an object id. {_ids_hint(scene)}")
    return value


def _category(value: str | None, description: str) -> str:
    if value is None or not value.strip():
        return infer_category(description)
    norm = "_".join(value.strip().lower().replace("-", " ").split())
    return norm[:64] or infer_category(description)


# -- the seven tools -------------------------------------------------------------------------


def _add(scene: Scene, a: AddObject) -> tuple[Scene, str, str]:
    if len(scene.objects) >= MAX_OBJECTS:
        raise _Refusal(ErrorCode.TOO_MANY_OBJECTS, f"the scene already has {MAX_OBJECTS} objects; remove some first")
    category = _category(a.category, a.description)
    position, size = tuple(a.position), tuple(a.size)
    _check_inside(scene, position, size)
    obj = SceneObject.model_construct(
        id=scene.next_id(category), description=a.description, category=category, size=size,
        position=position, yaw=normalize_yaw(a.yaw), asset=None, support=_support(scene, a.support, category), extra={},
    )
    new = scene.model_copy(update={"objects": scene.objects + (obj,)})
    return new, obj.id, f"Added {obj.id} ({category}) at {_fmt(position)}, yaw {obj.yaw:g}, size {_fmt(size)}."


def _move(scene: Scene, a: MoveObject) -> tuple[Scene, str, str]:
    i, obj = _find(scene, a.object_id)
    position = tuple(a.position)
    _check_inside(scene, position, obj.size)
    return _with(scene, i, obj.model_copy(update={"position": position})), obj.id, f"Moved {obj.id} to {_fmt(position)}."


def _rotate(scene: Scene, a: RotateObject) -> tuple[Scene, str, str]:
    i, obj = _find(scene, a.object_id)
    yaw = normalize_yaw(a.yaw)
    return _with(scene, i, obj.model_copy(update={"yaw": yaw})), obj.id, f"Rotated {obj.id} to yaw {yaw:g}."


def _scale(scene: Scene, a: ScaleObject) -> tuple[Scene, str, str]:
    i, obj = _find(scene, a.object_id)
    size = tuple(a.size)
    _check_inside(scene, obj.position, size)
    return _with(scene, i, obj.model_copy(update={"size": size})), obj.id, f"Resized {obj.id} to {_fmt(size)}."


def _replace(scene: Scene, a: ReplaceObject) -> tuple[Scene, str, str]:
    i, obj = _find(scene, a.object_id)
    category = infer_category(a.description)
    new = obj.model_copy(update={"description": a.description, "category": category, "asset": None})
    return _with(scene, i, new), obj.id, f"Replaced {obj.id} with '{a.description}' ({category}), same pose and size."


def _remove(scene: Scene, a: RemoveObject) -> tuple[Scene, str, str]:
    i, obj = _find(scene, a.object_id)
    objects = list(scene.objects[:i] + scene.objects[i + 1 :])
    orphans = []
    for k, other in enumerate(objects):
        if other.support == obj.id:
            objects[k] = other.model_copy(update={"support": "floor"})
            orphans.append(other.id)
    msg = f"Removed {obj.id}."
    if orphans:
        msg += f" {', '.join(orphans)} rested on it and now count as standing on the floor; move them."
    return scene.model_copy(update={"objects": tuple(objects)}), obj.id, msg


def _terminate(scene: Scene, a: Terminate) -> tuple[Scene, str | None, str]:
    return scene, None, f"Episode finished: {a.reason.strip() or '(no reason given)'}"


_HANDLERS: dict[str, Callable[[Scene, Any], tuple[Scene, str | None, str]]] = {
    "add_object": _add,
    "move_object": _move,
    "rotate_object": _rotate,
    "scale_object": _scale,
    "replace_object": _replace,
    "remove_object": _remove,
    "terminate": _terminate,
}
_MODELS = {name: model for name, (model, _) in TOOLS.items()}
assert _HANDLERS.keys() == _MODELS.keys()


def _parse_arguments(name: str, arguments: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(arguments, str):
        if len(arguments) > MAX_ARGUMENT_CHARS:
            raise _Refusal(ErrorCode.INVALID_ARGUMENTS, f"arguments are {len(arguments)} characters, over the {MAX_ARGUMENT_CHARS} limit")
        text = arguments.strip()
        if not text:
            return {}
        try:
            value = loads_json(text, what=f"the arguments of {name}")
        except json.JSONDecodeError as e:
            where = f" at line {e.lineno} column {e.colno} ({e.msg})"
            raise _Refusal(ErrorCode.INVALID_JSON, f"arguments of {name} are not valid JSON{where}; send a JSON object") from None
        except InputLimitError as e:
            raise _Refusal(ErrorCode.INVALID_ARGUMENTS, str(e)) from None
        if not isinstance(value, dict):
            raise _Refusal(ErrorCode.INVALID_ARGUMENTS, f"arguments of {name} must be a JSON object, got {type(value).__name__}")
        return value
    try:  # a dict from an SDK or a Python caller: the same depth, digit, finite and text checks as parsed JSON
        return check_tree(arguments, what=f"the arguments of {name}")
    except InputLimitError as e:
        raise _Refusal(ErrorCode.INVALID_ARGUMENTS, str(e)) from None


def _signature(name: str) -> str:
    model = _MODELS[name]
    return f"{name}(" + ", ".join(model.model_fields) + ")"


def apply_tool(scene: Scene, name: str, arguments: dict[str, Any] | str | None = None, call_id: str | None = None) -> ToolResult:
    """Apply one tool call. Never raises for anything a model can send."""
    try:
        if not isinstance(name, str) or name not in _HANDLERS:
            raise _Refusal(ErrorCode.UNKNOWN_TOOL, f"unknown tool {shown(name, 60)}; the tools are {', '.join(_HANDLERS)}")
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, (dict, str)):
            raise _Refusal(ErrorCode.INVALID_ARGUMENTS, f"arguments of {name} must be a JSON object, got {type(arguments).__name__}")
        args = _parse_arguments(name, arguments)
        if looks_like_scenerevis(args):
            try:
                args = translate_arguments(scene, name, args)
            except ObjectReferenceError as e:
                raise _Refusal(ErrorCode(e.code), str(e)) from None
        try:
            parsed = _MODELS[name].model_validate(args)
        except ValidationError as e:
            problems = "; ".join(describe_validation_error(e, limit=5))
            raise _Refusal(ErrorCode.INVALID_ARGUMENTS, f"{problems}. Expected {_signature(name)}") from None
        new_scene, object_id, message = _HANDLERS[name](scene, parsed)
    except _Refusal as r:
        return ToolResult(tool=str(name)[:64], ok=False, message=r.message, scene=scene, error=r.code, call_id=call_id)
    return ToolResult(
        tool=name, ok=True, message=message, scene=new_scene, call_id=call_id,
        object_id=object_id, terminated=name == "terminate",
    )


def apply_call(scene: Scene, call: Any) -> ToolResult:
    """Apply a call in any accepted shape (dict, OpenAI tool call, ToolCall)."""
    coerced = coerce_call(call)
    if isinstance(coerced, str):
        return ToolResult(tool="(invalid)", ok=False, message=coerced, scene=scene, error=ErrorCode.INVALID_CALL)
    return apply_tool(scene, coerced.name, coerced.arguments, call_id=coerced.id)


def apply_tool_calls(scene: Scene, calls: Iterable[Any]) -> ToolCallsResult:
    """Apply calls in order; each sees the scene the previous one left. Calls after `terminate` are refused."""
    results: list[ToolResult] = []
    terminated = False
    if not isinstance(calls, (list, tuple)):
        calls = list(calls) if not isinstance(calls, (dict, str, bytes)) else [calls]
    for call in calls:
        if terminated:
            coerced = coerce_call(call)
            name = coerced.name if isinstance(coerced, ToolCall) else "(invalid)"
            call_id = coerced.id if isinstance(coerced, ToolCall) else None
            results.append(ToolResult(tool=name[:64], ok=False, scene=scene, error=ErrorCode.AFTER_TERMINATE, call_id=call_id,
                                      message="this call came after terminate and was not applied"))
            continue
        result = apply_call(scene, call)
        results.append(result)
        scene = result.scene
        terminated = result.terminated
    return ToolCallsResult(scene=scene, results=results, terminated=terminated)
