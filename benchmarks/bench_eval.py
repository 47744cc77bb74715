"""Physics evaluation speed (targets: >= 20x faster than the voxel baseline; RL step <= 1 ms median).

Prints JSON. One run on a 30-object scene whose objects have procedural multi-part meshes
(tables with legs, chairs with backs, sofas, lamps, plants), a few deliberate overlaps and two
objects through the walls.

Baseline (SceneReVis' method, implemented below): voxelise every world mesh and the room
prism with `trimesh.voxel` at pitch 0.05 (`mesh.voxelized(p).fill()`), then PBL = voxels of
each object outside the room + voxels shared by each pair (numpy set intersection, which is
already far faster than their pure-Python loop, so the ratio is conservative).

PBL agreement: the baseline puts a voxel on every point within half a voxel of a surface,
so its PBL may exceed the true one by up to one voxel layer around each overlap and each
outside part. The allowed difference is that layer: for each pair's shared voxels and each
object's outside voxels, the growth of their bounding box by half a voxel on every side.
"""

from __future__ import annotations

import json
import math
import random
import statistics
import time

import numpy as np
import trimesh
from shapely.geometry import Polygon

from agentscene.meshes import world_mesh
from agentscene.rewards import IncrementalEvaluator, Tolerances, evaluate, scene_geometry
from agentscene.scene import Room, Scene, SceneObject
from agentscene.tools import apply_tool

PITCH = 0.05
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


# -- baseline ---------------------------------------------------------------------------

def _voxel_keys(mesh: trimesh.Trimesh) -> np.ndarray:
    vox = mesh.voxelized(PITCH).fill()
    idx = np.round(np.asarray(vox.points) / PITCH).astype(np.int64) + (1 << 19)
    return np.unique((idx[:, 0] << 40) | (idx[:, 1] << 20) | idx[:, 2])


def _layer(keys: np.ndarray) -> float:
    """One voxel layer around a voxel set: the growth of its bounding box by half a voxel per side."""
    if keys.size == 0:
        return 0.0
    idx = np.column_stack(((keys >> 40) & 0xFFFFF, (keys >> 20) & 0xFFFFF, keys & 0xFFFFF))
    ext = (idx.max(axis=0) - idx.min(axis=0) + 1) * PITCH
    return float(np.prod(ext + PITCH) - np.prod(ext))


def baseline_pbl(scene: Scene, provider) -> tuple[float, float]:
    """(PBL, one-voxel-layer tolerance) the SceneReVis way: voxel sets of world meshes and the room."""
    room = trimesh.creation.extrude_polygon(Polygon(scene.room.floor), scene.room.height)
    room.apply_transform(np.array([[1.0, 0, 0, 0], [0, 0, 1.0, 0], [0, 1.0, 0, 0], [0, 0, 0, 1.0]]))
    trimesh.repair.fix_normals(room)
    room_keys = _voxel_keys(room)
    keys = [_voxel_keys(world_mesh(o, provider(o))) for o in scene.objects]
    vol = PITCH ** 3
    pbl, layer = 0.0, 0.0
    for k in keys:
        out = np.setdiff1d(k, room_keys, assume_unique=True)
        pbl += out.size * vol
        layer += _layer(out)
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            shared = np.intersect1d(keys[i], keys[j], assume_unique=True)
            pbl += shared.size * vol
            layer += _layer(shared)
    return pbl, layer


def main() -> None:
    scene = bench_scene()
    provider = procedural_provider()
    tol = Tolerances()

    t0 = time.perf_counter()
    report = evaluate(scene, mesh_provider=provider, tolerances=tol)
    cold = time.perf_counter() - t0

    geo = scene_geometry(scene, provider, tolerances=tol)
    warm_runs = []
    for k in range(5):
        obj = scene.objects[k]
        moved = scene.replace_object(obj.model_copy(update={"position": (obj.position[0] + 0.01, 0.0, obj.position[2])}))
        t0 = time.perf_counter()
        evaluate(moved, geo, tolerances=tol)
        warm_runs.append(time.perf_counter() - t0)
    warm = statistics.median(warm_runs)

    t0 = time.perf_counter()
    pbl_base, layer = baseline_pbl(scene, provider)
    base = time.perf_counter() - t0

    # The same layout as oriented boxes (no meshes): exact volumes against the same baseline.
    t0 = time.perf_counter()
    box_report = evaluate(scene, tolerances=tol)
    box_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    box_base, box_layer = baseline_pbl(scene, lambda obj: None)
    box_base_time = time.perf_counter() - t0

    ev = IncrementalEvaluator(scene, tolerances=tol, mesh_provider=provider)
    rng = random.Random(0)
    step_us, tool_step_us = [], []
    current = scene
    for i in range(600):
        obj = current.objects[i % len(current.objects)]
        x = min(max(obj.position[0] + rng.uniform(-0.3, 0.3), 0.3), ROOM_W - 0.3)
        z = min(max(obj.position[2] + rng.uniform(-0.3, 0.3), 0.3), ROOM_D - 0.3)
        if i % 2 == 0:
            nxt = current.replace_object(obj.model_copy(update={"position": (x, obj.position[1], z)}))
            t0 = time.perf_counter_ns()
            ev.step(nxt)
            step_us.append((time.perf_counter_ns() - t0) / 1000.0)
        else:
            t0 = time.perf_counter_ns()
            result = apply_tool(current, "move_object", {"object_id": obj.id, "position": [x, obj.position[1], z]})
            ev.step(result.scene)
            tool_step_us.append((time.perf_counter_ns() - t0) / 1000.0)
            nxt = result.scene
        current = nxt
    check = evaluate(current, mesh_provider=provider, tolerances=tol)
    same = (abs(check.pbl - ev.report.pbl) < 1e-9 and check.collision_rate == ev.report.collision_rate
            and check.oob_rate == ev.report.oob_rate)

    out = {
        "scene": {"objects": len(scene.objects), "mesh_objects": sum(1 for g in geo.objects if not g.is_box),
                  "faces": int(sum(len(g.shape.faces) for g in geo.objects if g.shape is not None))},
        "evaluate_cold_s": round(cold, 4),
        "evaluate_warm_s": round(warm, 4),
        "baseline_voxel_s": round(base, 3),
        "speedup_cold": round(base / cold, 1),
        "speedup_warm": round(base / warm, 1),
        "target_speedup": 20,
        "pbl": round(report.pbl, 4),
        "pbl_baseline": round(pbl_base, 4),
        "pbl_difference": round(abs(report.pbl - pbl_base), 4),
        "one_voxel_layer": round(layer, 4),
        "pbl_within_one_layer": abs(report.pbl - pbl_base) <= layer,
        "boxes": {
            "evaluate_s": round(box_time, 4), "baseline_voxel_s": round(box_base_time, 3),
            "speedup": round(box_base_time / box_time, 1), "pbl": round(box_report.pbl, 4),
            "pbl_baseline": round(box_base, 4), "pbl_difference": round(abs(box_report.pbl - box_base), 4),
            "one_voxel_layer": round(box_layer, 4), "pbl_within_one_layer": abs(box_report.pbl - box_base) <= box_layer,
        },
        "collision_rate": round(report.collision_rate, 2),
        "oob_rate": round(report.oob_rate, 2),
        "rl_step_median_ms": round(statistics.median(step_us) / 1000.0, 4),
        "rl_step_p90_ms": round(sorted(step_us)[int(0.9 * len(step_us))] / 1000.0, 4),
        "rl_step_with_apply_tool_median_ms": round(statistics.median(tool_step_us) / 1000.0, 4),
        "target_rl_step_ms": 1.0,
        "incremental_equals_full": same,
    }
    print(json.dumps(out, indent=2))
    if not math.isfinite(out["speedup_cold"]):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
