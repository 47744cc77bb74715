"""The triangles every backend draws: floor, low walls with door gaps, and posed object meshes.

Built once per render and handed to a backend as plain numpy arrays, so the rasteriser and
the Blender worker draw exactly the same geometry in exactly the same colours. Object meshes
come from a MeshProvider posed by `agentscene.meshes.world_mesh` (the one place that
stretches meshes); a provider that returns None, or a mesh that cannot be drawn, gives the
object's oriented box, and the reason is kept in `SceneGeometry.warnings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agentscene.meshes import MeshProvider, object_matrix, unit_box
from agentscene.renderers import palette

if TYPE_CHECKING:
    import trimesh

    from agentscene.scene import Room, Scene, SceneObject

PartKind = Literal["object", "floor", "wall", "window"]

#: The floor sits this far below y = 0 so thin objects on the floor (rugs) never z-fight it.
FLOOR_OFFSET = 0.002


class StyleSettings(BaseModel):
    """What the room shell looks like. Walls are drawn low so every view sees the interior."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    walls: bool = True
    wall_height: float = Field(default=0.25, gt=0.0, le=10.0, description="metres; low so the interior shows")
    wall_thickness: float = Field(default=0.08, gt=0.0, le=1.0)
    floor_color: tuple[int, int, int] = palette.FLOOR
    wall_color: tuple[int, int, int] = palette.WALL
    window_color: tuple[int, int, int] = palette.WINDOW


@dataclass(frozen=True, eq=False)
class MeshPart:
    """One named, coloured triangle mesh in world space (y up)."""

    name: str
    kind: PartKind
    vertices: np.ndarray  # (V, 3) float64
    faces: np.ndarray  # (F, 3) int64
    face_colors: np.ndarray  # (F, 3) uint8, sRGB, unlit

    @property
    def triangles(self) -> np.ndarray:
        return self.vertices[self.faces]


@dataclass(frozen=True, eq=False)
class SceneGeometry:
    parts: tuple[MeshPart, ...]
    warnings: tuple[str, ...] = ()

    def triangle_soup(self) -> tuple[np.ndarray, np.ndarray]:
        """All triangles (T, 3, 3) float32 and their unlit colours (T, 3) uint8."""
        if not self.parts:
            return np.zeros((0, 3, 3), np.float32), np.zeros((0, 3), np.uint8)
        tris = np.concatenate([p.triangles for p in self.parts]).astype(np.float32)
        cols = np.concatenate([p.face_colors for p in self.parts])
        return tris, cols

    @property
    def face_count(self) -> int:
        return int(sum(len(p.faces) for p in self.parts))


def object_color(obj: SceneObject) -> tuple[int, int, int]:
    """The palette colour used for an object's box and overlays."""
    return palette.category_color(obj.category)


def _mesh_problem(mesh: trimesh.Trimesh) -> str | None:
    """Why a provider's mesh cannot be drawn, or None when it can."""
    vertices = np.asarray(mesh.vertices)
    faces = np.asarray(mesh.faces)
    if len(faces) == 0 or len(vertices) == 0:
        return "mesh has no faces"
    if vertices.ndim != 2 or vertices.shape[1] != 3 or faces.ndim != 2 or faces.shape[1] != 3:
        return f"mesh arrays have bad shapes (vertices {vertices.shape}, faces {faces.shape})"
    if not np.all(np.isfinite(vertices)):
        return "mesh has non-finite vertices"
    if faces.min() < 0 or faces.max() >= len(vertices):
        return "mesh faces index missing vertices"
    if float(np.ptp(vertices, axis=0).max()) < 1e-9:
        return "mesh has zero size"
    return None


def object_part(obj: SceneObject, mesh_provider: MeshProvider | None, warnings: list[str]) -> MeshPart:
    """The object's posed mesh (or oriented box) with per-face colours."""
    mesh = mesh_provider(obj) if mesh_provider is not None else None
    if mesh is not None:
        import trimesh

        if not isinstance(mesh, trimesh.Trimesh):
            raise TypeError(
                f"mesh provider returned {type(mesh).__name__} for {obj.id!r}; a MeshProvider returns "
                "trimesh.Trimesh or None"
            )
        problem = _mesh_problem(mesh)
        if problem is not None:
            warnings.append(f"{obj.id}: {problem}; drew its box instead")
            mesh = None
    # object_matrix is the pose world_mesh applies; applying it to the arrays skips a mesh copy.
    matrix = object_matrix(obj, mesh)
    if mesh is None:
        base_vertices, faces = _unit_box_arrays()
    else:
        base_vertices, faces = np.asarray(mesh.vertices, float), np.asarray(mesh.faces, np.int64)
    vertices = base_vertices @ matrix[:3, :3].T + matrix[:3, 3]
    colors = palette.mesh_face_colors(mesh) if mesh is not None else None
    if colors is None or len(colors) != len(faces):
        colors = np.broadcast_to(np.array(object_color(obj), np.uint8), (len(faces), 3)).copy()
    return MeshPart(obj.id, "object", vertices, faces, colors)


@lru_cache(maxsize=1)
def _unit_box_arrays() -> tuple[np.ndarray, np.ndarray]:
    box = unit_box()
    vertices, faces = np.asarray(box.vertices, float), np.asarray(box.faces, np.int64)
    vertices.setflags(write=False)
    faces.setflags(write=False)
    return vertices, faces


def _flat(vertices_2d: np.ndarray, faces: np.ndarray, y: float) -> tuple[np.ndarray, np.ndarray]:
    """(x, z) triangulation to world vertices at height y, wound so the normal is +y."""
    v = np.column_stack([vertices_2d[:, 0], np.full(len(vertices_2d), y), vertices_2d[:, 1]])
    tri = v[faces]
    normal_y = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])[:, 1]
    faces = np.where((normal_y < 0)[:, None], faces[:, ::-1], faces)
    return v, faces


def floor_part(room: Room, style: StyleSettings) -> MeshPart:
    import trimesh

    verts2d, faces = trimesh.creation.triangulate_polygon(room.polygon())
    v, f = _flat(np.asarray(verts2d, float), np.asarray(faces, np.int64), -FLOOR_OFFSET)
    colors = np.broadcast_to(np.array(style.floor_color, np.uint8), (len(f), 3)).copy()
    return MeshPart("floor", "floor", v, f, colors)


def _opening_rect(room: Room, wall: int, offset: float, width: float, reach: float):
    """A rectangle straddling the wall at an opening, `reach` metres out and a little in."""
    from shapely.geometry import Polygon

    (ax, az), (bx, bz) = room.wall(wall)
    length = max(room.wall_length(wall), 1e-12)
    dx, dz = (bx - ax) / length, (bz - az) / length
    ox, oz = dz, -dx  # outward normal of a counter-clockwise polygon
    s0, s1 = offset - width / 2.0, offset + width / 2.0
    pts = []
    for s, r in ((s0, -0.01), (s1, -0.01), (s1, reach), (s0, reach)):
        pts.append((ax + dx * s + ox * r, az + dz * s + oz * r))
    return Polygon(pts)


def _extrude(geom, height: float) -> tuple[np.ndarray, np.ndarray]:
    """Extrude a shapely (Multi)Polygon in the x-z plane from y = 0 to `height`."""
    import trimesh

    polys = [geom] if geom.geom_type == "Polygon" else [g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"]
    meshes = [trimesh.creation.extrude_polygon(p, height) for p in polys if p.area > 1e-9]
    if not meshes:
        return np.zeros((0, 3)), np.zeros((0, 3), np.int64)
    mesh = trimesh.util.concatenate(meshes)
    v = np.asarray(mesh.vertices, float)[:, [0, 2, 1]]  # (x, z, y) -> (x, y, z) mirrors, so flip winding
    return v, np.asarray(mesh.faces, np.int64)[:, ::-1]


def wall_parts(room: Room, style: StyleSettings) -> list[MeshPart]:
    """Low walls around the floor: doors and open doorways are gaps, windows a lighter colour."""
    from shapely.ops import unary_union

    poly = room.polygon()
    ring = poly.buffer(style.wall_thickness, join_style="mitre", mitre_limit=4.0).difference(poly)
    reach = style.wall_thickness * 3.0
    gaps = [_opening_rect(room, o.wall, o.offset, o.width, reach) for o in room.openings if o.kind in ("door", "opening")]
    windows = [_opening_rect(room, o.wall, o.offset, o.width, reach) for o in room.openings if o.kind == "window"]
    if gaps:
        ring = ring.difference(unary_union(gaps))
    parts: list[MeshPart] = []
    window_geom = ring.intersection(unary_union(windows)) if windows else None
    if window_geom is not None:
        ring = ring.difference(unary_union(windows))
    for name, kind, geom, color in (("walls", "wall", ring, style.wall_color), ("windows", "window", window_geom, style.window_color)):
        if geom is None or geom.is_empty:
            continue
        v, f = _extrude(geom, style.wall_height)
        if len(f):
            parts.append(MeshPart(name, kind, v, f, np.broadcast_to(np.array(color, np.uint8), (len(f), 3)).copy()))  # type: ignore[arg-type]
    return parts


def build_scene_geometry(
    scene: Scene, mesh_provider: MeshProvider | None = None, style: StyleSettings | None = None
) -> SceneGeometry:
    """Floor, low walls and every object, in world space with unlit per-face colours."""
    style = style or StyleSettings()
    warnings: list[str] = []
    parts = list(room_parts(scene.room, style))
    parts.extend(object_part(obj, mesh_provider, warnings) for obj in scene.objects)
    return SceneGeometry(tuple(parts), tuple(warnings))


def room_parts(room: Room, style: StyleSettings) -> tuple[MeshPart, ...]:
    """Floor and walls; cached per room, since an episode renders the same room many times."""
    return _room_parts_cached(room.model_dump_json(), style)


@lru_cache(maxsize=32)
def _room_parts_cached(room_json: str, style: StyleSettings) -> tuple[MeshPart, ...]:
    from agentscene.scene import Room

    room = Room.model_validate_json(room_json)
    parts = [floor_part(room, style)]
    if style.walls:
        parts.extend(wall_parts(room, style))
    for part in parts:  # shared between renders: nobody may modify them
        for arr in (part.vertices, part.faces, part.face_colors):
            arr.setflags(write=False)
    return tuple(parts)


def face_normals(triangles: np.ndarray) -> np.ndarray:
    """Unit normals (T, 3) of triangles (T, 3, 3); degenerate triangles get +y."""
    n = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0]).astype(np.float64)
    length = np.linalg.norm(n, axis=1)
    bad = length < 1e-20
    n[bad] = (0.0, 1.0, 0.0)
    length[bad] = 1.0
    return n / length[:, None]


#: Direction toward the light used by the rasteriser's flat shading (mostly from above).
LIGHT_DIRECTION = np.array([0.3, 1.0, 0.45]) / np.linalg.norm([0.3, 1.0, 0.45])


def shade_flat(triangles: np.ndarray, colors: np.ndarray, ambient: float = 0.5, diffuse: float = 0.55) -> np.ndarray:
    """Per-face lit colours (T, 3) float32 in [0, 1], two-sided so mesh winding does not matter."""
    lambert = np.abs(face_normals(triangles) @ LIGHT_DIRECTION)
    lit = colors.astype(np.float32) / 255.0 * (ambient + diffuse * lambert)[:, None].astype(np.float32)
    return np.clip(lit, 0.0, 1.0)
