"""Pieces off the floor: hung on a wall at their height (over their anchor, either side of another
wall piece), on the ceiling (over a table), or standing on a host's top (a lamp on a nightstand).

`OffTheFloor` is the half of `Layout` that places them; it uses Layout's candidate search
(`_try`, `_placed`, `_near`, `wall_candidates`) and its `Space`.
"""

from __future__ import annotations

import math

from agentscene.agents.planner.program import ItemSpec
from agentscene.agents.planner.space import Placed
from agentscene.geometry import Wall, front_vector, right_vector

Candidate = tuple[tuple[float, float, float], float, float]  # position, yaw, score

#: what stands on what: a piece's hosts, most fitting first
ON_SURFACE = {
    "table_lamp": ("nightstand", "desk", "side_table", "dresser", "console_table", "cabinet"),
    "tv": ("tv_stand", "dresser", "cabinet"), "monitor": ("desk",), "computer": ("desk",), "printer": ("desk", "cabinet"),
    "microwave": ("counter",), "vase": ("side_table", "console_table", "cabinet", "dresser", "coffee_table"),
    "game_console": ("tv_stand",),
}
#: the height (m) of a wall piece's bottom edge
MOUNT_HEIGHT = {"painting": 1.35, "mirror": 0.95, "clock": 1.85, "whiteboard": 1.0, "curtain": 0.15, "towel_rack": 0.9,
                "wall_lamp": 1.6, "air_conditioner": 2.2, "projector_screen": 0.8, "tv": 1.0}


def vectors(yaw: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """(front, right) unit vectors in x-z for a yaw: local +z and local +x."""
    return front_vector(yaw), right_vector(yaw)


class OffTheFloor:
    """Wall, ceiling and on-top placement for `Layout`."""

    def _flank_candidates(self, item: ItemSpec, beside: Placed) -> list[Candidate]:
        """A wall piece's two spots either side of another at its height (sconces by a mirror)."""
        front, right = vectors(beside.yaw)
        y = beside.position[1] + beside.size[1] / 2 - item.size[1] / 2
        back = (beside.size[2] - item.size[2]) / 2
        cands = []
        for side in (1, -1):
            off = side * (beside.size[0] / 2 + 0.1 + item.size[0] / 2)
            x, z = beside.position[0] + right[0] * off, beside.position[2] + right[1] * off
            cands.append(((x - front[0] * back, max(0.0, y), z - front[1] * back), beside.yaw, 0.0 if side == 1 else -0.1))
        return cands

    def place_mounted(self, item: ItemSpec, prefer: str | None = None, beside: Placed | None = None,
                      flanked_by: ItemSpec | None = None) -> Placed | None:
        """On a wall at its height: over its anchor (`prefer`: the one the brief names), beside a wall piece
        (`beside`: sconces either side of a mirror), else any free wall; `flanked_by`: only where that
        piece will fit on both sides of it."""
        cat = item.category
        if beside is not None:
            placed = self._try(item, self._flank_candidates(item, beside), support="wall")
            if placed is not None:
                return placed
        accept = None
        if flanked_by is not None:
            def accept(p: Placed) -> bool:
                self.space.add(p)
                ok = all(self.space.fits(self._placed(flanked_by, pos, yaw, "wall"))
                         for pos, yaw, _ in self._flank_candidates(flanked_by, p))
                self.space.items.pop()
                return ok
        height = MOUNT_HEIGHT.get(cat, 1.4)
        d = item.size[2]
        cands: list[Candidate] = []
        above = {"painting": ("bed", "sofa", "sectional_sofa", "dresser", "console_table", "cabinet"),
                 "mirror": ("sink", "vanity", "dresser"), "tv": ("tv_stand",), "whiteboard": ("desk",)}.get(cat, ())
        if prefer is not None:
            above = (prefer, *(a for a in above if a != prefer))
        for rank, anchor_cat in enumerate(above):
            for anchor in self._near(anchor_cat):
                front, _ = vectors(anchor.yaw)
                back = (anchor.position[0] - front[0] * anchor.size[2] / 2, anchor.position[2] - front[1] * anchor.size[2] / 2)
                y = max(height, anchor.y1 + 0.25) if cat != "mirror" else max(height, anchor.y1 + 0.1)
                if y + item.size[1] > self.space.room.height - 0.05:
                    continue
                pos = (back[0] + front[0] * (d / 2 + 0.005), y, back[1] + front[1] * (d / 2 + 0.005))
                cands.append((pos, anchor.yaw, 10.0 - rank))
        if cat == "curtain":
            for op in self.space.room.openings:
                if op.kind == "window":
                    wall = self.space.walls[op.wall]
                    x, z = wall.point(op.offset, d / 2 + 0.06)
                    cands.append(((x, max(0.05, op.sill - 0.3), z), wall.yaw, 20.0))
        # any free wall when the spot over its anchor is taken (or there is no anchor): nearest the named anchor first
        near = self._near(prefer) if prefer is not None else []

        def score(wall: Wall, t: float) -> float:
            if near:
                x, z = wall.point(t)
                return -min(math.hypot(x - a.position[0], z - a.position[2]) for a in near)
            return -abs(t - wall.length / 2) * 0.2

        cands += self.wall_candidates(item, score, gap=0.005, y=height, step=0.3)
        return self._try(item, cands, support="wall", accept=accept) or (
            self._try(item, cands, support="wall") if accept is not None else None)

    def place_ceiling(self, item: ItemSpec) -> Placed | None:
        y = self.space.room.height - item.size[1] - 0.005
        cands = []
        for table in self._near("dining_table", "kitchen_island", "pool_table"):
            cands.append(((table.position[0], y, table.position[2]), table.yaw, 5.0))
        c = (self.space.region or self.space.poly).centroid
        cands.append(((c.x, y, c.y), 0.0, 1.0))
        cands += self.grid_candidates(item, (c.x, c.y), [0.0], step=0.5, y=y)
        return self._try(item, cands, support="ceiling")

    def place_on(self, item: ItemSpec, prefer: str | None = None) -> Placed | None:
        """On a host's top: a free host first, then beside what already stands on it (two monitors on a desk).
        `prefer`: the host category the brief names ("a printer on a cabinet")."""
        hosts_order = ON_SURFACE.get(item.category, ())
        if prefer is not None:
            hosts_order = (prefer, *(h for h in hosts_order if h != prefer))
        for shared in (False, True):
            for host_cat in hosts_order:
                for host in self._near(host_cat):
                    if host.support != "floor" or (host.key in self._hosts_used) != shared:
                        continue
                    if item.size[0] > host.size[0] or item.size[2] > host.size[2] + 0.05:
                        continue
                    front, right = vectors(host.yaw)
                    room = host.size[0] / 2 - item.size[0] / 2 - 0.03
                    sides = [0.0, room, -room, room / 2, -room / 2]
                    if "slot" in item.extra:  # one of several screens side by side
                        k, n = item.extra["slot"]
                        sides = [(k - (n - 1) / 2) * (item.size[0] + 0.03), *sides]
                    if host.category in ("desk", "dresser", "cabinet", "console_table") and item.category == "table_lamp":
                        sides = [room, -room]
                    back = -host.size[2] / 2 + item.size[2] / 2 + 0.12 if item.category in ("tv", "monitor", "computer") else 0.0
                    for side in sides:
                        x = host.position[0] + right[0] * side + front[0] * back
                        z = host.position[2] + right[1] * side + front[1] * back
                        p = self._placed(item, (x, host.y1, z), host.yaw, support=host.key, group=host.group)
                        if self.space.conflict(p) is None:
                            self._hosts_used.add(host.key)
                            return self._commit(item, p)
        return None
