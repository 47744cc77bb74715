"""Floor-plan bookkeeping for the planner: footprints, clearance zones, walls, doors, walkways.

Everything is 2D (shapely, x-z plane) plus a height interval per object, which is all the
planner needs to keep boxes apart, inside the room, out of doorways and reachable. The loop's
real evaluation (meshes, voxels) lives in agentscene.rewards; boxes that are apart here are
apart there too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry import LineString, Point, Polygon
from shapely.ops import unary_union

from agentscene.categories import SURFACES
from agentscene.geometry import floor_walls, footprint_corners, local_to_world
from agentscene.rewards.tolerances import Tolerances
from agentscene.scene import Room, Scene, SceneObject

_TOL = Tolerances()
#: Heights overlapping by no more than this do not collide (the evaluator's contact depth).
CONTACT_TOLERANCE = _TOL.contact_depth
#: Gap the planner leaves between neighbours and to walls (m).
GAP = 0.02
WALL_GAP = 0.01
#: Half the walkway width: the evaluator's walking agent must pass between obstacles.
HALF_WALKWAY = _TOL.agent_radius
#: Depth of the keep-clear area inside a door.
DOOR_DEPTH = 1.0

FLAT = frozenset({"rug", "yoga_mat"})
#: seats a person pushes aside in passing: they do not cut a walkway
MOVABLE = frozenset({"office_chair", "dining_chair", "chair", "bar_stool", "stool", "ottoman"})
MOUNTED_SUPPORT = frozenset({"wall", "ceiling"})

#: local clearance areas as (x0, x1, z0, z1) offsets beyond the footprint, front = +z
_FRONT = {
    "wardrobe": 0.7, "dresser": 0.6, "bookshelf": 0.6, "shelf": 0.6, "cabinet": 0.6, "filing_cabinet": 0.7,
    "fridge": 0.8, "stove": 0.8, "dishwasher": 0.7, "sink": 0.6, "counter": 0.7, "washing_machine": 0.7,
    "toilet": 0.6, "bathtub": 0.6, "shower": 0.6, "desk": 0.9, "vanity": 0.8, "sofa": 0.9, "sectional_sofa": 0.9,
    "armchair": 0.5, "tv_stand": 0.7, "piano": 0.8, "fireplace": 0.6, "arcade_machine": 0.8, "dumbbell_rack": 0.7,
    "shoe_rack": 0.5, "console_table": 0.5, "treadmill": 0.5, "kitchen_island": 0.9, "crib": 0.5,
}
#: clear ring (m) around pieces used from every side
AROUND_CLEARANCE = {"dining_table": 0.75, "pool_table": 1.0, "ping_pong_table": 1.2, "foosball_table": 0.7, "kitchen_island": 0.8,
           "squat_rack": 0.6, "weight_bench": 0.5, "exercise_bike": 0.4, "elliptical": 0.5, "rowing_machine": 0.5}

#: pairs whose clearance areas may hold each other (a coffee table in front of a sofa)
RELATED: frozenset[frozenset[str]] = frozenset(frozenset(p) for p in (
    ("sofa", "coffee_table"), ("sofa", "armchair"), ("sofa", "tv_stand"), ("sofa", "side_table"), ("sofa", "ottoman"),
    ("sectional_sofa", "coffee_table"), ("sectional_sofa", "tv_stand"), ("sectional_sofa", "armchair"),
    ("coffee_table", "armchair"), ("tv_stand", "coffee_table"), ("tv_stand", "armchair"), ("armchair", "ottoman"),
    ("armchair", "side_table"), ("armchair", "armchair"), ("desk", "office_chair"), ("desk", "chair"),
    ("dining_table", "dining_chair"), ("dining_table", "chair"), ("kitchen_island", "bar_stool"), ("counter", "bar_stool"),
    ("bed", "nightstand"), ("bed", "bench"), ("dining_chair", "dining_chair"), ("bar_stool", "bar_stool"),
    ("counter", "counter"), ("counter", "sink"), ("counter", "stove"), ("counter", "dishwasher"), ("counter", "fridge"),
    ("sink", "stove"), ("sink", "dishwasher"), ("stove", "dishwasher"), ("fridge", "sink"), ("fridge", "stove"),
    ("kitchen_island", "counter"), ("kitchen_island", "sink"), ("kitchen_island", "stove"),
    ("pool_table", "sofa"), ("sofa", "floor_lamp"),
))


def local_rect(position, yaw: float, x0: float, x1: float, z0: float, z1: float) -> Polygon:
    """A rectangle given in an object's local frame (front = +z), in world x-z."""
    return Polygon([local_to_world(position, yaw, lx, lz) for lx, lz in ((x0, z0), (x1, z0), (x1, z1), (x0, z1))])


def clearance_zone(category: str, position, yaw: float, size) -> Polygon | None:
    """The area that must stay free for an object to be used (in front of a wardrobe, around a table)."""
    w, _, d = size
    if category in ("bed", "crib"):
        side = 0.55
        head = min(0.55, d * 0.3)
        left = local_rect(position, yaw, -w / 2 - side, -w / 2, -d / 2 + head, d / 2)
        right = local_rect(position, yaw, w / 2, w / 2 + side, -d / 2 + head, d / 2)
        foot = local_rect(position, yaw, -w / 2 - side, w / 2 + side, d / 2, d / 2 + 0.6)
        return unary_union([left, right, foot])
    if category in AROUND_CLEARANCE:
        m = AROUND_CLEARANCE[category] * (0.6 if category == "dining_table" and w * d < 0.8 else 1.0)  # a bistro table needs less
        ring = local_rect(position, yaw, -w / 2 - m, w / 2 + m, -d / 2 - m, d / 2 + m)
        return ring.difference(local_rect(position, yaw, -w / 2, w / 2, -d / 2, d / 2))
    if category in _FRONT:
        return local_rect(position, yaw, -w / 2, w / 2, d / 2, d / 2 + _FRONT[category])
    return None


@dataclass
class Placed:
    """One object as the planner sees it."""

    key: str
    category: str
    position: tuple[float, float, float]
    yaw: float
    size: tuple[float, float, float]
    support: str = "floor"
    group: str | None = None
    zone: Polygon | None = None
    poly: Polygon = field(init=False)

    def __post_init__(self) -> None:
        self.poly = Polygon(footprint_corners(self.position, self.size, self.yaw))

    @property
    def y0(self) -> float:
        return self.position[1]

    @property
    def y1(self) -> float:
        return self.position[1] + self.size[1]

    @property
    def flat(self) -> bool:
        return self.category in FLAT

    @property
    def mounted(self) -> bool:
        return self.support in MOUNTED_SUPPORT

    @property
    def on_floor(self) -> bool:
        return self.support == "floor" and not self.flat

    @classmethod
    def of(cls, obj: SceneObject, with_zone: bool = True) -> Placed:
        zone = clearance_zone(obj.category, obj.position, obj.yaw, obj.size) if with_zone and obj.support == "floor" else None
        return cls(obj.id, obj.category, tuple(obj.position), obj.yaw, tuple(obj.size), obj.support, obj.id, zone)


def _related(a: Placed, b: Placed) -> bool:
    if a.group is not None and a.group == b.group:
        return True
    return frozenset((a.category, b.category)) in RELATED


class Space:
    """The room and what stands in it; answers "can this go here?"."""

    def __init__(self, room: Room, zones: bool = True):
        self.room = room
        self.poly = room.polygon()
        self.inner = self.poly.buffer(1e-4, join_style="mitre")
        self.walls = floor_walls(room.floor)
        self.zones = zones
        self.items: list[Placed] = []
        #: the part of the floor new pieces must stand in (a zone of an open plan); None: anywhere
        self.region: Polygon | None = None
        self.door_zones: list[Polygon] = []
        self.door_points: list[Point] = []
        self.openings: list[tuple[LineString, float, float]] = []  # segment, bottom, top
        for op in room.openings:
            wall = self.walls[op.wall]
            t0, t1 = op.offset - op.width / 2, op.offset + op.width / 2
            seg = LineString([wall.point(max(0.0, t0)), wall.point(min(wall.length, t1))])
            self.openings.append((seg, op.sill, op.sill + op.height))
            if op.kind in ("door", "opening"):
                a, b = wall.point(t0 - 0.1), wall.point(t1 + 0.1)
                c, d = wall.point(t1 + 0.1, DOOR_DEPTH), wall.point(t0 - 0.1, DOOR_DEPTH)
                self.door_zones.append(Polygon([a, b, c, d]).intersection(self.poly))
                self.door_points.append(Point(wall.point(op.offset, 0.45)))

    @classmethod
    def of_scene(cls, scene: Scene, zones: bool = True, exclude: set[str] | None = None) -> Space:
        space = cls(scene.room, zones)
        for obj in scene.objects:
            if exclude and obj.id in exclude:
                continue
            space.add(Placed.of(obj, with_zone=zones))
        return space

    def add(self, item: Placed) -> None:
        self.items.append(item)

    def get(self, key: str) -> Placed | None:
        for item in self.items:
            if item.key == key:
                return item
        return None

    def by_category(self, *categories: str) -> list[Placed]:
        return [i for i in self.items if i.category in categories]

    # -- the checks ------------------------------------------------------------------------

    def conflict(self, c: Placed) -> str | None:
        """Why `c` cannot go where it is, or None when it fits."""
        if not self.inner.contains(c.poly):
            return "outside the room"
        if c.y0 < -1e-6 or c.y1 > self.room.height + 1e-6:
            return "through the floor or ceiling"
        if self.region is not None and not self.region.buffer(0.05, join_style="mitre").contains(c.poly):
            return "outside its zone"
        if c.support == "wall" and c.poly.distance(self.poly.exterior) > 0.03:
            return "not on a wall"
        for seg, bottom, top in self.openings:
            if (c.mounted or c.y1 > bottom + 0.02) and c.poly.distance(seg) < 0.05 and min(c.y1, top) - max(c.y0, bottom) > 0.0:
                return "in front of a door or window"
        if not c.flat and not c.mounted and c.y0 < 0.3:
            for dz in self.door_zones:
                if c.poly.intersection(dz).area > 1e-4:
                    return "in the doorway"
        if self.zones and c.zone is not None and c.zone.difference(self.inner).area > 0.15 * c.zone.area:
            return "no room in front of it"
        grown = c.poly.buffer(GAP, join_style="mitre") if c.on_floor else c.poly
        for e in self.items:
            if c.support == e.key or e.support == c.key:
                continue
            if c.flat and e.flat:
                if c.poly.intersection(e.poly).area > 1e-3:
                    return f"overlaps {e.key}"  # rugs and mats lie side by side, not in piles
                continue
            if "yoga_mat" in (c.category, e.category) and c.support == e.support == "floor" and \
                    c.poly.intersection(e.poly).area > 1e-3:
                return f"overlaps {e.key}"  # nothing stands on an exercise mat
            if c.flat != e.flat:
                continue  # a rug lies under furniture
            if min(c.y1, e.y1) - max(c.y0, e.y0) > CONTACT_TOLERANCE and grown.intersection(e.poly).area > 1e-5:
                return f"overlaps {e.key}"
            if not self.zones or c.flat or _related(c, e):
                continue
            if e.zone is not None and c.on_floor and c.y0 < 0.3 and c.poly.intersection(e.zone).area > 1e-4:
                return f"blocks the space in front of {e.key}"
            if c.zone is not None and e.on_floor and e.y0 < 0.3 and c.zone.intersection(e.poly).area > 1e-4:
                return f"its own space is blocked by {e.key}"
        return None

    def walkable(self, extra: list[Placed] = ()) -> Polygon:
        """Where the centre of a 0.6 m wide person can stand."""
        obstacles = [i.poly.buffer(HALF_WALKWAY, join_style="mitre") for i in (*self.items, *extra)
                     if i.on_floor and i.y0 < 0.5 and i.category not in MOVABLE]
        area = self.poly.buffer(-HALF_WALKWAY, join_style="mitre")
        if obstacles:
            area = area.difference(unary_union(obstacles))
        return area

    def reachable(self, extra: list[Placed] = ()) -> bool:
        """Every object with a use area can be reached on foot from the door."""
        if not self.door_points:
            return True
        free = self.walkable(extra)
        parts = list(getattr(free, "geoms", [free]))
        start = None
        for door in self.door_points:
            near = [p for p in parts if p.distance(door) < 0.35]
            if near:
                start = near[0]
                break
        if start is None:
            return False
        for item in (*self.items, *extra):
            if item.zone is not None and item.on_floor and item.zone.distance(start) > 0.05:
                return False
        return True

    def fits(self, c: Placed, check_walk: bool = True) -> bool:
        if self.conflict(c) is not None:
            return False
        if check_walk and self.zones and c.on_floor and not self.reachable([c]):
            return False
        return True


# -- problems in a finished scene --------------------------------------------------------------


@dataclass
class Problems:
    collisions: list[tuple[str, str]] = field(default_factory=list)
    out_of_bounds: list[str] = field(default_factory=list)
    floating: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.collisions or self.out_of_bounds or self.floating)

    def ids(self) -> set[str]:
        return {i for pair in self.collisions for i in pair} | set(self.out_of_bounds) | set(self.floating)


def _stacked(scene: Scene, a: SceneObject, b: SceneObject) -> bool:
    """Whether one rests on the other, directly or through a chain of supports."""
    for top, bottom in ((a, b), (b, a)):
        seen = set()
        cur = top
        while cur is not None and cur.support not in SURFACES and cur.id not in seen:
            seen.add(cur.id)
            if cur.support == bottom.id:
                return True
            cur = scene.get(cur.support)
    return False


def find_problems(scene: Scene) -> Problems:
    """Box collisions (> 1 cm of height overlap), objects outside the room, and floating objects."""
    out = Problems()
    room = scene.room.polygon().buffer(0.001, join_style="mitre")
    polys = {o.id: Polygon(o.footprint()) for o in scene.objects}
    for obj in scene.objects:
        poly = polys[obj.id]
        if poly.difference(room).area > 1e-4 or obj.position[1] < -0.001 or obj.top > scene.room.height + 0.001:
            out.out_of_bounds.append(obj.id)
        if obj.support == "floor" and obj.position[1] > 0.02:
            out.floating.append(obj.id)
        elif obj.support not in SURFACES:
            host = scene.get(obj.support)
            if host is not None and abs(obj.position[1] - host.top) > 0.02:
                out.floating.append(obj.id)
    objs = list(scene.objects)
    for i, a in enumerate(objs):
        for b in objs[i + 1 :]:
            if min(a.top, b.top) - max(a.position[1], b.position[1]) <= CONTACT_TOLERANCE:
                continue
            if polys[a.id].intersection(polys[b.id]).area <= 1e-4 or _stacked(scene, a, b):
                continue
            out.collisions.append((a.id, b.id))
    return out
