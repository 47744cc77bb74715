"""What every exporter writes: the room shell and each object's mesh in its own frame with its pose.

Objects come from `agentscene.scene_meshes.object_part` (the provider's mesh posed by
`agentscene.meshes.object_matrix`, or the oriented box, with the same per-face colours the
renders use); the pose is taken back out so formats with a scene graph (glTF, USD, MJCF) get one
node per object with a readable transform. Walls are built at the room's full height, with gaps
at doors and window-coloured segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agentscene.meshes import pose_matrix
from agentscene.scene_meshes import MeshPart, StyleSettings, object_part, room_parts

if TYPE_CHECKING:
    from agentscene.meshes import MeshProvider
    from agentscene.scene import Scene, SceneObject

#: StyleSettings caps walls at 10 m; a taller room keeps 10 m walls in exports
MAX_WALL_HEIGHT = 10.0

#: our world (y up, front +z) -> z-up worlds (MuJoCo, SceneEval, Blender): (x, y, z) -> (x, -z, y), a proper rotation
Y_UP_TO_Z_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


@dataclass(frozen=True, eq=False)
class ObjectMesh:
    """One object: its mesh stretched to `size` in the object's frame (bottom centre at the origin,
    front +z, y up), per-face sRGB colours, and the 4x4 pose taking that frame to the world."""

    obj: SceneObject
    vertices: np.ndarray  # (V, 3)
    faces: np.ndarray  # (F, 3)
    face_colors: np.ndarray  # (F, 3) uint8
    pose: np.ndarray  # (4, 4)

    def color_groups(self, limit: int = 16) -> list[tuple[tuple[int, int, int], np.ndarray]]:
        """Faces grouped by colour, largest group first; past `limit` colours the rest join the largest."""
        colors, inverse = np.unique(self.face_colors, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        order = np.argsort(-np.bincount(inverse))
        groups = [(tuple(int(c) for c in colors[k]), np.flatnonzero(inverse == k)) for k in order]
        if len(groups) > limit:
            rest = np.concatenate([idx for _, idx in groups[limit:]])
            groups = groups[:limit]
            groups[0] = (groups[0][0], np.sort(np.concatenate([groups[0][1], rest])))
        return groups


@dataclass(frozen=True, eq=False)
class ExportScene:
    scene: Scene
    room: tuple[MeshPart, ...]
    objects: tuple[ObjectMesh, ...]
    warnings: tuple[str, ...] = ()


def object_mesh(obj: SceneObject, mesh_provider: MeshProvider | None, warnings: list[str]) -> ObjectMesh:
    part = object_part(obj, mesh_provider, warnings)
    pose = pose_matrix(obj)
    inverse = np.linalg.inv(pose)
    local = part.vertices @ inverse[:3, :3].T + inverse[:3, 3]
    return ObjectMesh(obj, local, np.asarray(part.faces, np.int64), np.asarray(part.face_colors, np.uint8), pose)


def export_scene_parts(scene: Scene, mesh_provider: MeshProvider | None = None, *, walls: bool = True) -> ExportScene:
    """The room (floor, full-height walls, windows) in world space and every object in its own frame."""
    style = StyleSettings(walls=walls, wall_height=min(scene.room.height, MAX_WALL_HEIGHT))
    warnings: list[str] = []
    objects = tuple(object_mesh(obj, mesh_provider, warnings) for obj in scene.objects)
    return ExportScene(scene, room_parts(scene.room, style), objects, tuple(warnings))


def z_up(points: np.ndarray) -> np.ndarray:
    """Points from our y-up world to a z-up one (same handedness)."""
    return np.asarray(points, float) @ Y_UP_TO_Z_UP.T
