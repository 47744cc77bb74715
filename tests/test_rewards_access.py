"""The cached walkable-floor computation against a copy of the one it replaced.

`_reference_walkable` and `_reference_doors` are the code of rewards/access.py before the
walkable floor was split into cached clusters: one union of every obstacle, grown at once,
and the reachable centres grown as a whole. The new code must give the same numbers (to
rounding) on the fixture scenes, on random scenes, and along a sequence of edits that reuses
the per-room caches.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from shapely.geometry import Polygon
from shapely.ops import unary_union

from agentscene.formats import load_scene
from agentscene.rewards import Tolerances, evaluate, scene_geometry
from agentscene.rewards.access import (
    door_clearance,
    door_segments,
    obstacles,
    walkable_floor,
    walkable_ratio,
)
from agentscene.rewards.geometry import ObjectGeometry, SceneGeometry

from .conftest import fixture_paths
from .test_rewards_common import box, door, rect, scene

# GEOS' buffer of the reachable centres depends on where each ring starts (its input
# simplification walks the ring): the same polygon started elsewhere differs by up to ~5e-7
# of the ratio on these scenes, and the new code's rings may start elsewhere. Measured: the
# fixtures agree to 1e-15, the random scenes to 4.7e-7.
REL = 1e-6


def _reference_walkable(geo: SceneGeometry, tol: Tolerances) -> float:
    room = geo.room
    polys = [p for _, p in obstacles(geo, tol)]
    blocked = unary_union(polys) if polys else None
    free = room.floor.difference(blocked) if blocked is not None else room.floor
    free_area = free.area
    if free_area <= 1e-9:
        return 0.0
    r = tol.agent_radius
    centres = room.floor.buffer(-r)
    if blocked is not None:
        centres = centres.difference(blocked.buffer(r))
    parts = [p for p in getattr(centres, "geoms", [centres]) if p.geom_type == "Polygon" and not p.is_empty]
    if not parts:
        return 0.0
    doors = door_segments(room)
    if doors:
        reach = [p for p in parts if any(p.distance(seg) <= r + 1e-6 for _, seg in doors)]
    else:
        reach = [max(parts, key=lambda p: p.area)]
    if not reach:
        return 0.0
    covered = unary_union(reach).buffer(r)
    return float(min(1.0, covered.area / free_area))


def _reference_doors(geo: SceneGeometry, tol: Tolerances) -> list[tuple[int, float, bool, list[str]]]:
    room = geo.room
    depth = tol.door_clearance_depth
    out = []
    for k, seg in door_segments(room):
        w = room.walls[room.room.openings[k].wall]
        ix, iz = -w.normal[0], -w.normal[1]
        (ax, az), (bx, bz) = seg.coords
        zone = Polygon([(ax, az), (bx, bz), (bx + ix * depth, bz + iz * depth), (ax + ix * depth, az + iz * depth)])
        clearance, hits = depth, []
        for oid, poly in obstacles(geo, tol):
            if not poly.intersects(zone):
                continue
            part = poly.intersection(zone)
            if part.is_empty or part.area <= 1e-12:
                continue
            d = float(seg.distance(part))
            clearance = min(clearance, d)
            if d < tol.min_door_clearance:
                hits.append(oid)
        out.append((k, max(0.0, clearance), clearance < tol.min_door_clearance, hits))
    return out


def _check(geo: SceneGeometry, tol: Tolerances) -> None:
    want = _reference_walkable(geo, tol)
    assert walkable_ratio(geo, tol) == pytest.approx(want, rel=REL, abs=1e-12)
    got = [(d.opening, d.clearance, d.blocked, d.blocking) for d in door_clearance(geo, tol)]
    assert got == _reference_doors(geo, tol)


def _random_scene(rng: random.Random, n: int):
    w, d = rng.uniform(3.0, 8.0), rng.uniform(3.0, 7.0)
    objs = []
    for k in range(n):
        size = (rng.uniform(0.2, 2.0), rng.choice([0.01, 0.5, 0.9, 2.0]), rng.uniform(0.2, 1.5))
        y = 2.2 if k % 9 == 8 else 0.0  # a few wall shelves above head height
        yaw = rng.choice([0.0, 90.0, rng.uniform(0.0, 360.0)])
        objs.append(box(f"object_{k}", size, (rng.uniform(-0.2, w + 0.2), y, rng.uniform(-0.2, d + 0.2)), yaw))
    openings = [door(rng.randrange(4), rng.uniform(0.5, min(w, d) - 0.5)) for _ in range(rng.randrange(3))]
    return scene(objs, floor=rect(w, d), openings=openings)


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: p.stem)
def test_fixture_scenes_match_the_previous_computation(path):
    tol = Tolerances()
    _check(scene_geometry(load_scene(path), tolerances=tol), tol)


def test_random_scenes_match_the_previous_computation():
    rng = random.Random(7)
    tol = Tolerances()
    for _ in range(40):
        _check(scene_geometry(_random_scene(rng, rng.randrange(0, 30)), tolerances=tol), tol)
    wide = Tolerances(agent_radius=0.45, step_height=0.1)
    _check(scene_geometry(_random_scene(rng, 20), tolerances=wide), wide)


def test_edits_reuse_the_room_cache_and_keep_the_values():
    rng = random.Random(3)
    tol = Tolerances()
    s = _random_scene(rng, 25)
    geo = scene_geometry(s, tolerances=tol)
    floor = walkable_floor(geo.room, tol.agent_radius)
    for _ in range(25):
        obj = s.objects[rng.randrange(len(s.objects))]
        x, y, z = obj.position
        s = s.replace_object(obj.model_copy(update={"position": (x + rng.uniform(-0.5, 0.5), y, z + rng.uniform(-0.5, 0.5))}))
        geo = geo.update(s)
        _check(geo, tol)
    assert walkable_floor(geo.room, tol.agent_radius) is floor  # same room: one cache, bounded by the scene
    assert len(floor._clusters) <= len(s.objects)


def test_unchanged_obstacles_return_the_last_answer_and_a_changed_room_starts_afresh():
    tol = Tolerances()
    s = scene([box("desk_1", (1.2, 0.75, 0.6), (1.0, 0, 1.0)), box("cabinet_1", (0.5, 1.0, 0.5), (3.0, 0, 3.0))],
              openings=[door(0, 2.0)])
    geo = scene_geometry(s, tolerances=tol)
    first = evaluate(s, geo, tolerances=tol).walkable_ratio
    floor = walkable_floor(geo.room, tol.agent_radius)
    assert floor._last is not None and floor._last[1] == first
    assert evaluate(s, geo, tolerances=tol).walkable_ratio == first
    bigger = s.model_copy(update={"room": s.room.model_copy(update={"floor": tuple(rect(5.0, 4.0))})})
    geo2 = geo.update(bigger)
    assert walkable_floor(geo2.room, tol.agent_radius) is not floor
    assert walkable_ratio(geo2, tol) == pytest.approx(_reference_walkable(geo2, tol), rel=REL)
    assert walkable_ratio(geo2, tol) > first  # more free floor around the same two objects


def test_batched_posing_equals_posing_one_by_one():
    rng = random.Random(5)
    for s in [_random_scene(rng, 20) for _ in range(5)]:
        for g in scene_geometry(s).objects:
            ref = ObjectGeometry(g.obj, None, {})
            for name in ("rotation", "position", "size", "hull", "footprint", "aabb_min", "aabb_max"):
                assert np.array_equal(getattr(g, name), getattr(ref, name)), name
            assert g.polygon().equals_exact(Polygon(ref.footprint), 0.0)
