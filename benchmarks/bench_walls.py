"""Wall crossings of out-of-bounds points on floors with many vertices (target: O(points log walls)).

Prints JSON. The baseline is the dense points x walls computation that `_crossings` used before,
measured in the same run on the same points: time and peak memory (tracemalloc sees numpy).
Floors above Limits.floor_vertices (1000) are refused at load; the larger sizes here are built
with a raised limit to show the growth.
"""

from __future__ import annotations

import json
import math
import time
import tracemalloc

import numpy as np

from agentscene.limits import Limits
from agentscene.rewards.geometry import RoomGeometry
from agentscene.scene import Room


def dense(room: RoomGeometry, points: np.ndarray) -> dict[int, float]:
    seg, line = room.wall_distances(points)
    tied = seg <= seg.min(axis=1, keepdims=True) + 1e-9
    crossing = np.where(tied & (line > 0), line, np.where(tied, seg, 0.0)).max(axis=0)
    return {i: float(d) for i, d in enumerate(crossing.tolist()) if d > 0}


def measure(fn) -> tuple[float, float]:
    tracemalloc.start()
    t0 = time.perf_counter()
    fn()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return round(seconds, 4), round(peak / 2**20, 1)


def main() -> None:
    out: dict[str, object] = {}
    rng = np.random.default_rng(0)
    for n in (1000, 10_000):  # the dense baseline needs ~8 GiB at 50,000
        floor = tuple((5 + 4 * math.cos(2 * math.pi * i / n), 5 + 4 * math.sin(2 * math.pi * i / n)) for i in range(n))
        room = RoomGeometry(Room.model_validate({"floor": floor}, context={"limits": Limits(floor_vertices=n)}))
        # the outside part of an object crossing the curved wall: points just past the arc
        angles = rng.uniform(0, 0.5, 2000)
        points = np.stack([5 + 4.2 * np.cos(angles), 5 + 4.2 * np.sin(angles)], axis=1)
        room.wall_crossings(points[:1])  # build the tree once, as an evaluation does
        fast_s, fast_mb = measure(lambda r=room, p=points: r.wall_crossings(p))
        slow_s, slow_mb = measure(lambda r=room, p=points: dense(r, p))
        out[str(n)] = {"points": len(points), "tree_s": fast_s, "tree_peak_mib": fast_mb,
                       "dense_s": slow_s, "dense_peak_mib": slow_mb,
                       "speedup": round(slow_s / max(fast_s, 1e-9), 1), "memory_ratio": round(slow_mb / max(fast_mb, 0.1), 1)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
