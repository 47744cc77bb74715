"""Interior-design placement rules: where each piece goes, given what already stands in the room.

Groups first, each anchor with its companions: a bed with its headboard to a wall and nightstands
either side; a sofa against a wall facing a tv stand, a coffee table between them, armchairs at
its sides and a rug under the group; a dining table in the open with chairs around it; a desk
against a wall (under the window if it can) with its chair. Then storage against walls (tall
pieces in corners), centre pieces, free-standing equipment, plants and lamps in corners, things
hung on walls, ceiling lamps, and small things on surfaces. Every candidate is checked by
`Space` (inside the room, no overlap, doorway and clearances free, still reachable on foot).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from agentscene.agents.planner.mounted import Candidate, OffTheFloor, vectors
from agentscene.agents.planner.program import ItemSpec, seats_per_end
from agentscene.agents.planner.space import WALL_GAP, Placed, Space, clearance_zone
from agentscene.categories import SURFACES
from agentscene.geometry import Wall, yaw_facing
from agentscene.scene import Scene

SATELLITES = {
    "nightstand": ("bed", "crib"), "bench": ("bed",), "coffee_table": ("sofa", "sectional_sofa"),
    "tv_stand": ("sofa", "sectional_sofa"), "armchair": ("coffee_table", "sofa", "sectional_sofa"),
    "side_table": ("sofa", "sectional_sofa", "armchair"), "ottoman": ("armchair", "sofa"),
    "office_chair": ("desk",), "chair": ("desk", "dining_table"), "dining_chair": ("dining_table", "kitchen_island"),
    "bar_stool": ("kitchen_island", "counter"),
}
CORNER = frozenset({"plant", "floor_lamp", "speaker", "coat_rack", "fan", "trash_can", "basket", "guitar", "punching_bag"})
CENTER = frozenset({"dining_table", "kitchen_island", "pool_table", "ping_pong_table", "foosball_table", "table"})
FREE = frozenset({"treadmill", "exercise_bike", "weight_bench", "squat_rack", "elliptical", "rowing_machine", "stool",
                  "yoga_mat"})
#: placement order of the phases: anchors and storage first, then what goes with or on them
PHASE_TWO = frozenset({"nightstand", "bench", "coffee_table", "armchair", "side_table", "ottoman", "office_chair", "chair",
                       "dining_chair", "bar_stool", "rug", "monitor", "yoga_mat", "table_lamp", "tv", "computer", "printer",
                       "microwave", "vase", "game_console", "plant", "floor_lamp", "speaker", "coat_rack", "fan",
                       "trash_can", "basket", "guitar", "painting", "mirror", "clock", "whiteboard", "curtain",
                       "towel_rack", "wall_lamp", "ceiling_lamp", "air_conditioner"})


@dataclass
class Placement:
    item: ItemSpec
    key: str
    position: tuple[float, float, float]
    yaw: float
    support: str  # floor | wall | ceiling | key of the object it stands on

    @property
    def phase(self) -> int:
        # a piece the brief puts by the window goes in with the first pieces, before storage takes the wall
        early = self.item.extra.get("early") and (self.item.category not in SATELLITES  # seats follow their table
                                                  or self.item.category == "bar_stool")  # placed with their counter
        return 2 if self.item.category in PHASE_TWO and not early else 1


def _yaw_facing(fx: float, fz: float) -> float:
    return round(yaw_facing(fx, fz), 4)


def _r(v: float) -> float:
    return round(v, 3)


class Layout(OffTheFloor):
    """Places a list of items into a scene's room, around the objects already there."""

    def __init__(self, scene: Scene, rng: random.Random, max_tries: int = 160,
                 regions: dict[str, tuple[float, float, float, float]] | None = None):
        self.scene = scene
        self.space = Space.of_scene(scene)
        #: floor strips (x0, z0, x1, z1) of an open plan's zones, by zone kind
        self.regions = regions or {}
        self.rng = rng
        self.max_tries = max_tries
        self.placements: list[Placement] = []
        self.skipped: list[tuple[ItemSpec, str]] = []
        self._hosts_used: set[str] = {o.support for o in scene.objects if o.support not in SURFACES}
        self._satellite_count: dict[str, int] = {}
        for obj in scene.objects:
            for host in self.space.items:
                if host.key != obj.id and obj.category in SATELLITES and host.category in SATELLITES[obj.category] \
                        and host.poly.distance(Placed.of(obj).poly) < 0.8:
                    self._satellite_count[host.key] = self._satellite_count.get(host.key, 0) + 1
                    break

    # -- zones ------------------------------------------------------------------------------

    def enter_zone(self, zone: str | None) -> None:
        """Confine new pieces to one zone's strip of the floor (None: the whole room)."""
        from shapely.geometry import box

        bounds = self.regions.get(zone) if zone is not None else None
        self.space.region = box(*(bounds[0], bounds[1], bounds[2], bounds[3])) if bounds else None

    def anchor_of(self, key: str) -> Placed | None:
        """The placed piece an item key names: new this turn ("new:dining_table#1"), or the
        k-th scene object of that category."""
        placed = self.space.get(f"new:{key}")
        if placed is not None:
            return placed
        cat, _, k = key.partition("#")
        old = [p for p in self.space.items if p.category == cat and not p.key.startswith("new:")]
        return old[int(k)] if k.isdigit() and int(k) < len(old) else None

    def _near(self, *categories: str) -> list[Placed]:
        """Placed pieces of these categories in the current zone."""
        return [p for p in self.space.by_category(*categories) if self.in_zone(p)]

    def in_zone(self, p: Placed) -> bool:
        region = self.space.region
        return region is None or region.contains(p.poly.centroid)

    # -- committing -------------------------------------------------------------------------

    def _placed(self, item: ItemSpec, pos, yaw: float, support: str = "floor", group: str | None = None,
                use_zone: bool = True) -> Placed:
        pos = (_r(pos[0]), _r(pos[1]), _r(pos[2]))
        zone = clearance_zone(item.category, pos, yaw, item.size) if support == "floor" and use_zone else None
        return Placed(f"new:{item.key}", item.category, pos, round(yaw, 4), item.size, support, group, zone)

    def _commit(self, item: ItemSpec, p: Placed) -> Placed:
        self.space.add(p)
        self.placements.append(Placement(item, p.key, p.position, p.yaw, p.support))
        return p

    def _try(self, item: ItemSpec, cands: Iterable[Candidate], support: str = "floor", group: str | None = None,
             accept: Callable[[Placed], bool] | None = None, use_zone: bool = True,
             limit: int | None = None) -> Placed | None:
        ordered = sorted(cands, key=lambda c: -c[2])
        for pos, yaw, _ in ordered[: limit or self.max_tries]:
            p = self._placed(item, pos, yaw, support, group, use_zone)
            if self.space.fits(p) and (accept is None or accept(p)):
                return self._commit(item, p)
        return None

    def _skip(self, item: ItemSpec, why: str) -> None:
        self.skipped.append((item, why))

    # -- candidate generators -----------------------------------------------------------------

    def _noise(self) -> float:
        return self.rng.uniform(0.0, 0.05)

    def wall_candidates(self, item: ItemSpec, score: Callable[[Wall, float], float], gap: float = WALL_GAP,
                        y: float = 0.0, step: float = 0.1) -> list[Candidate]:
        w, _, d = item.size
        out: list[Candidate] = []
        for wall in self.space.walls:
            if w + 0.04 > wall.length:
                continue
            lo, hi = w / 2 + 0.02, wall.length - w / 2 - 0.02
            n = max(1, int((hi - lo) / step))
            ts = {lo, hi, wall.length / 2} | {lo + k * (hi - lo) / n for k in range(n + 1)}
            for t in ts:
                x, z = wall.point(t, d / 2 + gap)
                out.append(((x, y, z), wall.yaw, score(wall, t) + self._noise()))
        return out

    def grid_candidates(self, item: ItemSpec, target: tuple[float, float], yaws: Iterable[float], step: float = 0.15,
                        y: float = 0.0) -> list[Candidate]:
        x0, z0, x1, z1 = self.space.room.bounds
        out: list[Candidate] = []
        nx, nz = max(1, int((x1 - x0) / step)), max(1, int((z1 - z0) / step))
        for i in range(nx + 1):
            for j in range(nz + 1):
                x, z = x0 + (x1 - x0) * i / nx, z0 + (z1 - z0) * j / nz
                dist = math.hypot(x - target[0], z - target[1])
                for yaw in yaws:
                    out.append(((x, y, z), yaw, -dist + self._noise() * 0.2))
        return out

    def _door_distance(self, x: float, z: float) -> float:
        return min((math.hypot(x - p.x, z - p.y) for p in self.space.door_points), default=3.0)

    def _window_near(self, wall: Wall, t: float) -> float:
        best = math.inf
        for op in self.space.room.openings:
            if op.kind == "window" and op.wall == wall.index:
                best = min(best, abs(op.offset - t))
        return best

    def _has_opening(self, wall: Wall, kind: str) -> bool:
        return any(op.wall == wall.index and op.kind == kind for op in self.space.room.openings)

    def _axis_yaws(self) -> list[float]:
        longest = max(self.space.walls, key=lambda w: w.length)
        base = _yaw_facing(longest.direction[0], longest.direction[1]) - 90.0
        return [round(base, 4), round(base + 90.0, 4)]

    def _open_centre(self) -> tuple[float, float]:
        free = self.space.walkable()
        if self.space.region is not None:
            free = free.intersection(self.space.region)
        if free.is_empty:
            c = self.space.poly.centroid
        else:
            biggest = max(getattr(free, "geoms", [free]), key=lambda g: g.area)
            c = biggest.centroid
        return c.x, c.y

    # -- groups -----------------------------------------------------------------------------------

    def place_bed(self, bed: ItemSpec, nightstands: list[ItemSpec]) -> Placed | None:
        w, _, d = bed.size
        ns = nightstands[:2]

        single = w < 1.2 and len(ns) <= 1  # a single bed with one nightstand goes in a corner, freeing a wall

        def score(wall: Wall, t: float) -> float:
            s = -(min(t - w / 2, wall.length - t - w / 2) if single else abs(t - wall.length / 2)) * 0.6
            s += 0.0 if self._has_opening(wall, "door") else 2.0
            s += 0.0 if self._has_opening(wall, "window") else 0.6
            x, z = wall.point(t, d / 2)
            return s + min(self._door_distance(x, z), 4.0) * 0.3

        best: tuple[int, Placed] | None = None
        tries = 0
        for pos, yaw, _ in sorted(self.wall_candidates(bed, score), key=lambda c: -c[2]):
            p = self._placed(bed, pos, yaw, group=f"new:{bed.key}")
            if not self.space.fits(p):
                continue
            tries += 1
            self.space.add(p)
            ok = sum(1 for k, n in enumerate(ns) if self.space.fits(self._nightstand_pose(n, p, side=(-1, 1)[k])))
            self.space.items.pop()
            if best is None or ok > best[0]:
                best = (ok, p)
            if ok == len(ns) or tries > 40:
                break
        if best is None:
            return None
        return self._commit(bed, best[1])

    def _nightstand_pose(self, item: ItemSpec, bed: Placed, side: int) -> Placed:
        front, right = vectors(bed.yaw)
        w, _, d = item.size
        back = (bed.position[0] - front[0] * bed.size[2] / 2, bed.position[2] - front[1] * bed.size[2] / 2)
        off = side * (bed.size[0] / 2 + 0.05 + w / 2)
        x = back[0] + right[0] * off + front[0] * (d / 2 + 0.005)
        z = back[1] + right[1] * off + front[1] * (d / 2 + 0.005)
        return self._placed(item, (x, 0.0, z), bed.yaw, group=bed.group)

    def place_nightstand(self, item: ItemSpec, bed: Placed) -> Placed | None:
        for side in (-1, 1):
            p = self._nightstand_pose(item, bed, side)
            if self.space.fits(p):
                return self._commit(item, p)
        return None

    def place_sofa(self, sofa: ItemSpec, wants_tv: bool) -> Placed | None:
        w, _, d = sofa.size

        def score(wall: Wall, t: float) -> float:
            s = -abs(t - wall.length / 2) * 0.5 + wall.length * 0.3
            s += 0.0 if self._has_opening(wall, "door") else 1.5
            return s

        fallback = None
        for pos, yaw, _ in sorted(self.wall_candidates(sofa, score), key=lambda c: -c[2])[: self.max_tries]:
            pos = self._pull_from_far_wall(pos, yaw, d)
            p = self._placed(sofa, pos, yaw, group=f"new:{sofa.key}")
            if not self.space.fits(p):
                continue
            if not wants_tv:
                return self._commit(sofa, p)
            fallback = fallback or p
            stand = self._facing_wall_point(p)
            if stand is not None and 1.8 <= stand[2] <= 5.5:
                return self._commit(sofa, p)
        return self._commit(sofa, fallback) if fallback else None

    def _pull_from_far_wall(self, pos, yaw: float, depth: float):
        """In a deep room a sofa floats: keep the screen within about 3.5 m."""
        hit = self._ray(pos, yaw)
        if hit is not None and hit[2] > 5.2:
            front, _ = vectors(yaw)
            shift = hit[2] - 4.2
            return (pos[0] + front[0] * shift, 0.0, pos[2] + front[1] * shift)
        return pos

    def _ray(self, pos, yaw: float) -> tuple[float, float, float] | None:
        from shapely.geometry import LineString

        front, _ = vectors(yaw)
        far = LineString([(pos[0], pos[2]), (pos[0] + front[0] * 50, pos[2] + front[1] * 50)])
        hit = far.intersection(self.space.poly.exterior)
        pts = [hit] if hit.geom_type == "Point" else list(getattr(hit, "geoms", []))
        pts = [p for p in pts if p.geom_type == "Point" and math.hypot(p.x - pos[0], p.y - pos[2]) > 0.05]
        if not pts:
            return None
        p = min(pts, key=lambda q: math.hypot(q.x - pos[0], q.y - pos[2]))
        return p.x, p.y, math.hypot(p.x - pos[0], p.y - pos[2])

    def _facing_wall_point(self, sofa: Placed) -> tuple[float, float, float] | None:
        return self._ray(sofa.position, sofa.yaw)

    def place_opposite(self, item: ItemSpec, sofa: Placed) -> Placed | None:
        """Against the wall a seat or bed looks at, facing back at it (the tv stand, the fireplace);
        any free wall when that one is taken."""
        hit = self._facing_wall_point(sofa)
        if hit is not None:
            front, _ = vectors(sofa.yaw)
            d = item.size[2]
            x, z = hit[0] - front[0] * (d / 2 + WALL_GAP), hit[1] - front[1] * (d / 2 + WALL_GAP)
            yaw = sofa.yaw + 180.0
            _, right = vectors(yaw)
            cands = [((x + right[0] * s, 0.0, z + right[1] * s), yaw, -abs(s)) for s in (0, -0.3, 0.3, -0.6, 0.6, -1.0, 1.0)]
            placed = self._try(item, cands, group=sofa.group)
            if placed:
                return placed
        return self.place_against_wall(item)

    def place_coffee_table(self, item: ItemSpec, sofa: Placed) -> Placed | None:
        front, _ = vectors(sofa.yaw)
        cands = []
        for gap in (0.45, 0.5, 0.4, 0.6, 0.35):
            off = sofa.size[2] / 2 + gap + item.size[2] / 2
            cands.append(((sofa.position[0] + front[0] * off, 0.0, sofa.position[2] + front[1] * off), sofa.yaw, -abs(gap - 0.45)))
        return self._try(item, cands, group=sofa.group)

    def place_armchair(self, item: ItemSpec, centre: Placed, sofa: Placed | None) -> Placed | None:
        ref_yaw = sofa.yaw if sofa is not None else centre.yaw
        front, right = vectors(ref_yaw)
        cands = []
        for side in (1, -1):
            for extra in (0.35, 0.5, 0.25, 0.7):
                off = side * (centre.size[0] / 2 + extra + item.size[2] / 2)
                x, z = centre.position[0] + right[0] * off, centre.position[2] + right[1] * off
                yaw = _yaw_facing(-right[0] * side, -right[1] * side)
                cands.append(((x, 0.0, z), yaw, -extra - (0.0 if side == 1 else 0.05)))
            # angled, across from the sofa
            off_f = centre.size[2] / 2 + 0.4 + item.size[2] / 2
            off_r = side * (centre.size[0] / 2 + 0.1)
            x = centre.position[0] + front[0] * off_f + right[0] * off_r
            z = centre.position[2] + front[1] * off_f + right[1] * off_r
            cands.append(((x, 0.0, z), _yaw_facing(centre.position[0] - x, centre.position[2] - z), -1.0))
        return self._try(item, cands, group=sofa.group if sofa else centre.group)

    def place_beside(self, item: ItemSpec, anchor: Placed, against_wall: bool = True) -> Placed | None:
        """Beside an anchor's end (side table at a sofa's arm, floor lamp at the other); flush with its
        back when it stands against a wall, else level with its middle, a little further out if need be."""
        front, right = vectors(anchor.yaw)
        cands = []
        backs = [-anchor.size[2] / 2 + item.size[2] / 2 + 0.01] if against_wall else [0.0, -anchor.size[2] / 4]
        for k, extra in enumerate((0.06, 0.2, 0.4)):
            for back in backs:
                for side in (1, -1):
                    off = side * (anchor.size[0] / 2 + extra + item.size[0] / 2)
                    x = anchor.position[0] + right[0] * off + front[0] * back
                    z = anchor.position[2] + right[1] * off + front[1] * back
                    cands.append(((x, 0.0, z), anchor.yaw, (0.1 if side == 1 else 0.0) - k))
        return self._try(item, cands, group=anchor.group)

    def place_at_foot(self, item: ItemSpec, bed: Placed) -> Placed | None:
        front, _ = vectors(bed.yaw)
        off = bed.size[2] / 2 + 0.08 + item.size[2] / 2
        pos = (bed.position[0] + front[0] * off, 0.0, bed.position[2] + front[1] * off)
        return self._try(item, [(pos, bed.yaw + 180.0, 0.0)], group=bed.group) or self.place_against_wall(item)

    def place_centre(self, item: ItemSpec, to_end: bool = False) -> Placed | None:
        """In the open, near the centre; a long piece lies along the room's (or zone's) long side first.
        `to_end`: toward the end of the long side away from the door, leaving room for a seating group."""
        target = self._open_centre()
        if to_end:
            x0, z0, x1, z1 = (self.space.region or self.space.poly).bounds
            door = self.space.door_points[0] if self.space.door_points else None
            if x1 - x0 >= z1 - z0:
                ends = [((x0 + x1) / 2 - (x1 - x0) / 4, target[1]), ((x0 + x1) / 2 + (x1 - x0) / 4, target[1])]
            else:
                ends = [(target[0], (z0 + z1) / 2 - (z1 - z0) / 4), (target[0], (z0 + z1) / 2 + (z1 - z0) / 4)]
            target = max(ends, key=lambda p: math.hypot(p[0] - door.x, p[1] - door.y) if door else 0.0)
        yaws = self._axis_yaws()
        region = self.space.region
        if region is not None:
            x0, z0, x1, z1 = region.bounds
            if (z1 - z0) > (x1 - x0):
                yaws = yaws[::-1]
        cands = self.grid_candidates(item, target, yaws[:1])
        penalty = 0.6 if item.size[0] > item.size[2] * 1.3 else 0.0
        cands += [(pos, yaw, score - penalty) for pos, yaw, score in self.grid_candidates(item, target, yaws[1:])]
        return self._try(item, cands, group=f"new:{item.key}", limit=1500)  # any open spot, nearest the centre first

    def place_chair_at(self, item: ItemSpec, table: Placed) -> Placed | None:
        """Chairs around a table: long sides first, then the ends; each faces the table."""
        front, right = vectors(table.yaw)
        w, d = table.size[0], table.size[2]
        seats: list[tuple[float, float, float]] = []  # (x, z, yaw)
        per_side = 1 if item.category == "bench" else max(1, int((w + 0.05) / 0.62))  # a bench runs along a side
        for k in range(per_side):
            along = (k + 0.5) * w / per_side - w / 2
            for side in (1, -1):
                off = side * (d / 2 + 0.06 + item.size[2] / 2)
                x = table.position[0] + right[0] * along + front[0] * off
                z = table.position[2] + right[1] * along + front[1] * off
                seats.append((x, z, _yaw_facing(-front[0] * side, -front[1] * side)))
        n_sides = len(seats)
        per_end = seats_per_end(d, item.size[0])
        for k in range(per_end):
            across = (k + 0.5) * d / per_end - d / 2
            for side in (1, -1):
                off = side * (w / 2 + 0.06 + item.size[2] / 2)
                x = table.position[0] + right[0] * off + front[0] * across
                z = table.position[2] + right[1] * off + front[1] * across
                seats.append((x, z, _yaw_facing(-right[0] * side, -right[1] * side)))
        if item.placement == "sides":
            seats = seats[:n_sides]
        elif item.placement == "ends":
            seats = seats[n_sides:]
        if table.category in ("kitchen_island", "counter"):
            seats = [s for s in seats if abs(((s[2] - table.yaw + 180) % 360) - 180) > 135]  # front side only
        cands = [((x, 0.0, z), yaw, -i * 0.01) for i, (x, z, yaw) in enumerate(seats)]
        # a seat's use area is the table it faces: no clearance zone of its own
        return self._try(item, cands, group=table.group, use_zone=False)

    def place_desk_chair(self, item: ItemSpec, desk: Placed) -> Placed | None:
        front, _ = vectors(desk.yaw)
        cands = []
        for gap in (0.05, 0.15, 0.3):
            off = desk.size[2] / 2 + gap + item.size[2] / 2
            cands.append(((desk.position[0] + front[0] * off, 0.0, desk.position[2] + front[1] * off), desk.yaw + 180.0, -gap))
        return self._try(item, cands, group=desk.group)

    # -- singles ----------------------------------------------------------------------------------

    def _chair_fits(self, chair: ItemSpec, desk: Placed) -> bool:
        self.space.add(desk)
        try:
            front, _ = vectors(desk.yaw)
            off = desk.size[2] / 2 + 0.05 + chair.size[2] / 2
            pos = (desk.position[0] + front[0] * off, 0.0, desk.position[2] + front[1] * off)
            return self.space.fits(self._placed(chair, pos, desk.yaw + 180.0, group=desk.group))
        finally:
            self.space.items.pop()

    def place_against_wall(self, item: ItemSpec, gap: float = WALL_GAP,
                           accept: Callable[[Placed], bool] | None = None) -> Placed | None:
        cat = item.category
        tall = item.size[1] > 1.4
        w = item.size[0]

        def score(wall: Wall, t: float) -> float:
            corner = min(t - w / 2, wall.length - t - w / 2)
            s = -corner * (0.8 if tall or cat in ("bathtub", "shower", "fridge", "toilet") else 0.1)
            if cat == "desk" and item.extra.get("overhung"):
                s -= 2.0 if self._has_opening(wall, "window") else 0.0  # its wall is kept for what hangs above it
            elif cat == "desk" or (cat == "sink" and self.space.room.room_type != "bathroom"):
                s += max(0.0, 2.0 - self._window_near(wall, t))  # a bathroom sink keeps its wall for the mirror
            if cat in ("dresser", "tv_stand", "fireplace", "piano", "console_table"):
                s += -abs(t - wall.length / 2) * 0.4
            if cat in ("counter", "sink", "stove", "dishwasher", "fridge"):
                s += self._kitchen_affinity(wall, t, item)
            x, z = wall.point(t, item.size[2] / 2)
            s += min(self._door_distance(x, z), 3.0) * 0.25
            return s

        return self._try(item, self.wall_candidates(item, score, gap=gap), group=f"new:{item.key}", accept=accept)

    def _kitchen_affinity(self, wall: Wall, t: float, item: ItemSpec) -> float:
        kitchen = self._near("counter", "sink", "stove", "dishwasher", "fridge")
        if not kitchen:
            return 0.0
        x, z = wall.point(t, item.size[2] / 2)
        near = min(math.hypot(x - k.position[0], z - k.position[2]) - (k.size[0] + item.size[0]) / 2 for k in kitchen)
        return 2.0 - min(2.0, max(0.0, near))

    def place_free(self, item: ItemSpec) -> Placed | None:
        placed = self.place_against_wall(item, gap=0.25)
        if placed:
            return placed
        return self.place_centre(item)

    def place_corner(self, item: ItemSpec, window: bool = False) -> Placed | None:
        """In the free corner nearest a wall's end; `window`: a corner of a window's wall first."""
        w = item.size[0]

        def score(wall: Wall, t: float) -> float:
            corner = min(t - w / 2, wall.length - t - w / 2)
            return -corner * 1.5 - (0.0 if not window or self._has_opening(wall, "window") else 1.0)

        return self._try(item, self.wall_candidates(item, score, gap=0.05, step=0.25), group=f"new:{item.key}")

    def place_near_window(self, item: ItemSpec, gap: float = 0.1,
                          accept: Callable[[Placed], bool] | None = None) -> Placed | None:
        """Against a window's wall, as close to the window as it may stand ("an armchair by the window")."""
        windows = [op for op in self.space.room.openings if op.kind == "window"]
        if not windows:
            return None

        def score(wall: Wall, t: float) -> float:
            return max((-abs(t - op.offset) for op in windows if op.wall == wall.index), default=-50.0)

        return self._try(item, self.wall_candidates(item, score, gap=gap), group=f"new:{item.key}", accept=accept)

    def place_in_front(self, item: ItemSpec, host: Placed) -> Placed | None:
        """In front of a piece, facing it ("a step stool in front of the sink")."""
        front, right = vectors(host.yaw)
        cands = []
        for k, gap in enumerate((0.05, 0.15, 0.3)):
            for side in (0.0, 0.25, -0.25):
                off = host.size[2] / 2 + gap + item.size[2] / 2
                x = host.position[0] + front[0] * off + right[0] * side
                z = host.position[2] + front[1] * off + right[1] * side
                cands.append(((x, 0.0, z), host.yaw + 180.0, -k - abs(side)))
        return self._try(item, cands, group=host.group, use_zone=False)

    def place_facing(self, item: ItemSpec, host: Placed) -> Placed | None:
        """On the floor before a wall piece, facing it, side by side with the others ("treadmills facing
        a wall mirror")."""
        front, right = vectors(host.yaw)
        step = item.size[0] + 0.15
        cands = []
        for k, gap in enumerate((0.3, 0.5, 0.8)):
            for n in range(5):
                for side in ((0.0,) if n == 0 else (n * step, -n * step)):
                    off = host.size[2] / 2 + gap + item.size[2] / 2
                    x = host.position[0] + front[0] * off + right[0] * side
                    z = host.position[2] + front[1] * off + right[1] * side
                    cands.append(((x, 0.0, z), host.yaw + 180.0, -k - abs(side)))
        return self._try(item, cands, group=f"new:{item.key}")

    def place_mat(self, item: ItemSpec) -> Placed | None:
        """An exercise mat on open floor, side by side with the others."""
        mats = self._near("yoga_mat")
        target = (mats[-1].position[0], mats[-1].position[2]) if mats else self._open_centre()
        for yaw in self._axis_yaws()[:2]:  # in line with the others; turned when no such spot is left
            ordered = sorted(self.grid_candidates(item, target, [yaw], step=0.1), key=lambda c: -c[2])
            for pos, yaw, _ in ordered[:1200]:
                p = self._placed(item, pos, yaw)
                if self.space.conflict(p) is None:
                    return self._commit(item, p)
        return None

    def place_under(self, item: ItemSpec, host: Placed) -> Placed | None:
        """A rug under a piece ("a rug under the desk"): centred on it, drawn out into the room as far as
        it must be to stay off the walls, still overlapping it."""
        front, _ = vectors(host.yaw)
        reach = (host.size[2] + item.size[2]) / 2 - 0.1
        cands = []
        for k in range(12):
            shift = reach * k / 11
            cands.append(((host.position[0] + front[0] * shift, 0.0, host.position[2] + front[1] * shift), host.yaw, -shift))
        return self._try(item, cands, group=host.group)

    def place_rug(self, item: ItemSpec) -> Placed | None:
        w, h, d = item.size
        cands: list[tuple[Placed, float]] = []
        for sofa in self._near("sofa", "sectional_sofa"):
            tables = self._near("coffee_table")
            centre = min(tables, key=lambda t: t.poly.distance(sofa.poly)).position if tables else sofa.position
            cands.append((self._placed(item, (centre[0], 0.0, centre[2]), sofa.yaw), 5.0))
        for table in self._near("dining_table"):
            rw, rd = table.size[0] + 1.3, table.size[2] + 1.3
            sized = ItemSpec(item.category, (round(rw, 2), h, round(rd, 2)), item.description, item.explicit, item.decor, item.index)
            cands.append((self._placed(sized, table.position, table.yaw), 4.0))
        for bed in self._near("bed"):
            front, _ = vectors(bed.yaw)
            off = bed.size[2] / 2 - d / 2 + 0.45
            pos = (bed.position[0] + front[0] * off, 0.0, bed.position[2] + front[1] * off)
            sized = ItemSpec(item.category, (round(max(w, bed.size[0] + 0.8), 2), h, d), item.description, item.explicit, item.decor, item.index)
            cands.append((self._placed(sized, pos, bed.yaw + 90.0 if sized.size[0] < sized.size[2] else bed.yaw), 3.0))
        for desk in self._near("desk"):
            cands.append((self._placed(item, desk.position, desk.yaw), 1.0))
        c = self._open_centre()
        cands.append((self._placed(item, (c[0], 0.0, c[1]), self._axis_yaws()[0]), 0.5))
        for p, _ in sorted(cands, key=lambda pc: -pc[1]):
            for shrink in (1.0, 0.85, 0.7):
                size = (round(p.size[0] * shrink, 2), p.size[1], round(p.size[2] * shrink, 2))
                spec = ItemSpec(item.category, size, item.description, item.explicit, item.decor, item.index)
                q = self._placed(spec, p.position, p.yaw)
                if self.space.conflict(q) is None:
                    self.space.add(q)
                    self.placements.append(Placement(spec, q.key, q.position, q.yaw, "floor"))
                    return q
        return self.place_mat(item)  # any open floor beside the other rugs and mats
