"""Fixing physics problems with the smallest edits: settle floating objects, pull escaped objects
back inside, and move the smaller object of each colliding pair to the nearest free spot.

Every fix is a tool call (move / rotate / scale / remove) applied to a scratch copy of the scene,
so later fixes in the same turn see the earlier ones.
"""

from __future__ import annotations

import math

from agentscene.agents.planner.space import Placed, Problems, Space, find_problems
from agentscene.scene import Scene, SceneObject
from agentscene.tools import apply_tool
from agentscene.tools.calls import ToolCall

#: anchors are moved last: a nightstand yields to the bed it hits
_ANCHORS = frozenset({"bed", "sofa", "sectional_sofa", "dining_table", "wardrobe", "desk", "kitchen_island", "pool_table",
                      "bathtub", "counter", "fridge", "tv_stand"})
_RADII = [0.05 * k for k in range(1, 61)]
_ANGLES = [k * math.pi / 8 for k in range(16)]


def _priority(obj: SceneObject) -> tuple[int, float]:
    w, h, d = obj.size
    return (1 if obj.category in _ANCHORS else 0, w * h * d)


def _children(scene: Scene, obj_id: str) -> list[SceneObject]:
    return [o for o in scene.objects if o.support == obj_id]


def nearest_free_pose(scene: Scene, obj: SceneObject) -> tuple[tuple[float, float, float], float] | None:
    """The closest pose (same yaw first, then turned 90°) where the object fits without touching anything."""
    space = Space.of_scene(scene, zones=False, exclude={obj.id} | {c.id for c in _children(scene, obj.id)})
    y = obj.position[1] if obj.support != "floor" else 0.0
    for yaw in (obj.yaw, obj.yaw + 90.0):
        for r in [0.0, *_RADII]:
            for a in _ANGLES if r else [0.0]:
                pos = (round(obj.position[0] + r * math.cos(a), 3), y, round(obj.position[2] + r * math.sin(a), 3))
                cand = Placed(obj.id, obj.category, pos, yaw, tuple(obj.size), obj.support)
                if space.conflict(cand) is None:
                    return pos, yaw
    return None


class _Scratch:
    """The scene as the calls so far leave it, and the calls themselves."""

    def __init__(self, scene: Scene):
        self.scene = scene
        self.calls: list[ToolCall] = []
        self.notes: list[str] = []

    def call(self, name: str, **arguments) -> None:
        result = apply_tool(self.scene, name, arguments)
        if not result.ok:
            raise RuntimeError(f"the planner produced an invalid {name} call: {result.message}")
        self.scene = result.scene
        self.calls.append(ToolCall(name=name, arguments=arguments, id=f"call_{len(self.calls) + 1}"))

    def move_with_children(self, obj: SceneObject, pos, yaw: float) -> None:
        dx, dz = pos[0] - obj.position[0], pos[2] - obj.position[2]
        if abs(yaw - obj.yaw) > 1e-6:
            self.call("rotate_object", object_id=obj.id, yaw=round(yaw, 4))
        self.call("move_object", object_id=obj.id, position=[pos[0], pos[1], pos[2]])
        for child in _children(self.scene, obj.id):
            self.call("move_object", object_id=child.id,
                      position=[round(child.position[0] + dx, 3), round(pos[1] + obj.size[1], 3), round(child.position[2] + dz, 3)])


def plan_fixes(scene: Scene, reported: Problems | None = None) -> tuple[list[ToolCall], list[str]]:
    """Tool calls that remove the problems `find_problems` sees (plus any the evaluator reported)."""
    s = _Scratch(scene)
    problems = find_problems(scene)
    if reported is not None:
        problems.collisions += [p for p in reported.collisions if p not in problems.collisions]
        problems.out_of_bounds += [i for i in reported.out_of_bounds if i not in problems.out_of_bounds]
    handled: set[str] = set()

    for obj_id in problems.floating:
        obj = s.scene.get(obj_id)
        if obj is None or obj.support in ("wall", "ceiling"):
            continue
        host = s.scene.get(obj.support)
        y = host.top if host is not None else 0.0
        s.call("move_object", object_id=obj.id, position=[obj.position[0], round(y, 3), obj.position[2]])
        s.notes.append(f"set {obj.id} down on {'the floor' if host is None else host.id}")

    movers: list[str] = list(problems.out_of_bounds)
    for a, b in problems.collisions:
        oa, ob = s.scene.get(a), s.scene.get(b)
        if oa is None or ob is None:
            continue
        mover = oa if _priority(oa) <= _priority(ob) else ob
        if mover.id not in movers and a not in movers and b not in movers:
            movers.append(mover.id)
    for obj_id in movers:
        if obj_id in handled:
            continue
        obj = s.scene.get(obj_id)
        if obj is None:
            continue
        handled.add(obj_id)
        pose = nearest_free_pose(s.scene, obj)
        if pose is not None:
            s.move_with_children(obj, *pose)
            s.notes.append(f"moved {obj.id} to a free spot")
            continue
        smaller = [round(v * 0.8, 3) if i != 1 else v for i, v in enumerate(obj.size)]
        shrunk = obj.model_copy(update={"size": tuple(smaller)})
        pose = nearest_free_pose(s.scene.replace_object(shrunk), shrunk)
        if pose is not None:
            s.call("scale_object", object_id=obj.id, size=smaller)
            s.move_with_children(s.scene[obj.id], *pose)
            s.notes.append(f"made {obj.id} 20% smaller to fit")
            continue
        for child in _children(s.scene, obj.id):
            s.call("remove_object", object_id=child.id)
        s.call("remove_object", object_id=obj.id)
        s.notes.append(f"removed {obj.id}: no free spot is large enough")
    return s.calls, s.notes
