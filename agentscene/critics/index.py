"""What the judge looks up about a scene: each object's frame and category facts, the walls, free floor.

Built once per judgement; every rule reads it. Plain floats and small numpy arrays keep a
30-object scene well under a millisecond to index.
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np

from agentscene.categories import CategoryInfo, category_info
from agentscene.geometry import (
    Wall,
    floor_walls,
    front_vector,
    local_to_world,
    points_in_polygon,
    right_vector,
    world_to_local,
)
from agentscene.rewards.tolerances import Tolerances
from agentscene.scene import Scene, SceneObject


class Item:
    """One object with its frame and category facts, as plain floats (rules read these in tight loops)."""

    __slots__ = ("obj", "info", "id", "front", "right", "x", "z", "w", "d", "bottom", "top", "corners", "radius", "tags")

    def __init__(self, obj: SceneObject, info: CategoryInfo):
        self.obj = obj
        self.info = info
        self.id = obj.id
        self.front = front_vector(obj.yaw)
        self.right = right_vector(obj.yaw)
        self.x, self.bottom, self.z = obj.position
        self.w, _, self.d = obj.size
        self.top = self.bottom + obj.size[1]
        hw, hd = self.w / 2, self.d / 2
        #: the footprint's four corners in world (x, z)
        self.corners = tuple(self.world(sx * hw, sz * hd) for sx, sz in ((-1, -1), (1, -1), (1, 1), (-1, 1)))
        #: half the footprint's diagonal: no point of it is farther from the centre
        self.radius = math.hypot(self.w, self.d) / 2
        #: the selectors of the rule table that pick it (agentscene.critics.rules)
        self.tags = frozenset({obj.category, f"@{info.family}", *(["@against_wall"] if info.against_wall else []),
                               *(["@clearance"] if info.clearance > 0 else [])})

    def world(self, lx: float, lz: float) -> tuple[float, float]:
        return local_to_world(self.obj.position, self.obj.yaw, lx, lz)

    def world_many(self, lx: np.ndarray, lz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """world_to_local's inverse for arrays of local points."""
        return (self.x + self.right[0] * lx + self.front[0] * lz, self.z + self.right[1] * lx + self.front[1] * lz)

    def local(self, x: float, z: float) -> tuple[float, float]:
        return world_to_local(self.obj.position, self.obj.yaw, x, z)

    def box_distance(self, x: float, z: float) -> float:
        """Distance from a world (x, z) point to this object's footprint (0 inside)."""
        dx, dz = x - self.x, z - self.z
        lx = abs(self.right[0] * dx + self.right[1] * dz) - self.w / 2
        lz = abs(self.front[0] * dx + self.front[1] * dz) - self.d / 2
        return math.hypot(lx if lx > 0.0 else 0.0, lz if lz > 0.0 else 0.0)

    def contains(self, xs: np.ndarray, zs: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """Which world points lie inside the footprint grown by `margin`."""
        (c, s) = self.right
        dx, dz = xs - self.x, zs - self.z
        lx = c * dx + s * dz
        lz = self.front[0] * dx + self.front[1] * dz
        return (np.abs(lx) <= self.w / 2 + margin) & (np.abs(lz) <= self.d / 2 + margin)


def facing_angle(item: Item, x: float, z: float) -> float:
    """Degrees between the item's front and the direction from its centre to (x, z)."""
    dx, dz = x - item.x, z - item.z
    n = math.hypot(dx, dz)
    if n < 1e-9:
        return 0.0
    cos = (dx * item.front[0] + dz * item.front[1]) / n
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


class JudgedScene:
    """The scene as the judge's rules read it."""

    def __init__(self, scene: Scene, tolerances: Tolerances):
        self.scene = scene
        self.tol = tolerances
        self.items = [Item(o, category_info(o.category)) for o in scene.objects]
        self.by_id = {it.id: it for it in self.items}
        self.walls = [w for w in floor_walls(scene.room.floor) if w.length > 1e-9]
        #: per-judgement caches of derived data (the reach grid)
        self.memo: dict[str, object] = {}

    # -- selection ------------------------------------------------------------------------------

    @staticmethod
    def matches(item: Item, selectors: tuple[str, ...]) -> bool:
        return not item.tags.isdisjoint(selectors)

    def select(self, selectors: tuple[str, ...], exempt: tuple[str, ...] = ()) -> list[Item]:
        key = f"select:{selectors}:{exempt}"
        if key not in self.memo:
            self.memo[key] = [it for it in self.items if self.matches(it, selectors) and not (exempt and self.matches(it, exempt))]
        return self.memo[key]  # type: ignore[return-value]

    def on_floor(self, item: Item) -> bool:
        return item.obj.support == "floor" or (item.obj.support not in ("wall", "ceiling") and item.bottom <= self.tol.step_height)

    def is_obstacle(self, item: Item) -> bool:
        """Blocks walking: not a floor covering, not hung above head height, not on the ceiling."""
        if item.obj.support == "ceiling" or item.bottom >= self.tol.head_clearance:
            return False
        return not (item.top <= self.tol.step_height and item.bottom <= self.tol.step_height)

    @cached_property
    def obstacles(self) -> list[Item]:
        return [it for it in self.items if self.is_obstacle(it)]

    @cached_property
    def _obstacle_boxes(self) -> np.ndarray:
        """(n, 4) axis-aligned [xmin, zmin, xmax, zmax] of each obstacle's footprint."""
        if not self.obstacles:
            return np.zeros((0, 4))
        out = np.empty((len(self.obstacles), 4))
        for k, it in enumerate(self.obstacles):
            ex = abs(it.right[0]) * it.w / 2 + abs(it.front[0]) * it.d / 2
            ez = abs(it.right[1]) * it.w / 2 + abs(it.front[1]) * it.d / 2
            out[k] = (it.x - ex, it.z - ez, it.x + ex, it.z + ez)
        return out

    # -- walls ----------------------------------------------------------------------------------

    def nearest_wall(self, x: float, z: float) -> tuple[float, Wall | None]:
        best: tuple[float, Wall | None] = (math.inf, None)
        for w in self.walls:
            d = w.distance(x, z)
            if d < best[0]:
                best = (d, w)
        return best

    def back_gap(self, item: Item, max_angle: float) -> tuple[float, Wall | None]:
        """Gap between the item's back and the nearest wall it could stand against (its front facing
        into the room within `max_angle`); inf when no wall is that way round."""
        bx, bz = item.world(0.0, -item.d / 2)
        best: tuple[float, Wall | None] = (math.inf, None)
        cos_lim = math.cos(math.radians(max_angle))
        for w in self.walls:
            if item.front[0] * w.normal[0] + item.front[1] * w.normal[1] < cos_lim:
                continue
            d = w.distance(bx, bz)
            if d < best[0]:
                best = (d, w)
        return best

    def front_gap(self, item: Item, max_angle: float) -> float:
        """Gap between the item's front and a wall it faces (inf when it faces none)."""
        fx, fz = item.world(0.0, item.d / 2)
        cos_lim = math.cos(math.radians(max_angle))
        best = math.inf
        for w in self.walls:
            if -(item.front[0] * w.normal[0] + item.front[1] * w.normal[1]) < cos_lim:
                continue
            best = min(best, w.distance(fx, fz))
        return best

    def inside_floor(self, xs: np.ndarray, zs: np.ndarray) -> np.ndarray:
        """Which points lie on the floor polygon (arrays of any broadcastable shapes)."""
        return points_in_polygon(xs, zs, self.scene.room.floor)

    def blocked_by(self, xs: np.ndarray, zs: np.ndarray, skip: set[str]) -> tuple[np.ndarray, list[str]]:
        """Which points an obstacle (not in `skip`) covers, and those obstacles' ids."""
        hit = np.zeros(xs.shape, dtype=bool)
        who: list[str] = []
        boxes = self._obstacle_boxes
        if not len(boxes) or not xs.size:
            return hit, who
        near = ((boxes[:, 0] <= xs.max()) & (boxes[:, 2] >= xs.min()) & (boxes[:, 1] <= zs.max()) & (boxes[:, 3] >= zs.min()))
        for k in np.flatnonzero(near):
            it = self.obstacles[k]
            if it.id in skip:
                continue
            inside = it.contains(xs, zs)
            if inside.any():
                hit |= inside
                who.append(it.id)
        return hit, who

    def support_below(self, item: Item) -> tuple[float, str]:
        """The highest surface under the item's centre at or below its bottom: (height, what).

        An object the item is sunk into counts as its support at the item's own bottom."""
        best = (0.0, "the floor")
        for other in self.items:
            if other is item or other.obj.support == "ceiling" or other.bottom > item.bottom:
                continue
            if other.box_distance(item.x, item.z) > 1e-6:
                continue
            height = min(other.top, item.bottom)
            if height > best[0]:
                best = (height, other.id)
        return best
