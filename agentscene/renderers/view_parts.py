"""What each view shows, so images are not misread.

Walls are low so the interior shows, but in a perspective view the walls that hold wall items
(paintings, mirrors, wall lamps) and face away from the camera rise to the ceiling, so those
items hang on something; walls facing the camera stay low (a cut-away). Ceiling items hang
from a thin cord in perspective views and are left out of the top view, where the overlays
draw their outline instead, so they never cover the furniture below. The parts themselves come
from `agentscene.scene_meshes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agentscene.scene_meshes import (
    MeshPart,
    SceneMeshes,
    StyleSettings,
    cord_part,
    is_ceiling_item,
    is_wall_item,
    object_part,
    room_parts,
)

if TYPE_CHECKING:
    from agentscene.meshes import MeshProvider
    from agentscene.renderers.cameras import Camera
    from agentscene.scene import Room, Scene


@dataclass(frozen=True)
class ViewRules:
    """What one camera shows: which walls are tall, and whether ceiling items are outlines (top view)."""

    tall_walls: frozenset[int] = frozenset()
    top_down: bool = False


def walls_holding_items(scene: Scene) -> frozenset[int]:
    """Indices of the walls that wall items hang on (the nearest wall to each item's centre)."""
    items = [o for o in scene.objects if is_wall_item(o)]
    if not items:
        return frozenset()
    floor = np.asarray(scene.room.floor, dtype=float)
    a, b = floor, np.roll(floor, -1, axis=0)
    ab = b - a
    points = np.array([[o.position[0], o.position[2]] for o in items])
    t = np.clip(np.einsum("pwk,wk->pw", points[:, None, :] - a[None], ab) / np.maximum((ab * ab).sum(axis=1), 1e-12), 0.0, 1.0)
    nearest = a[None] + t[..., None] * ab[None]
    distance = np.linalg.norm(points[:, None, :] - nearest, axis=2)
    return frozenset(int(i) for i in distance.argmin(axis=1))


def walls_facing_away(room: Room, camera: Camera) -> frozenset[int]:
    """Walls whose inner face the camera sees (the far walls); the others face the camera."""
    eye = camera.position
    floor = np.asarray(room.floor, dtype=float)
    ab = np.roll(floor, -1, axis=0) - floor
    outward = np.column_stack([ab[:, 1], -ab[:, 0]])
    side = ((np.array([eye[0], eye[2]]) - floor) * outward).sum(axis=1)
    return frozenset(int(i) for i in np.nonzero(side < 0.0)[0])


def view_rules(scene: Scene, camera: Camera, style: StyleSettings, holding: frozenset[int] | None = None) -> ViewRules:
    """The ViewRules of one camera (`holding`: walls_holding_items(scene), when already known)."""
    if camera.top_down:
        return ViewRules(frozenset(), True)
    if not (style.walls and style.tall_walls):
        return ViewRules(frozenset(), False)
    holding = walls_holding_items(scene) if holding is None else holding
    if not holding:
        return ViewRules(frozenset(), False)
    return ViewRules(holding & walls_facing_away(scene.room, camera), False)


def build_scene_meshes(
    scene: Scene,
    mesh_provider: MeshProvider | None = None,
    style: StyleSettings | None = None,
    cameras: dict[str, Camera] | None = None,
) -> SceneMeshes:
    """Floor, walls and every object, in world space with unlit per-face colours.

    With `cameras`, parts that only some views show carry those views' names (`MeshPart.views`):
    tall walls, ceiling items (not in the top view) and their cords. Without, one geometry
    with low walls and every object, for exports.
    """
    style = style or StyleSettings()
    warnings: list[str] = []
    if not cameras:
        parts = list(room_parts(scene.room, style))
        parts.extend(object_part(obj, mesh_provider, warnings) for obj in scene.objects)
        return SceneMeshes(tuple(parts), tuple(warnings))
    holding = walls_holding_items(scene)
    rules = {name: view_rules(scene, cam, style, holding) for name, cam in cameras.items()}
    parts: list[MeshPart] = []
    for k, tall in enumerate(sorted({r.tall_walls for r in rules.values()}, key=sorted)):
        names = frozenset(n for n, r in rules.items() if r.tall_walls == tall)
        shown = None if len(names) == len(rules) else names
        for p in room_parts(scene.room, style, tall):
            if p.kind == "floor":  # the same in every view
                if k == 0:
                    parts.append(p)
                continue
            parts.append(MeshPart(p.name, p.kind, p.vertices, p.faces, p.face_colors, shown))
    hanging_views = frozenset(n for n, r in rules.items() if not r.top_down)
    for obj in scene.objects:
        part = object_part(obj, mesh_provider, warnings)
        if is_ceiling_item(obj):
            parts.append(MeshPart(part.name, part.kind, part.vertices, part.faces, part.face_colors, hanging_views))
            cord = cord_part(obj, scene.room.height, style, hanging_views) if style.ceiling_cords else None
            if cord is not None:
                parts.append(cord)
        else:
            parts.append(part)
    return SceneMeshes(tuple(parts), tuple(warnings))
