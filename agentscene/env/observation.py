"""What the model reads: the system prompt, the opening message and the message after each step.

Observations are plain text (the next user message): tool results, the physics feedback of
agentscene.rewards and the current scene as JSON inside `<current_scene>` tags (SceneReVis'
layout, so SceneChain-trained models read it as they were trained). Images are added by the
`ImageObservation` wrapper, not here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from agentscene.env.tasks import SceneTask
    from agentscene.rewards import EvalReport
    from agentscene.scene import Scene
    from agentscene.tools import ToolResult

ReplyProtocol = Literal["tools", "text"]

_SYSTEM_TOOLS = """You are an interior designer who builds and revises a 3D room through tool calls.
Units are metres; y is up and the floor is y = 0. An object's position is the centre of its bottom face; \
size is [width, height, depth] along its own axes; yaw is in degrees about the vertical axis (0 faces +z, 90 faces +x).
Each turn you receive the tool results, a physics check and the current scene as JSON. Fix collisions and \
objects outside the room, place what the request asks for, and call terminate when the room is complete and \
physically valid."""

_SYSTEM_TEXT = _SYSTEM_TOOLS + """
Reply in this format:
<think>your reasoning</think>
<conclusion>one line</conclusion>
<tool_calls>[{"id": "tool_1", "name": "move_object", "arguments": {"object_id": "bed_1", "position": [1.0, 0.0, 2.0]}}]</tool_calls>
Tools: add_object(description, position, yaw, size, category, support), move_object(object_id, position), \
rotate_object(object_id, yaw), scale_object(object_id, size), replace_object(object_id, description), \
remove_object(object_id), terminate(reason)."""


def system_message(protocol: ReplyProtocol = "tools") -> str:
    """The system prompt: native tool calling ("tools") or SceneReVis' tagged text protocol ("text")."""
    if protocol == "tools":
        return _SYSTEM_TOOLS
    if protocol == "text":
        return _SYSTEM_TEXT
    raise ValueError(f"unknown reply protocol {protocol!r}; choose 'tools' or 'text'")


def _round(value: Any) -> Any:
    if isinstance(value, float):
        r = round(value, 3)
        return int(r) if r.is_integer() else r
    if isinstance(value, list):
        return [_round(v) for v in value]
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items() if v is not None and v != {} and v != []}
    return value


def scene_json(scene: Scene, dialect: str = "native") -> str:
    """The scene as compact JSON for a prompt: floats to mm, empty fields and metadata dropped."""
    from agentscene.formats import dump_scene

    if dialect == "native":
        return SceneJsonCache()(scene)
    data = dump_scene(scene, dialect)
    for key in ("metadata", "schema_version"):
        data.pop(key, None)
    return json.dumps(_round(data), ensure_ascii=False, separators=(",", ":"))


def _compact(value: Any) -> str:
    return json.dumps(_round(value), ensure_ascii=False, separators=(",", ":"))


class SceneJsonCache:
    """`scene_json` for one trajectory, re-serialising only what an edit replaced.

    Frozen scenes share their unchanged objects, so an object seen in the previous scene (same
    identity) reuses its JSON. Native dialect only; other dialects are dumped whole.
    """

    def __init__(self, dialect: str = "native"):
        self.dialect = dialect
        self._room: tuple[Any, str] | None = None
        self._objects: dict[int, tuple[Any, str]] = {}

    def __call__(self, scene: Scene) -> str:
        if self.dialect != "native":
            return scene_json(scene, self.dialect)
        if self._room is None or self._room[0] is not scene.room:
            self._room = (scene.room, _compact(scene.room.model_dump(mode="json")))
        fresh: dict[int, tuple[Any, str]] = {}
        parts = []
        for obj in scene.objects:
            hit = self._objects.get(id(obj))
            if hit is None or hit[0] is not obj:
                hit = (obj, _compact(obj.model_dump(mode="json")))
            fresh[id(obj)] = hit
            parts.append(hit[1])
        self._objects = fresh
        return '{"room":' + self._room[1] + ',"objects":[' + ",".join(parts) + "]}"


def scene_block(scene: Scene, dialect: str = "native", cache: SceneJsonCache | None = None) -> str:
    text = cache(scene) if cache is not None else scene_json(scene, dialect)
    return "<current_scene>\n```json\n" + text + "\n```\n</current_scene>"


def describe_room(scene: Scene) -> str:
    room = scene.room
    x0, z0, x1, z1 = room.bounds
    shape = "rectangular" if len(room.floor) == 4 else f"{len(room.floor)}-sided"
    doors = sum(1 for o in room.openings if o.kind == "door")
    windows = sum(1 for o in room.openings if o.kind == "window")
    return (f"Room: {room.room_type.replace('_', ' ')}, {shape}, floor spanning x {x0:g}..{x1:g} m and z {z0:g}..{z1:g} m "
            f"({room.area:.1f} m²), height {room.height:g} m, {doors} door(s), {windows} window(s); "
            f"{len(scene.objects)} object(s) so far.")


def initial_observation(task: SceneTask, scene: Scene, *, scene_dialect: str = "native", cache: SceneJsonCache | None = None) -> str:
    """The first user message of an episode."""
    return "\n".join([
        f"Design request: {task.prompt}",
        describe_room(scene),
        scene_block(scene, scene_dialect, cache),
        "Edit the scene with the tools; call terminate when it is finished.",
    ])


def step_observation(results: Sequence[ToolResult], problem: str | None, report: EvalReport, scene: Scene, *,
                     turn: int, max_turns: int, feedback: str, include_scene: bool, scene_dialect: str = "native",
                     cache: SceneJsonCache | None = None) -> str:
    """The user message after a step: what each call did, the physics check, the scene."""
    parts: list[str] = []
    if problem:
        parts.append(f"Your reply could not be used: {problem}")
    if results:
        parts.append("Tool results:\n" + "\n".join(f"{i + 1}. {r.tool}: {r.to_message()}" for i, r in enumerate(results)))
    parts.append(feedback)
    if include_scene:
        parts.append(scene_block(scene, scene_dialect, cache))
    left = max_turns - turn
    parts.append(f"Turn {turn} of {max_turns}; {left} left." if left > 0 else f"Turn {turn} of {max_turns}: the episode is over.")
    return "\n".join(parts)
