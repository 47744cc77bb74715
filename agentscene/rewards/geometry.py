"""World-space geometry of a scene: posed objects and the room prism.

`scene_geometry(scene, mesh_provider)` poses every object once; `SceneGeometry.update(scene)`
re-poses only the objects that changed and reuses the per-asset cache, so an edit never
reloads a mesh. Objects without a mesh are their oriented boxes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from agentscene.geometry import rotation_matrix_y
from agentscene.rewards.shapes import AssetShape, ShapeCache, asset_key
from agentscene.rewards.tolerances import Tolerances

if TYPE_CHECKING:
    from agentscene.meshes import MeshProvider
    from agentscene.scene import Room, Scene, SceneObject

#: The unit box's corners (x, z in [-0.5, 0.5], y in [0, 1]).
UNIT_BOX = np.array([[x, y, z] for x in (-0.5, 0.5) for y in (0.0, 1.0) for z in (-0.5, 0.5)])
UNIT_SQUARE = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]])


def object_array(items: list) -> np.ndarray:
    """A 1-d object array of `items`, such as shapely geometries (np.asarray probes each
    geometry and is 10x slower)."""
    arr = np.empty(len(items), dtype=object)
    for k, item in enumerate(items):
        arr[k] = item
    return arr


class ObjectGeometry:
    """One object posed in world space: rotation, AABB, convex hull, footprint, fcl object."""

    __slots__ = ("obj", "shape", "key", "rotation", "position", "size", "hull", "footprint",
                 "aabb_min", "aabb_max", "_polygon", "_fcl", "_fcl_cache")

    def __init__(self, obj: SceneObject, shape: AssetShape | None, fcl_cache: dict):
        self.obj = obj
        self.shape = shape
        self.key = asset_key(obj)
        self.rotation = rotation_matrix_y(obj.yaw)
        self.position = np.asarray(obj.position, dtype=float)
        self.size = np.asarray(obj.size, dtype=float)
        unit_hull = UNIT_BOX if shape is None else shape.hull
        unit_xz = UNIT_SQUARE if shape is None else shape.hull_xz
        self.hull = (unit_hull * self.size) @ self.rotation.T + self.position
        c, s = self.rotation[0, 0], self.rotation[0, 2]
        lx, lz = unit_xz[:, 0] * self.size[0], unit_xz[:, 1] * self.size[2]
        self.footprint = np.column_stack((c * lx + s * lz + self.position[0], -s * lx + c * lz + self.position[2]))
        self.aabb_min = self.hull.min(axis=0)
        self.aabb_max = self.hull.max(axis=0)
        self._polygon = None
        self._fcl = None
        self._fcl_cache = fcl_cache

    @classmethod
    def many(cls, objs: list[SceneObject], shapes: list[AssetShape | None], fcl_cache: dict) -> list[ObjectGeometry]:
        """Pose several objects at once: one batch of numpy operations per shape (boxes share
        one), the same arithmetic as `__init__`, element by element."""
        out: list[ObjectGeometry | None] = [None] * len(objs)
        groups: dict[int, list[int]] = {}
        for k, sh in enumerate(shapes):
            groups.setdefault(id(sh), []).append(k)
        for ks in groups.values():
            shape = shapes[ks[0]]
            unit_hull = UNIT_BOX if shape is None else shape.hull
            unit_xz = UNIT_SQUARE if shape is None else shape.hull_xz
            angles = [math.radians(objs[k].yaw) for k in ks]  # libm, as rotation_matrix_y
            c, s = np.array([math.cos(a) for a in angles]), np.array([math.sin(a) for a in angles])
            n = len(ks)
            rot = np.zeros((n, 3, 3))
            rot[:, 0, 0], rot[:, 0, 2], rot[:, 1, 1], rot[:, 2, 0], rot[:, 2, 2] = c, s, 1.0, -s, c
            pos = np.array([objs[k].position for k in ks], dtype=float)
            size = np.array([objs[k].size for k in ks], dtype=float)
            hull = np.matmul(unit_hull[None] * size[:, None, :], rot.transpose(0, 2, 1)) + pos[:, None, :]
            lx, lz = unit_xz[None, :, 0] * size[:, 0:1], unit_xz[None, :, 1] * size[:, 2:3]
            cc, ss = c[:, None], s[:, None]
            foot = np.stack((cc * lx + ss * lz + pos[:, 0:1], -ss * lx + cc * lz + pos[:, 2:3]), axis=2)
            lo, hi = hull.min(axis=1), hull.max(axis=1)
            # list(array) makes the per-object views in C, faster than indexing one by one
            for k, r, p, sz, h, f, a, b in zip(ks, list(rot), list(pos), list(size), list(hull), list(foot),
                                               list(lo), list(hi), strict=True):
                g = cls.__new__(cls)
                g.obj = obj = objs[k]
                g.shape, g.key = shape, asset_key(obj)
                g.rotation, g.position, g.size, g.hull, g.footprint, g.aabb_min, g.aabb_max = r, p, sz, h, f, a, b
                g._polygon = g._fcl = None
                g._fcl_cache = fcl_cache
                out[k] = g
        return out  # type: ignore[return-value]

    @property
    def id(self) -> str:
        return self.obj.id

    @property
    def is_box(self) -> bool:
        return self.shape is None

    @property
    def bottom(self) -> float:
        return float(self.position[1])

    @property
    def top(self) -> float:
        return float(self.position[1] + self.size[1])

    @property
    def volume(self) -> float:
        """Box volume times the share of the unit box the mesh fills."""
        box = float(np.prod(self.size))
        return box if self.shape is None else box * self.shape.fill_fraction

    def polygon(self):
        """The footprint (convex hull of the mesh seen from above) as a shapely Polygon."""
        if self._polygon is None:
            from shapely.geometry import Polygon

            self._polygon = Polygon(self.footprint)
        return self._polygon

    def to_unit(self, points: np.ndarray) -> np.ndarray:
        """World points in this object's unit frame."""
        return ((points - self.position) @ self.rotation) / self.size

    def contains(self, points: np.ndarray) -> np.ndarray:
        """Whether each world point is inside the object (its box, or its mesh's occupancy)."""
        u = self.to_unit(points)
        if self.shape is None:
            return (np.abs(u[:, 0]) <= 0.5) & (np.abs(u[:, 2]) <= 0.5) & (u[:, 1] >= 0.0) & (u[:, 1] <= 1.0)
        return self.shape.occupied(u)

    def fcl_object(self):
        """The python-fcl collision object (a box primitive, or the stretched mesh's BVH)."""
        if self._fcl is None:
            import fcl

            sx, sy, sz = (float(v) for v in self.size)
            if self.shape is None:
                geom = fcl.Box(sx, sy, sz)
                centre = self.position + np.array([0.0, sy / 2.0, 0.0])
            else:
                geom = self.shape.bvh((sx, sy, sz))
                centre = self.position
            self._fcl = fcl.CollisionObject(geom, fcl.Transform(self.rotation, centre))
        return self._fcl


@dataclass(frozen=True)
class CompassWall:
    index: int
    start: tuple[float, float]
    end: tuple[float, float]
    normal: tuple[float, float]  # outward unit normal (x, z)
    name: str  # compass side: north is -z (top of the top view), east is +x

    @property
    def length(self) -> float:
        return math.hypot(self.end[0] - self.start[0], self.end[1] - self.start[1])


_COMPASS = ("east", "south-east", "south", "south-west", "west", "north-west", "north", "north-east")


def compass(dx: float, dz: float) -> str:
    """The compass name of a horizontal direction: +x east, +z south, -z north (top view)."""
    angle = math.degrees(math.atan2(dz, dx)) % 360.0
    return _COMPASS[int((angle + 22.5) // 45) % 8]


def axis_label(dx: float, dz: float) -> str:
    """A short signed-axis label such as '+x' or '-z' (or '+x-z' for diagonals)."""
    parts = []
    for name, v, other in (("x", dx, dz), ("z", dz, dx)):
        if abs(v) >= 0.38 * math.hypot(v, other):  # within ~67.5 degrees of the axis
            parts.append(("+" if v > 0 else "-") + name)
    return "".join(parts)


class RoomGeometry:
    """The room prism: floor polygon (shapely), height, walls with outward normals and names."""

    def __init__(self, room: Room):
        import shapely
        from shapely.geometry import Polygon

        self.room = room
        self.height = float(room.height)
        self.floor = Polygon(room.floor)
        shapely.prepare(self.floor)  # later contains/intersects tests use the prepared index
        self.area = float(self.floor.area)
        self._buffered: dict[float, Any] = {}
        #: Per-room state of metrics that cache work between evaluations (e.g. the walkable
        #: floor's grown obstacles), keyed by the metric; an edited room is a new RoomGeometry.
        self.memo: dict[Any, Any] = {}
        walls = []
        n = len(room.floor)
        for i in range(n):
            (x0, z0), (x1, z1) = room.floor[i], room.floor[(i + 1) % n]
            dx, dz = x1 - x0, z1 - z0
            length = math.hypot(dx, dz)
            nx, nz = dz / length, -dx / length  # floor is counter-clockwise: outward is to the right
            walls.append(CompassWall(i, (x0, z0), (x1, z1), (nx, nz), compass(nx, nz)))
        self.walls = tuple(walls)
        self.segments = np.array([[w.start[0], w.start[1], w.end[0], w.end[1]] for w in walls])

    def buffered(self, buffer: float):
        """The floor polygon widened by `buffer` (cached, prepared for fast tests)."""
        if buffer not in self._buffered:
            import shapely

            poly = self.floor.buffer(buffer) if buffer > 0 else self.floor
            shapely.prepare(poly)
            self._buffered[buffer] = poly
        return self._buffered[buffer]

    def wall_crossings(self, points: np.ndarray) -> dict[int, float]:
        """How far (x, z) points outside the floor cross each wall: for each point, the walls
        nearest to it (ties within 1e-9 m) get its distance past their line (or to the segment
        when it is not past the line); each wall keeps its largest. O(points log walls): the
        nearest walls come from an STRtree, never from a points x walls matrix."""
        import shapely

        if len(points) == 0:
            return {}
        if len(self.walls) <= 64:  # the dense form is faster for ordinary rooms
            seg, line = self.wall_distances(points)
            tied = seg <= seg.min(axis=1, keepdims=True) + 1e-9
            crossing = np.where(tied & (line > 0), line, np.where(tied, seg, 0.0)).max(axis=0)
            return {i: float(d) for i, d in enumerate(crossing.tolist())}
        if getattr(self, "_wall_tree", None) is None:
            self._wall_lines = shapely.linestrings(self.segments.reshape(-1, 2, 2))
            self._wall_tree = shapely.STRtree(self._wall_lines)
        pts = shapely.points(points)
        (which, _), found = self._wall_tree.query_nearest(pts, return_distance=True, all_matches=False)
        nearest = np.empty(len(points))
        nearest[which] = found
        pi, wi = self._wall_tree.query(pts, predicate="dwithin", distance=nearest + 1e-9)
        a = self.segments[wi, :2]
        d = self.segments[wi, 2:] - a
        rel = points[pi] - a
        t = np.clip((rel * d).sum(axis=1) / (d * d).sum(axis=1), 0.0, 1.0)
        seg = np.linalg.norm(points[pi] - (a + t[:, None] * d), axis=1)
        tied = seg <= nearest[pi] + 1e-9
        normals = np.array([w.normal for w in self.walls])[wi]
        line = (rel * normals).sum(axis=1)
        value = np.where(tied & (line > 0), line, np.where(tied, seg, 0.0))
        out = np.zeros(len(self.walls))
        np.maximum.at(out, wi, value)
        return {i: float(out[i]) for i in np.flatnonzero(out).tolist()}

    def wall_distances(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For (x, z) points: distances to every wall segment and signed distances past every
        wall's line along its outward normal, both shaped (points, walls)."""
        a = self.segments[:, :2]
        d = self.segments[:, 2:] - a
        rel = points[:, None, :] - a[None, :, :]
        t = np.clip((rel * d[None]).sum(axis=2) / (d * d).sum(axis=1)[None], 0.0, 1.0)
        closest = a[None] + t[..., None] * d[None]
        seg = np.linalg.norm(points[:, None, :] - closest, axis=2)
        normals = np.array([w.normal for w in self.walls])
        line = (rel * normals[None]).sum(axis=2)
        return seg, line


class SceneGeometry:
    """Every object of a scene posed in world space, plus the room, sharing one asset cache."""

    def __init__(self, scene: Scene, objects: list[ObjectGeometry], shapes: ShapeCache,
                 room: RoomGeometry, changed: tuple[str, ...] = (), removed: tuple[str, ...] = ()):
        self.scene = scene
        self.objects = objects
        self.shapes = shapes
        self.room = room
        self.changed = changed  # ids re-posed by the last update (all ids on a fresh build)
        self.removed = removed
        self.by_id = {g.id: g for g in objects}
        n = len(objects)
        self.aabb_min = np.array([g.aabb_min for g in objects]) if n else np.zeros((0, 3))
        self.aabb_max = np.array([g.aabb_max for g in objects]) if n else np.zeros((0, 3))

    def __len__(self) -> int:
        return len(self.objects)

    @staticmethod
    def polygons(objects: list[ObjectGeometry]) -> list:
        """The footprint polygons of `objects`, the missing ones made in one shapely call."""
        todo = [g for g in objects if g._polygon is None]
        if todo:
            import shapely

            counts = [len(g.footprint) for g in todo]
            if min(counts) == max(counts):
                made = shapely.polygons(np.stack([g.footprint for g in todo]))
            else:
                coords = np.concatenate([g.footprint for g in todo])
                made = shapely.polygons(shapely.linearrings(coords, indices=np.repeat(np.arange(len(todo)), counts)))
            for g, p in zip(todo, made.tolist(), strict=True):
                g._polygon = p
        return [g._polygon for g in objects]

    @property
    def problems(self) -> dict[str, str]:
        """Object id -> why its mesh was not used (it is evaluated as its box)."""
        out = {}
        for g in self.objects:
            reason = self.shapes.problems.get(g.key)
            if reason:
                out[g.id] = reason
        return out

    def update(self, scene: Scene) -> SceneGeometry:
        """Geometry of an edited scene: unchanged objects are reused, changed ones re-posed."""
        if scene is self.scene:
            return self
        room = self.room if (scene.room is self.room.room or scene.room == self.room.room) else RoomGeometry(scene.room)
        old = self.by_id
        objects, changed = [], []
        for obj in scene.objects:
            prev = old.get(obj.id)
            if prev is not None and (prev.obj is obj or prev.obj == obj):
                objects.append(prev)
            else:
                objects.append(ObjectGeometry(obj, self.shapes.shape(obj), self.shapes.fcl_cache))
                changed.append(obj.id)
        ids = {o.id for o in scene.objects}
        removed = tuple(i for i in old if i not in ids)
        return SceneGeometry(scene, objects, self.shapes, room, tuple(changed), removed)


def scene_geometry(scene: Scene, mesh_provider: MeshProvider | None = None, *,
                   tolerances: Tolerances | None = None, cache: ShapeCache | None = None) -> SceneGeometry:
    """Pose every object of a scene. Pass `cache` to share loaded meshes between scenes."""
    tol = tolerances or Tolerances()
    shapes = cache or ShapeCache(mesh_provider, grid=tol.mesh_grid, samples=tol.surface_samples, seed=tol.seed)
    objects = ObjectGeometry.many(list(scene.objects), [shapes.shape(o) for o in scene.objects], shapes.fcl_cache)
    return SceneGeometry(scene, objects, shapes, RoomGeometry(scene.room), tuple(o.id for o in scene.objects))
