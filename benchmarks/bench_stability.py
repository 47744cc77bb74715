"""Stability and SceneEval-compatible metric speed, beside our default evaluate, in one run.

Targets (issue 20): the MuJoCo stability settle of a 30-object scene (2 s of simulated time)
<= 1 s; SceneEval's four no-LLM metrics <= 50 ms for 30 objects. Prints JSON.

The scene is the shared 30-object open-office cut (benchmarks/_scenes.py) with procedural meshes,
the meshes loaded once (a warm asset cache, as in an RL loop or a batch). Each figure is the
median of several runs; `stability_cold_s` includes the first MuJoCo model build of the process.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _scenes import thirty_objects  # noqa: E402

from agentscene.assets import get_backend, mesh_provider  # noqa: E402
from agentscene.rewards import Tolerances, evaluate, scene_geometry  # noqa: E402
from agentscene.rewards.scene_eval import scene_eval_metrics  # noqa: E402
from agentscene.rewards.stability import stability_report  # noqa: E402


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    scene = thirty_objects()
    provider = mesh_provider(get_backend("procedural", embedder=None))
    tol = Tolerances()
    geo = scene_geometry(scene, provider, tolerances=tol)
    t = time.perf_counter()
    report = stability_report(scene, mesh_provider=provider, tolerances=tol, geometry=geo)
    cold = time.perf_counter() - t
    stability_s = _median(lambda: stability_report(scene, mesh_provider=provider, tolerances=tol, geometry=geo), 5)
    scene_eval_s = _median(lambda: scene_eval_metrics(geo, tol), 15)
    default_s = _median(lambda: evaluate(scene, geo, tolerances=tol), 15)
    fresh_default_s = _median(lambda: evaluate(scene, mesh_provider=provider, tolerances=tol), 5)
    print(json.dumps({
        "n_objects": len(scene.objects),
        "simulated_s": report.duration,
        "stability_s": round(stability_s, 4),
        "stability_cold_s": round(cold, 4),
        "stability_target_s": 1.0,
        "scene_eval_metrics_ms": round(1000 * scene_eval_s, 2),
        "scene_eval_target_ms": 50.0,
        "default_evaluate_ms": round(1000 * default_s, 2),
        "default_evaluate_fresh_geometry_ms": round(1000 * fresh_default_s, 2),
        "stable_ratio": report.stable_ratio,
        "n_simulated": report.n_simulated,
    }))


if __name__ == "__main__":
    main()
