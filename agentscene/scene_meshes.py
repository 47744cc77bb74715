"""A scene as coloured triangles in world space: floor, walls with door gaps, posed object meshes.

The renderers draw these parts and the exporters write them, so the rasteriser, the Blender
worker and every export file show the same geometry in the same colours (`agentscene.palette`).
Object meshes come from a MeshProvider posed by `agentscene.meshes.object_matrix` (the one place
that stretches meshes); a provider that returns None, or a mesh that cannot be drawn, gives the
object's oriented box, and the reason is kept in the caller's warnings (`SceneMeshes.warnings`).
Which parts a given camera shows is the renderers' business (`agentscene.renderers.view_parts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agentscene import palette
from agentscene.categories import category_info
from agentscene.meshes import MeshProvider, object_matrix, unit_box

if TYPE_CHECKING:
    import trimesh

    from agentscene.scene import Room, SceneObject

PartKind = Literal["object", "floor", "wall", "window"]

#: The floor sits this far below y = 0 so thin objects on the floor (rugs) never z-fight it.
FLOOR_OFFSET = 0.002


class StyleSettings(BaseModel):
    """What the room shell looks like. Walls are drawn low so every view sees the interior."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    walls: bool = True
    wall_height: float = Field(default=0.25, gt=0.0, le=10.0, description="metres; low so the interior shows")
    tall_walls: bool = Field(default=True, description="perspective views: walls holding wall items and facing away from the camera rise to the ceiling")
    ceiling_cords: bool = Field(default=True, description="perspective views: a cord from each ceiling item up to the ceiling")
    cord_width: float = Field(default=0.02, gt=0.0, le=0.5)
    cord_color: tuple[int, int, int] = palette.CORD
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
    views: frozenset[str] | None = None  # names of the views that show it; None: every view

    def shown_in(self, view: str) -> bool:
        return self.views is None or view in self.views

    @property
    def triangles(self) -> np.ndarray:
        return self.vertices[self.faces]


@dataclass(frozen=True, eq=False)
class SceneMeshes:
    """Every part of a scene and what went wrong building them (meshes replaced by boxes)."""

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


def is_wall_item(obj: SceneObject) -> bool:
    """Hangs on a wall (painting, mirror, clock, wall lamp): by its support, or its category's default."""
    return obj.support == "wall" or (obj.support == "floor" and category_info(obj.category).support == "wall")


def is_ceiling_item(obj: SceneObject) -> bool:
    """Hangs from the ceiling (ceiling lamp, fan)."""
    return obj.support == "ceiling" or (obj.support == "floor" and category_info(obj.category).support == "ceiling")


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


def drawable_mesh(obj: SceneObject, mesh_provider: MeshProvider | None, warnings: list[str]) -> trimesh.Trimesh | None:
    """The provider's mesh for `obj`, or None (draw the box) with the reason added to `warnings`."""
    mesh = mesh_provider(obj) if mesh_provider is not None else None
    if mesh is None:
        return None
    import trimesh

    if not isinstance(mesh, trimesh.Trimesh):
        raise TypeError(
            f"mesh provider returned {type(mesh).__name__} for {obj.id!r}; a MeshProvider returns "
            "trimesh.Trimesh or None"
        )
    problem = _mesh_problem(mesh)
    if problem is not None:
        warnings.append(f"{obj.id}: {problem}; drew its box instead")
        return None
    return mesh


def object_part(obj: SceneObject, mesh_provider: MeshProvider | None, warnings: list[str]) -> MeshPart:
    """The object's posed mesh (or oriented box) with per-face colours."""
    mesh = drawable_mesh(obj, mesh_provider, warnings)
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


def cord_matrix(obj: SceneObject, room_height: float, width: float) -> np.ndarray | None:
    """4x4 taking the unit box to the cord from a ceiling item's top up to the ceiling (None: no room for one)."""
    length = room_height - obj.top
    if length <= 1e-3:
        return None
    m = np.diag([width, length, width, 1.0])
    m[:3, 3] = (obj.position[0], obj.top, obj.position[2])
    return m


def cord_part(obj: SceneObject, room_height: float, style: StyleSettings, views: frozenset[str]) -> MeshPart | None:
    matrix = cord_matrix(obj, room_height, style.cord_width)
    if matrix is None:
        return None
    base, faces = _unit_box_arrays()
    vertices = base @ matrix[:3, :3].T + matrix[:3, 3]
    colors = np.broadcast_to(np.array(style.cord_color, np.uint8), (len(faces), 3)).copy()
    return MeshPart(f"{obj.id}__cord", "object", vertices, faces, colors, views)


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


def _wall_frame(room: Room, wall: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Start point, unit direction and outward unit normal of a wall, and its length."""
    (ax, az), (bx, bz) = room.wall(wall)
    length = max(room.wall_length(wall), 1e-12)
    d = np.array([(bx - ax) / length, (bz - az) / length])
    return np.array([ax, az]), d, np.array([d[1], -d[0]]), length  # outward: the polygon is counter-clockwise


def _opening_rect(room: Room, wall: int, offset: float, width: float, reach: float):
    """A rectangle straddling the wall at an opening, `reach` metres out and a little in."""
    from shapely.geometry import Polygon

    a, d, n, _ = _wall_frame(room, wall)
    s0, s1 = offset - width / 2.0, offset + width / 2.0
    return Polygon([tuple(a + d * s + n * r) for s, r in ((s0, -0.01), (s1, -0.01), (s1, reach), (s0, reach))])


def _wall_wedge(room: Room, wall: int, reach: float):
    """The region outside the floor that belongs to one wall: split from its neighbours along the corner bisectors."""
    from shapely.geometry import Polygon

    count = len(room.floor)
    a, d, n, length = _wall_frame(room, wall)
    n_prev = _wall_frame(room, (wall - 1) % count)[2]
    n_next = _wall_frame(room, (wall + 1) % count)[2]

    def corner(normal_other: np.ndarray) -> np.ndarray:
        m = n + normal_other
        norm = np.linalg.norm(m)
        m = n if norm < 1e-9 else m / norm
        return m * reach / max(float(m @ n), 0.25)

    b = a + d * length
    return Polygon([tuple(a), tuple(b), tuple(b + corner(n_next)), tuple(a + corner(n_prev))])


def _extrude(geom, y0: float, y1: float) -> tuple[np.ndarray, np.ndarray]:
    """Extrude a shapely (Multi)Polygon in the x-z plane from y = y0 to y = y1."""
    import trimesh

    if geom is None or geom.is_empty or y1 - y0 <= 1e-6:
        return np.zeros((0, 3)), np.zeros((0, 3), np.int64)
    polys = [geom] if geom.geom_type == "Polygon" else [g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"]
    meshes = [trimesh.creation.extrude_polygon(p, y1 - y0) for p in polys if p.area > 1e-9]
    if not meshes:
        return np.zeros((0, 3)), np.zeros((0, 3), np.int64)
    mesh = trimesh.util.concatenate(meshes)
    v = np.asarray(mesh.vertices, float)[:, [0, 2, 1]]  # (x, z, y) -> (x, y, z) mirrors, so flip winding
    v[:, 1] += y0
    return v, np.asarray(mesh.faces, np.int64)[:, ::-1]


def _merge(pieces: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    pieces = [(v, f) for v, f in pieces if len(f)]
    if not pieces:
        return np.zeros((0, 3)), np.zeros((0, 3), np.int64)
    offsets = np.cumsum([0] + [len(v) for v, _ in pieces[:-1]])
    return np.concatenate([v for v, _ in pieces]), np.concatenate([f + o for (_, f), o in zip(pieces, offsets, strict=True)])


def wall_parts(room: Room, style: StyleSettings, tall: frozenset[int] = frozenset()) -> list[MeshPart]:
    """Walls around the floor: low, except the walls in `tall`, which reach the ceiling.

    Doors and open doorways are gaps (with the wall above them on tall walls); windows are a
    lighter colour (between sill and head on tall walls).
    """
    from shapely.ops import unary_union

    poly = room.polygon()
    ring = poly.buffer(style.wall_thickness, join_style="mitre", mitre_limit=4.0).difference(poly)
    reach = style.wall_thickness * 3.0
    gap_rects = [(o, _opening_rect(room, o.wall, o.offset, o.width, reach)) for o in room.openings if o.kind in ("door", "opening")]
    window_rects = [(o, _opening_rect(room, o.wall, o.offset, o.width, reach)) for o in room.openings if o.kind == "window"]
    gaps = unary_union([r for _, r in gap_rects]) if gap_rects else None
    windows = unary_union([r for _, r in window_rects]) if window_rects else None
    solid = ring.difference(gaps) if gaps is not None else ring
    glass = solid.intersection(windows) if windows is not None else None
    if windows is not None:
        solid = solid.difference(windows)
    low_h, full_h = style.wall_height, max(room.height, style.wall_height)
    wall_pieces: list[tuple[np.ndarray, np.ndarray]] = []
    glass_pieces: list[tuple[np.ndarray, np.ndarray]] = []
    if tall:
        wedges = {i: _wall_wedge(room, i, reach * 2.0) for i in sorted(tall)}
        tall_region = unary_union(list(wedges.values()))
        wall_pieces.append(_extrude(solid.intersection(tall_region), 0.0, full_h))
        wall_pieces.append(_extrude(solid.difference(tall_region), 0.0, low_h))
        if glass is not None:
            glass_pieces.append(_extrude(glass.difference(tall_region), 0.0, low_h))
        for opening, rect in gap_rects + window_rects:
            if opening.wall not in wedges:
                continue
            footprint = ring.intersection(rect).intersection(wedges[opening.wall])
            head = min(opening.sill + opening.height, full_h) if opening.kind == "window" else min(opening.height, full_h)
            wall_pieces.append(_extrude(footprint, head, full_h))
            if opening.kind == "window":
                wall_pieces.append(_extrude(footprint, 0.0, opening.sill))
                glass_pieces.append(_extrude(footprint, opening.sill, head))
    else:
        wall_pieces.append(_extrude(solid, 0.0, low_h))
        if glass is not None:
            glass_pieces.append(_extrude(glass, 0.0, low_h))
    parts: list[MeshPart] = []
    for name, kind, pieces, color in (("walls", "wall", wall_pieces, style.wall_color), ("windows", "window", glass_pieces, style.window_color)):
        v, f = _merge(pieces)
        if len(f):
            parts.append(MeshPart(name, kind, v, f, np.broadcast_to(np.array(color, np.uint8), (len(f), 3)).copy()))  # type: ignore[arg-type]
    return parts


def room_parts(room: Room, style: StyleSettings, tall: frozenset[int] = frozenset()) -> tuple[MeshPart, ...]:
    """Floor and walls; cached per room, since an episode renders the same room many times."""
    return _room_parts_cached(room.model_dump_json(), style, tall)


@lru_cache(maxsize=64)
def _room_parts_cached(room_json: str, style: StyleSettings, tall: frozenset[int]) -> tuple[MeshPart, ...]:
    from agentscene.scene import Room

    room = Room.model_validate_json(room_json)
    parts = [floor_part(room, style)]
    if style.walls:
        parts.extend(wall_parts(room, style, tall))
    for part in parts:  # shared between renders: nobody may modify them
        for arr in (part.vertices, part.faces, part.face_colors):
            arr.setflags(write=False)
    return tuple(parts)
