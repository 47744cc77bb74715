"""Scene geometry for dataset synthesis: how to name objects, where things are, what is clean.

Everything here works on oriented footprints (shapely) and box heights, so thousands of
candidate edits can be checked per second. Conventions follow DESIGN.md and the evaluator's
feedback: compass north is -z (the top of the top view), east is +x; an object's front is
its local +z, turned by yaw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from shapely.geometry import Point, Polygon
from shapely.prepared import prep

from agentscene.geometry import front_vector as front  # noqa: F401 - datasets.qa/actions import it from here
from agentscene.geometry import normalize_yaw, yaw_facing
from agentscene.rewards.tolerances import Tolerances
from agentscene.scene import Opening, Scene, SceneObject

#: The evaluator's default tolerances: the datasets describe a scene as agentscene.rewards judges it.
_TOL = Tolerances()
#: Objects no taller than this are floor coverings: furniture may stand on them.
FLAT_HEIGHT = _TOL.flat_height
#: Overlaps thinner than this (metres) count as touching, not colliding (the evaluator's contact depth).
CONTACT_DEPTH = _TOL.contact_depth
#: How far in front of a door or doorway must stay free (m).
DOOR_CLEARANCE = _TOL.door_clearance_depth

COMPASS = {"north": (0.0, -1.0), "east": (1.0, 0.0), "south": (0.0, 1.0), "west": (-1.0, 0.0)}

#: Irregular plurals and nicer spoken names for category nouns.
_NOUNS = {"tv": "TV", "tv_stand": "TV stand", "fridge": "fridge", "washing_machine": "washing machine"}
_PLURALS = {"shelf": "shelves", "bench": "benches", "couch": "couches", "tv": "TVs", "sofa": "sofas", "dish": "dishes"}


def noun(category: str) -> str:
    """The spoken noun for a category: `dining_chair` -> "dining chair"."""
    return _NOUNS.get(category, category.replace("_", " "))


def with_article(phrase: str) -> str:
    """The phrase with its indefinite article: "an oak desk", "a sofa"."""
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def plural(category: str) -> str:
    word = noun(category)
    head = word.rsplit(" ", 1)[-1]
    if head in _PLURALS:
        return word[: len(word) - len(head)] + _PLURALS[head]
    if head.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if head.endswith("y") and head[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def yaw_towards(x: float, z: float, tx: float, tz: float) -> float:
    """The yaw that makes an object at (x, z) face (tx, tz)."""
    return normalize_yaw(round(yaw_facing(tx - x, tz - z), 1))


def compass_of(dx: float, dz: float, tolerance_deg: float = 20.0) -> str | None:
    """north/east/south/west when (dx, dz) points within the tolerance of one, else None."""
    for name, (cx, cz) in COMPASS.items():
        norm = math.hypot(dx, dz)
        if norm > 0 and (dx * cx + dz * cz) / norm >= math.cos(math.radians(tolerance_deg)):
            return name
    return None


@dataclass(frozen=True)
class Anchor:
    """A door, window or doorway as a point on its wall with the direction into the room."""

    kind: str
    index: int
    x: float
    z: float
    inward: tuple[float, float]
    opening: Opening
    along: tuple[float, float]


class SceneIndex:
    """Footprints and lookups for one scene, computed once."""

    def __init__(self, scene: Scene):
        self.scene = scene
        self.room = scene.room
        self.floor = Polygon(scene.room.floor)
        self.floor_inside = prep(self.floor.buffer(1e-3))
        self.feet = {o.id: o.footprint_polygon() for o in scene.objects}
        self.by_category: dict[str, list[SceneObject]] = {}
        for o in scene.objects:
            self.by_category.setdefault(o.category, []).append(o)

    # -- openings ---------------------------------------------------------------------------

    @cached_property
    def anchors(self) -> list[Anchor]:
        out = []
        for i, op in enumerate(self.room.openings):
            (x0, z0), (x1, z1) = self.room.wall(op.wall)
            length = math.hypot(x1 - x0, z1 - z0)
            ux, uz = (x1 - x0) / length, (z1 - z0) / length
            px, pz = x0 + ux * op.offset, z0 + uz * op.offset
            nx, nz = -uz, ux
            if not self.floor.contains(Point(px + nx * 0.05, pz + nz * 0.05)):
                nx, nz = -nx, -nz
            out.append(Anchor(op.kind, i, px, pz, (nx, nz), op, (ux, uz)))
        return out

    def anchors_of(self, kind: str) -> list[Anchor]:
        return [a for a in self.anchors if a.kind == kind]

    @cached_property
    def door_zones(self) -> list[Polygon]:
        """Rectangles in front of doors and doorways that furniture must leave free."""
        zones = []
        for a in self.anchors:
            if a.kind == "window":
                continue
            hw = a.opening.width / 2.0
            ux, uz = a.along
            nx, nz = a.inward
            pts = [(a.x - ux * hw, a.z - uz * hw), (a.x + ux * hw, a.z + uz * hw),
                   (a.x + ux * hw + nx * DOOR_CLEARANCE, a.z + uz * hw + nz * DOOR_CLEARANCE),
                   (a.x - ux * hw + nx * DOOR_CLEARANCE, a.z - uz * hw + nz * DOOR_CLEARANCE)]
            zones.append(Polygon(pts))
        return zones

    def wall_sides(self) -> dict[str, int]:
        """compass name -> wall index, for sides that exactly one wall faces (the wall on the north side...)."""
        found: dict[str, list[int]] = {}
        for i in range(len(self.room.floor)):
            (x0, z0), (x1, z1) = self.room.wall(i)
            mx, mz = (x0 + x1) / 2, (z0 + z1) / 2
            length = math.hypot(x1 - x0, z1 - z0)
            nx, nz = (z1 - z0) / length, -(x1 - x0) / length
            if self.floor.contains(Point(mx + nx * 0.05, mz + nz * 0.05)):
                nx, nz = -nx, -nz  # outward normal
            side = compass_of(nx, nz, 10.0)
            if side:
                found.setdefault(side, []).append(i)
        return {side: walls[0] for side, walls in found.items() if len(walls) == 1}

    # -- referring to objects ---------------------------------------------------------------

    def landmarks(self) -> list[tuple[str, float, float]]:
        """Uniquely named things to disambiguate by: (phrase, x, z)."""
        out = []
        for cat, objs in self.by_category.items():
            if len(objs) == 1 and objs[0].size[1] > FLAT_HEIGHT:
                out.append((f"the {noun(cat)}", objs[0].position[0], objs[0].position[2]))
        for kind in ("door", "window"):
            anchors = self.anchors_of(kind)
            if len(anchors) == 1:
                out.append((f"the {kind}", anchors[0].x, anchors[0].z))
        return out

    @cached_property
    def names(self) -> dict[str, str]:
        """object id -> an unambiguous noun phrase ("the bed", "the chair nearest the window")."""
        out: dict[str, str] = {}
        marks = self.landmarks()
        for cat, objs in self.by_category.items():
            if len(objs) == 1:
                out[objs[0].id] = f"the {noun(cat)}"
                continue
            for phrase, lx, lz in marks:  # each landmark names the one object clearly nearest to it
                if phrase == f"the {noun(cat)}":
                    continue
                dists = sorted((math.hypot(o.position[0] - lx, o.position[2] - lz), o.id) for o in objs)
                if dists[1][0] - dists[0][0] >= 0.3 and dists[0][1] not in out:
                    out[dists[0][1]] = f"the {noun(cat)} nearest {phrase}"
        return out

    def name(self, obj: SceneObject) -> str | None:
        return self.names.get(obj.id)

    # -- geometry ---------------------------------------------------------------------------

    def gap(self, a: SceneObject, b: SceneObject) -> float:
        """Shortest horizontal distance between two footprints (0 when they touch or overlap)."""
        return float(self.feet[a.id].distance(self.feet[b.id]))

    def dependents(self, obj: SceneObject) -> list[SceneObject]:
        return [o for o in self.scene.objects if o.support == obj.id]


def footprint(obj: SceneObject) -> Polygon:
    return obj.footprint_polygon()


def footprint_depth(pa: list[tuple[float, float]], pb: list[tuple[float, float]]) -> float:
    """Minimum translation that separates two convex footprints (separating axis theorem); 0 if apart."""
    best = math.inf
    for poly in (pa, pb):
        for i in range(len(poly)):
            (x0, z0), (x1, z1) = poly[i], poly[(i + 1) % len(poly)]
            nx, nz = z1 - z0, x0 - x1
            norm = math.hypot(nx, nz)
            if norm < 1e-12:
                continue
            nx, nz = nx / norm, nz / norm
            a = [x * nx + z * nz for x, z in pa]
            b = [x * nx + z * nz for x, z in pb]
            overlap = min(max(a), max(b)) - max(min(a), min(b))
            if overlap <= 0:
                return 0.0
            best = min(best, overlap)
    return 0.0 if best is math.inf else best


def penetration(a: SceneObject, b: SceneObject) -> float:
    """Penetration depth of two yaw-only boxes: the smaller of the footprint SAT depth and the
    vertical overlap (the exact minimum translation for these prisms). 0 when they only touch."""
    vertical = min(a.top, b.top) - max(a.position[1], b.position[1])
    if vertical <= 0:
        return 0.0
    return min(footprint_depth(a.footprint(), b.footprint()), vertical)


@dataclass(frozen=True)
class Problem:
    object_id: str
    code: str
    detail: str


def edit_problems(scene: Scene, edited: list[str], base: SceneIndex) -> list[Problem]:
    """What is physically wrong with the edited objects in `scene` (empty list: clean).

    `base` indexes the scene before the edit (same room; footprints of untouched objects are
    reused). Each edited object must lie inside the floor polygon and below the ceiling, must
    not penetrate another object (floor coverings, and the object it rests on, excepted), and
    must leave the space in front of doors free. Problems among untouched objects are not the
    edit's fault and are ignored.
    """
    zones = base.door_zones
    changed = set(edited)
    feet = {o.id: footprint(o) if o.id in changed or o.id not in base.feet else base.feet[o.id] for o in scene.objects}
    problems: list[Problem] = []
    for oid in edited:
        obj = scene.get(oid)
        if obj is None:
            continue
        fa = feet[oid]
        if not base.floor_inside.contains(fa):
            problems.append(Problem(oid, "outside", "footprint leaves the floor"))
        if obj.top > base.room.height + 1e-6 or obj.position[1] < -1e-6:
            problems.append(Problem(oid, "outside", "above the ceiling or below the floor"))
        on_floor = obj.position[1] <= FLAT_HEIGHT + 1e-6
        for other in scene.objects:
            if other.id == oid or other.id == obj.support or other.support == oid:
                continue
            other_on_floor = other.position[1] <= FLAT_HEIGHT + 1e-6
            if (other.size[1] <= FLAT_HEIGHT and on_floor) or (obj.size[1] <= FLAT_HEIGHT and other_on_floor):
                continue  # rugs and mats: furniture stands on them
            if not fa.intersects(feet[other.id]):
                continue
            depth = penetration(obj, other)
            if depth > CONTACT_DEPTH:
                problems.append(Problem(oid, "collision", f"penetrates {other.id} by {depth:.2f} m"))
        if obj.position[1] < _TOL.head_clearance and obj.size[1] > FLAT_HEIGHT:
            if any(zone.intersection(fa).area > 1e-4 for zone in zones):
                problems.append(Problem(oid, "door", "blocks a door"))
    return problems
