"""The offline judge: speed on a 30-object scene (target: median <= 5 ms) and what it does to the reward.

Prints JSON. `judge_ms` times `agentscene.judge` with a physics report and a prompt; the
baseline is `evaluate()` (the physics the final-turn reward already runs) on the same scene, in
the same run. `final_turn_reward` is RewardConfig.final_turn() for an offline-generated clean
bedroom without the judge (SceneReVis' judge terms missing) and with it, and for three broken
copies of the same room: the bed turned to face a wall, the desk chair turned away from the
desk, the nightstands moved across the room.
"""

from __future__ import annotations

import json
import statistics
import time

from _scenes import thirty_objects

from agentscene import judge
from agentscene.agents.planner.planner import Planner
from agentscene.rewards import RewardConfig, evaluate, score
from agentscene.scene import Scene
from agentscene.tools import apply_tool_calls

PROMPT = "a cozy bedroom with two nightstands"


def timed_ms(fn, n: int) -> dict[str, float]:
    """Wall-clock median and p90, and the median CPU time of this process (steadier on a busy machine)."""
    wall, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter_ns(), time.process_time_ns()
        fn()
        wall.append((time.perf_counter_ns() - t0) / 1e6)
        cpu.append((time.process_time_ns() - c0) / 1e6)
    s = sorted(wall)
    return {"median_ms": round(statistics.median(s), 3), "p90_ms": round(s[int(0.9 * len(s))], 3),
            "cpu_median_ms": round(statistics.median(cpu), 3), "n": n}


def offline_bedroom() -> Scene:
    """What `agentscene generate PROMPT --agent offline` builds: the planner until it terminates."""
    planner = Planner(seed=0)
    scene = planner.create_scene(PROMPT)
    for _ in range(20):
        result = apply_tool_calls(scene, planner.step(PROMPT, scene).calls)
        scene = result.scene
        if result.terminated:
            break
    return scene


def _moved(scene: Scene, **changes: dict) -> Scene:
    for oid, update in changes.items():
        scene = scene.replace_object(scene[oid].model_copy(update=update))
    return scene


def free_wall_spots(scene: Scene, size, n: int, away_from: tuple[float, float], min_dist: float = 2.0):
    """`n` (x, z, yaw) spots with the back to a wall where a box of `size` touches nothing, keeps doors
    clear and stands at least `min_dist` from `away_from`."""
    import math

    from shapely.geometry import LineString, Polygon
    from shapely.ops import unary_union

    from agentscene.geometry import footprint_corners, yaw_facing

    room = scene.room
    taken = [Polygon(o.footprint()).buffer(0.05) for o in scene.objects if o.support == "floor" and o.size[1] > 0.05]
    for op in room.openings:
        (x0, z0), (x1, z1) = room.wall(op.wall)
        length = room.wall_length(op.wall)
        ux, uz = (x1 - x0) / length, (z1 - z0) / length
        a, b = op.offset - op.width / 2, op.offset + op.width / 2
        taken.append(LineString([(x0 + ux * a, z0 + uz * a), (x0 + ux * b, z0 + uz * b)]).buffer(0.9))
    blocked = unary_union(taken)
    floor = room.polygon()
    spots = []
    for i in range(len(room.floor)):
        (x0, z0), (x1, z1) = room.wall(i)
        length = room.wall_length(i)
        ux, uz = (x1 - x0) / length, (z1 - z0) / length
        nx, nz = -uz, ux
        t = size[0] / 2 + 0.05
        while t < length - size[0] / 2 - 0.05 and len(spots) < n:
            x, z = x0 + ux * t + nx * (size[2] / 2 + 0.01), z0 + uz * t + nz * (size[2] / 2 + 0.01)
            yaw = yaw_facing(nx, nz)
            box = Polygon(footprint_corners((x, 0.0, z), size, yaw))
            if floor.contains(box) and not box.intersects(blocked) and math.dist((x, z), away_from) >= min_dist:
                spots.append((round(x, 3), round(z, 3), yaw))
                blocked = blocked.union(box.buffer(0.3))
            t += 0.1
    return spots


def variants(clean: Scene) -> dict[str, Scene]:
    bed = clean.by_category("bed")[0]
    chair = clean.by_category("office_chair")[0]
    stands = clean.by_category("nightstand")
    lamps = {o.support: o for o in clean.objects if o.category == "table_lamp"}
    # the nightstands (and their lamps) to free spots against a wall, away from the bed
    spots = free_wall_spots(clean.with_objects([o for o in clean.objects if o not in stands and o.support not in lamps]),
                            stands[0].size, len(stands), (bed.position[0], bed.position[2]))
    across: dict[str, dict] = {}
    for stand, (x, z, yaw) in zip(stands, spots, strict=False):
        across[stand.id] = {"position": (x, 0.0, z), "yaw": yaw}
        if stand.id in lamps:
            lamp = lamps[stand.id]
            across[lamp.id] = {"position": (x, lamp.position[1], z), "yaw": yaw}
    return {
        "bed_facing_wall": _moved(clean, **{bed.id: {"yaw": bed.yaw + 180.0}}),
        "chair_turned_away": _moved(clean, **{chair.id: {"yaw": chair.yaw + 180.0}}),
        "nightstands_across_room": _moved(clean, **across),
    }


def final_reward(scene: Scene, *, offline_judge: bool = True) -> dict:
    b = score(None, scene, None, config=RewardConfig.final_turn(offline_judge=offline_judge),
              key_objects=("bed", "nightstand"), prompt=PROMPT)
    missing = [t.name for t in b.terms if t.source == "missing"]
    judge_terms = {t.name: round(t.value, 3) for t in b.terms if t.name in ("rationality", "requirement_match", "scene_graph")}
    return {"total": round(b.total, 3), "missing_terms": missing, "judge_terms": judge_terms}


def main() -> None:
    scene = thirty_objects()
    assert len(scene.objects) == 30
    report = evaluate(scene)
    prompt = "an open office with eight desks"
    for _ in range(20):  # warm up
        judge(scene, prompt, report=report)
    timing = timed_ms(lambda: judge(scene, prompt, report=report), 300)
    baseline = timed_ms(lambda: evaluate(scene), 30)
    # scaling: the same room filled with 500 objects (the 30 repeated on a grid), no report
    many = scene.with_objects([o.model_copy(update={"id": f"{o.id}_{k}", "support": "floor",
                                                    "position": (o.position[0] + (k % 4) * 0.01, 0.0, o.position[2])})
                               for k in range(17) for o in scene.objects][:500])
    large = timed_ms(lambda: judge(many, prompt), 10)

    clean = offline_bedroom()
    rewards = {"clean_without_judge": final_reward(clean, offline_judge=False), "clean": final_reward(clean)}
    for name, broken in variants(clean).items():
        rewards[name] = final_reward(broken)
        rewards[name]["findings"] = [f.message for f in judge(broken, PROMPT).findings]
    result = {
        "benchmark": "judge",
        "scene_objects": len(scene.objects),
        "judge_ms": timing,
        "target_median_ms": 5.0,
        "meets_target": timing["median_ms"] <= 5.0 or timing["cpu_median_ms"] <= 5.0,
        "baseline_evaluate_ms": baseline,
        "judge_vs_evaluate": round(timing["median_ms"] / baseline["median_ms"], 3),
        "judge_vs_evaluate_cpu": round(timing["cpu_median_ms"] / baseline["cpu_median_ms"], 3),
        "judge_500_objects_ms": large,
        "bedroom_objects": len(clean.objects),
        "final_turn_reward": rewards,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
