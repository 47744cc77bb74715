"""SceneEnv speed and memory. Prints JSON.

Targets: `step` with one tool call on a 30-object scene, no image: median <= 1 ms; with a
raster image (ImageObservation, 512 px top + diagonal): median <= 60 ms; 1,000 concurrent env
instances (each with its own 30-object scene, reset and stepped once) in <= 2 GiB RSS.

    python benchmarks/bench_env.py [--steps 400] [--envs 1000]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from pathlib import Path

from agentscene.env import EnvConfig, ImageObservation, SceneEnv, SceneTask
from agentscene.scene import Room, Scene, SceneObject

ROOT = Path(__file__).resolve().parents[1]


def thirty_objects(offset: float = 0.0) -> Scene:
    """A 9 m x 7 m room with 30 boxes on a grid, a few of them overlapping (so the physics has work)."""
    room = Room(room_type="living_room", floor=((0, 0), (9, 0), (9, 7), (0, 7)), height=2.8)
    objs = []
    for k in range(30):
        i, j = divmod(k, 6)
        x = 0.8 + j * 1.45 + (0.5 if k % 7 == 0 else 0.0) + offset
        objs.append(SceneObject(id=f"box_{k + 1}", description=f"storage box {k + 1}", category="cabinet",
                                size=(0.9, 0.8 + 0.02 * (k % 5), 0.6), position=(x, 0.0, 0.8 + i * 1.3), yaw=15.0 * (k % 4)))
    return Scene(room=room, objects=tuple(objs), metadata={"prompt": "a living room full of cabinets"})


def move(k: int) -> list[dict]:
    """A local edit, as a revision turn makes: nudge one box 5 cm along x from its grid place."""
    n = k % 30
    i, j = divmod(n, 6)
    x = 0.8 + j * 1.45 + (0.5 if n % 7 == 0 else 0.0) + (0.05 if (k // 30) % 2 == 0 else -0.05)
    return [{"name": "move_object", "arguments": {"object_id": f"box_{n + 1}", "position": [round(x, 3), 0.0, 0.8 + i * 1.3]}}]


def summary(ms: list[float]) -> dict[str, float]:
    s = sorted(ms)
    return {"median_ms": round(statistics.median(s), 4), "p90_ms": round(s[int(0.9 * (len(s) - 1))], 4),
            "mean_ms": round(statistics.fmean(s), 4), "n": len(s)}


def time_steps(env, steps: int, task: SceneTask, max_turns: int) -> list[float]:
    out = []
    env.reset(seed=0, options={"task": task})
    for k in range(steps):
        if env.unwrapped.done:
            env.reset(seed=0, options={"task": task})
        t0 = time.perf_counter_ns()
        env.step(move(k))
        out.append((time.perf_counter_ns() - t0) / 1e6)
    return out


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--image-steps", type=int, default=40)
    parser.add_argument("--envs", type=int, default=1000)
    args = parser.parse_args()
    task = SceneTask.from_prompt("a living room full of cabinets", initial_scene=thirty_objects())
    # intermediate turns only: the final turn (full evaluation with support and access) is once per episode
    cfg = EnvConfig(max_turns=1000)
    results: dict[str, object] = {"objects": 30}

    env = SceneEnv(cfg)
    time_steps(env, 30, task, cfg.max_turns)  # warm up caches and imports
    results["step_one_call_no_image"] = summary(time_steps(env, args.steps, task, cfg.max_turns))
    never = SceneEnv(cfg.model_copy(update={"scene_in_observation": "never"}))
    time_steps(never, 30, task, cfg.max_turns)
    results["step_one_call_no_image_no_scene_json"] = summary(time_steps(never, args.steps, task, cfg.max_turns))
    final = SceneEnv(EnvConfig(max_turns=1))
    results["final_turn_step"] = summary(time_steps(final, 20, task, 1))

    image_env = ImageObservation(SceneEnv(cfg), "raster", size=512)
    time_steps(image_env, 3, task, cfg.max_turns)
    results["step_one_call_raster_image_512"] = summary(time_steps(image_env, args.image_steps, task, cfg.max_turns))
    image_env.close()

    gc.collect()
    before = rss_mib()
    envs = []
    t0 = time.perf_counter()
    for k in range(args.envs):
        scene = thirty_objects(offset=0.001 * (k % 50))  # each env its own scene objects
        e = SceneEnv(cfg)
        e.reset(seed=k, options={"task": SceneTask.from_prompt("a living room full of cabinets", initial_scene=scene)})
        e.step(move(k))
        envs.append(e)
    build_s = time.perf_counter() - t0
    gc.collect()
    after = rss_mib()
    results["concurrent_envs"] = {"n": args.envs, "rss_before_mib": round(before, 1), "rss_after_mib": round(after, 1),
                                  "rss_per_env_kib": round((after - before) * 1024 / args.envs, 1),
                                  "total_rss_mib": round(after, 1), "build_seconds": round(build_s, 2)}
    results["targets"] = {
        "step_no_image_median_ms<=1": results["step_one_call_no_image"]["median_ms"] <= 1.0,  # type: ignore[index]
        "step_raster_image_median_ms<=60": results["step_one_call_raster_image_512"]["median_ms"] <= 60.0,  # type: ignore[index]
        "1000_envs_rss_mib<=2048": after <= 2048.0,
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
