"""Physics evaluation speed, both modes, printed as JSON (one run).

Scenes: `_scenes.thirty_objects()` (30 boxes of the open-office fixture, right-angle yaws)
and `bench_scene()` below (30 objects with procedural multi-part meshes, two of them at
15° and 175°, a few deliberate overlaps and two objects through the walls).

Baseline for compat="scenerevis": `agentscene.testing.scenerevis_reference`, SceneReVis'
procedure transcribed with trimesh (every object and the room through
`mesh.voxelized(0.05).fill()`, one CollisionManager, 500 seeded samples per object), timed on
the same scenes in the same run. Cold times are medians of a few fresh evaluations (new
geometry, no cache), warm ones of evaluations with one object moved. Default mode memoises a
mesh's analysis (occupancy, hulls, samples, fcl BVHs) on the mesh object itself, so its cold
evaluations reuse the provider's meshes' analyses; `cold_new_meshes_ms` times evaluations whose
provider hands out mesh objects never seen before (analysed inside the timing). Targets (issue 21): compat 30 objects <= 50 ms cold (room not
cached) and <= 20 ms warm; default 30 boxes <= 2 ms, with meshes <= 10 ms; RL step with the
compat reward (one object moved, incremental) <= 2 ms median.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

import trimesh

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _scenes import thirty_objects  # noqa: E402

from agentscene.rewards import IncrementalEvaluator, Tolerances, evaluate, scene_geometry  # noqa: E402
from agentscene.rewards.access import door_clearance, walkable_ratio  # noqa: E402
from agentscene.rewards.evaluate import all_bounds, all_pairs  # noqa: E402
from agentscene.scene import Room, Scene, SceneObject  # noqa: E402
from agentscene.testing.scenerevis_reference import reference_scenerevis  # noqa: E402

ROOM_W, ROOM_D, ROOM_H = 8.0, 6.0, 2.8


# -- procedural meshes (canonical frame: metres, y up, front +z, bottom centre at origin) --------

def _box(ext, centre):
    b = trimesh.creation.box(extents=ext)
    b.apply_translation(centre)
    return b


def _table():
    parts = [_box((1.0, 0.05, 1.0), (0, 0.725, 0))]
    for sx in (-0.45, 0.45):
        for sz in (-0.45, 0.45):
            parts.append(_box((0.05, 0.7, 0.05), (sx, 0.35, sz)))
    return trimesh.util.concatenate(parts)


def _chair():
    parts = [_box((0.45, 0.05, 0.45), (0, 0.45, 0)), _box((0.45, 0.45, 0.05), (0, 0.7, -0.2))]
    for sx in (-0.2, 0.2):
        for sz in (-0.2, 0.2):
            parts.append(_box((0.04, 0.43, 0.04), (sx, 0.215, sz)))
    return trimesh.util.concatenate(parts)


def _sofa():
    return trimesh.util.concatenate([
        _box((2.0, 0.45, 0.9), (0, 0.225, 0)), _box((2.0, 0.4, 0.2), (0, 0.65, -0.35)),
        _box((0.15, 0.2, 0.7), (-0.925, 0.55, 0.1)), _box((0.15, 0.2, 0.7), (0.925, 0.55, 0.1)),
    ])


def _lamp():
    base = trimesh.creation.cylinder(radius=0.15, height=0.03, sections=24)
    base.apply_translation((0, 0.015, 0))
    pole = trimesh.creation.cylinder(radius=0.02, height=1.3, sections=12)
    pole.apply_translation((0, 0.68, 0))
    shade = trimesh.creation.cone(radius=0.2, height=0.3, sections=24)
    shade.apply_translation((0, 1.3, 0))
    return trimesh.util.concatenate([base, pole, shade])


def _plant():
    pot = trimesh.creation.cylinder(radius=0.18, height=0.35, sections=24)
    pot.apply_translation((0, 0.175, 0))
    leaves = trimesh.creation.icosphere(subdivisions=2, radius=0.3)
    leaves.apply_translation((0, 0.65, 0))
    return trimesh.util.concatenate([pot, leaves])


MESHES = {"table": _table, "chair": _chair, "sofa": _sofa, "lamp": _lamp, "plant": _plant}


def procedural_provider():
    cache: dict[str, trimesh.Trimesh] = {}

    def provide(obj: SceneObject):
        kind = obj.category
        if kind not in MESHES:
            return None
        if kind not in cache:
            cache[kind] = MESHES[kind]()
        return cache[kind]

    return provide


def bench_scene() -> Scene:
    """30 objects: 5 tables with 2 chairs each, 2 sofas, 6 lamps, 6 plants and a side table;
    two chairs pushed into their tables, two sofas overlapping, one plant and one sofa through a wall."""
    objs: list[SceneObject] = []

    def add(cat, size, x, z, yaw=0.0):
        objs.append(SceneObject(id=f"{cat}_{len(objs) + 1}", description=f"a {cat}", category=cat,
                                size=size, position=(x, 0.0, z), yaw=yaw))

    for gx, gz in ((1.6, 1.5), (4.0, 1.5), (6.4, 1.5), (1.6, 4.3), (4.0, 4.3)):
        add("table", (1.0, 0.75, 0.8), gx, gz, 15.0 if gx > 5 else 0.0)
        add("chair", (0.45, 0.9, 0.45), gx - 0.75, gz, 90.0)
        add("chair", (0.45, 0.9, 0.45), gx + (0.45 if gz > 4 else 0.75), gz, -90.0)  # two dig into their table
    add("sofa", (2.0, 0.85, 0.9), 6.6, 4.6, 180.0)
    add("sofa", (2.0, 0.85, 0.9), 6.9, 5.2, 175.0)  # overlaps the first sofa and crosses the south/east walls
    for x, z in ((0.3, 0.3), (7.7, 0.3), (0.3, 5.7), (3.0, 5.6), (5.2, 3.0), (4.9, 5.6)):
        add("lamp", (0.4, 1.6, 0.4), x, z)
    for x, z in ((2.8, 0.3), (5.2, 0.3), (7.85, 3.0), (0.3, 3.0), (2.9, 3.0), (5.6, 3.1)):
        add("plant", (0.6, 1.0, 0.6), x, z)  # the plant at x = 7.85 pokes through the east wall
    add("table", (1.4, 0.75, 0.9), 2.8, 2.95)  # a side table under a plant's leaves
    room = Room(room_type="dining_room", floor=((0, 0), (ROOM_W, 0), (ROOM_W, ROOM_D), (0, ROOM_D)), height=ROOM_H)
    assert len(objs) == 30, len(objs)
    return Scene(room=room, objects=objs)


# -- measurements -------------------------------------------------------------------------

def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)


def _timed(fn, runs: int = 1, cpu: list | None = None):
    """(result, median seconds) of `runs` calls (each call builds everything afresh); the
    median CPU time of this process is appended to `cpu` (the machine is shared)."""
    times, cpus = [], []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    if cpu is not None:
        cpu.append(statistics.median(cpus))
    return out, statistics.median(times)


def _moved(scene: Scene, k: int, dx: float = 0.01) -> Scene:
    obj = scene.objects[k % len(scene.objects)]
    return scene.replace_object(obj.model_copy(update={"position": (obj.position[0] + dx, obj.position[1], obj.position[2])}))


def _warm(scene: Scene, mesh_provider, compat, runs: int = 7, cpu: list | None = None) -> float:
    """Median time of evaluate() on a scene with one object moved, reusing the previous geometry
    (the median CPU time is appended to `cpu`)."""
    tol = Tolerances()
    geo = scene_geometry(scene, mesh_provider, tolerances=tol)
    evaluate(scene, geo, tolerances=tol, compat=compat)
    times, cpus = [], []
    current = scene
    for k in range(runs):
        current = _moved(current, k)
        c0, t0 = time.process_time(), time.perf_counter()
        evaluate(current, geo, tolerances=tol, compat=compat)
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        geo = geo.update(current)
    if cpu is not None:
        cpu.append(statistics.median(cpus))
    return statistics.median(times)


def _same(fast, ref) -> dict:
    keys = ("pbl", "overlap_volume", "collision_rate", "n_colliding_pairs", "oob_rate", "oob_volume")
    return {"fields_equal": all(abs(getattr(fast, k) - getattr(ref, k)) <= 1e-9 for k in keys),
            "pbl": round(fast.pbl, 4), "pbl_baseline": round(ref.pbl, 4),
            "collision_rate": round(fast.collision_rate, 3), "oob_rate": round(fast.oob_rate, 3)}


def compat_section(scene: Scene, mesh_provider=None, *, baseline: bool = True) -> dict:
    tol = Tolerances()
    fast, cold = _timed(lambda: evaluate(scene, tolerances=tol, compat="scenerevis", mesh_provider=mesh_provider),
                        runs=5)
    out = {"cold_ms": _ms(cold), "warm_ms": _ms(_warm(scene, mesh_provider, "scenerevis"))}
    if baseline:
        ref, base = _timed(lambda: reference_scenerevis(scene, tolerances=tol, mesh_provider=mesh_provider))
        out.update({"baseline_s": round(base, 2), "speedup_cold": round(base / cold, 1),
                    "speedup_warm": round(base / (out["warm_ms"] / 1000.0), 1), **_same(fast, ref)})
    return out


def default_section(scene: Scene, mesh_provider=None) -> dict:
    """Full evaluate (cold: meshes analysed; warm: one object moved) and its parts."""
    tol = Tolerances()
    cpu: list[float] = []
    _, cold = _timed(lambda: evaluate(scene, tolerances=tol, mesh_provider=mesh_provider), runs=9, cpu=cpu)
    warm = _warm(scene, mesh_provider, None, runs=21, cpu=cpu)
    geo = scene_geometry(scene, mesh_provider, tolerances=tol)
    _, physics = _timed(lambda: (all_pairs(geo, tol), all_bounds(geo, tol)), runs=7)
    # walkable floor and doors of the scene with one object moved (the room's caches warm)
    moved = [_moved(scene, k, 0.05) for k in range(7)]
    walkable_ratio(geo, tol)
    steps = iter(geo.update(s) for s in moved)
    _, access = _timed(lambda: (lambda g: (walkable_ratio(g, tol), door_clearance(g, tol)))(next(steps)), runs=7, cpu=cpu)
    out = {"cold_ms": _ms(cold), "warm_ms": _ms(warm), "cold_cpu_ms": _ms(cpu[0]), "warm_cpu_ms": _ms(cpu[1]),
           "collision_and_bounds_ms": _ms(physics), "walkable_and_doors_ms": _ms(access),
           "walkable_and_doors_cpu_ms": _ms(cpu[2])}
    if mesh_provider is not None:  # new mesh objects each evaluation (made before the timing): every asset analysed
        made = [{k: fn() for k, fn in MESHES.items()} for _ in range(3)]
        providers = iter([lambda obj, m=m: m.get(obj.category) for m in made])
        _, new = _timed(lambda: evaluate(scene, tolerances=tol, mesh_provider=next(providers)), runs=3)
        out["cold_new_meshes_ms"] = _ms(new)
    return out


def rl_steps(scene: Scene, mesh_provider=None, compat=None, steps: int = 300) -> dict:
    tol = Tolerances()
    ev = IncrementalEvaluator(scene, tolerances=tol, mesh_provider=mesh_provider, compat=compat)
    xs = [p[0] for p in scene.room.floor]
    zs = [p[1] for p in scene.room.floor]
    rng = random.Random(0)
    current, times = scene, []
    for i in range(steps):
        obj = current.objects[i % len(current.objects)]
        x = min(max(obj.position[0] + rng.uniform(-0.3, 0.3), min(xs) + 0.3), max(xs) - 0.3)
        z = min(max(obj.position[2] + rng.uniform(-0.3, 0.3), min(zs) + 0.3), max(zs) - 0.3)
        current = current.replace_object(obj.model_copy(update={"position": (x, obj.position[1], z)}))
        t0 = time.perf_counter_ns()
        ev.step(current)
        times.append((time.perf_counter_ns() - t0) / 1e6)
    full = evaluate(current, tolerances=tol, mesh_provider=mesh_provider, compat=compat)
    same = abs(full.pbl - ev.report.pbl) < 1e-9 and full.collision_rate == ev.report.collision_rate \
        and full.oob_rate == ev.report.oob_rate
    return {"median_ms": round(statistics.median(times), 4), "p90_ms": round(sorted(times)[int(0.9 * len(times))], 4),
            "incremental_equals_full": same}


def grid_scene(n: int) -> Scene:
    """n boxes of office sizes on a grid (a few overlapping, a few through the walls)."""
    cols = max(1, round(n ** 0.5))
    rows = -(-n // cols)
    w, d = 1.6 * cols + 0.4, 1.6 * rows + 0.4
    sizes = ((1.2, 0.75, 0.7), (0.5, 0.9, 0.5), (0.4, 1.6, 0.4), (2.0, 0.85, 0.9), (0.8, 1.9, 0.4))
    objs = []
    for k in range(n):
        r, c = divmod(k, cols)
        size = sizes[k % len(sizes)]
        x = 1.0 + 1.6 * c + (0.5 if k % 7 == 0 else 0.0)
        z = 1.0 + 1.6 * r + (0.9 if k % 11 == 0 else 0.0)
        objs.append(SceneObject(id=f"object_{k}", description="an object", category="object", size=size,
                                position=(x, 0.0, z), yaw=90.0 * (k % 4)))
    room = Room(room_type="office", floor=((0, 0), (w, 0), (w, d), (0, d)), height=3.0)
    return Scene(room=room, objects=objs)


def scaling() -> dict:
    out = {}
    for n in (10, 30, 100, 300):
        s = grid_scene(n)
        tol = Tolerances()
        _, cold = _timed(lambda s=s, tol=tol: evaluate(s, tolerances=tol, compat="scenerevis"), runs=3)
        geo = scene_geometry(s, tolerances=tol)
        _, physics = _timed(lambda geo=geo, tol=tol: (all_pairs(geo, tol), all_bounds(geo, tol)), runs=5)
        out[str(n)] = {"compat_cold_ms": _ms(cold), "compat_warm_ms": _ms(_warm(s, None, "scenerevis", runs=5)),
                       "compat_rl_step_ms": rl_steps(s, compat="scenerevis", steps=60)["median_ms"],
                       "default_warm_ms": _ms(_warm(s, None, None, runs=5)),
                       "default_collision_and_bounds_ms": _ms(physics),
                       "default_rl_step_ms": rl_steps(s, steps=60)["median_ms"]}
    return out


def main() -> None:
    office = thirty_objects()
    meshes = bench_scene()
    provider = procedural_provider()
    out = {
        "note": "one run on 2 cores shared with other jobs; baseline = the trimesh transcription, same run",
        "compat_30_boxes": compat_section(office),
        "compat_30_boxes_two_rotated": compat_section(meshes),
        "compat_30_meshes": compat_section(meshes, provider),
        "default_30_boxes": default_section(office),
        "default_30_meshes": default_section(meshes, provider),
        "rl_step_compat": rl_steps(office, compat="scenerevis"),
        "rl_step_default": rl_steps(office),
        "rl_step_default_meshes": rl_steps(meshes, provider),
        "targets_ms": {"compat_cold": 50, "compat_warm": 20, "default_boxes": 2, "default_meshes": 10,
                       "rl_step_compat_median": 2},
        "scaling": scaling(),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
