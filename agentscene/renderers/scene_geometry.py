"""The triangles every backend draws: floor, walls with door gaps, and posed object meshes.

Built once per render and handed to a backend as plain numpy arrays, so the rasteriser and
the Blender worker draw exactly the same geometry in exactly the same colours. Object meshes
come from a MeshProvider posed by `agentscene.meshes.world_mesh` (the one place that
stretches meshes); a provider that returns None, or a mesh that cannot be drawn, gives the
object's oriented box, and the reason is kept in `SceneGeometry.warnings`.

What a view shows depends on the view (`ViewRules`), so images are not misread: walls are
low so the interior shows, but in a perspective view the walls that hold wall items
(paintings, mirrors, wall lamps) and face away from the camera rise to the ceiling, so those
items hang on something; walls facing the camera stay low (a cut-away). Ceiling items hang
from a thin cord in perspective views and are left out of the top view, where the overlays
draw their outline instead, so they never cover the furniture below.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agentscene.categories import category_info
from agentscene.meshes import MeshProvider, object_matrix, unit_box
from agentscene.renderers import palette
from agentscene.renderers.cameras import Camera

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


# -- what each view shows ------------------------------------------------------------------------


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


def build_scene_geometry(
    scene: Scene,
    mesh_provider: MeshProvider | None = None,
    style: StyleSettings | None = None,
    cameras: dict[str, Camera] | None = None,
) -> SceneGeometry:
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
        return SceneGeometry(tuple(parts), tuple(warnings))
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
    return SceneGeometry(tuple(parts), tuple(warnings))


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
