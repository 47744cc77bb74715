"""Render speed on a 30-object scene, both views (top + diagonal) at 512x512 with overlays.

Targets: raster <= 50 ms; Blender Workbench <= 1.5 s warm (worker reused). Prints JSON with
medians, the raster/Blender ratio and the machine's load (renders share the CPU with
whatever else runs). `--no-blender` skips bpy; `--runs N` sets the raster sample count.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from _scenes import thirty_objects

from agentscene.renderers import get_renderer


def procedural_meshes():
    """The asset package's procedural meshes, when that package is installed (else boxes only)."""
    try:
        from agentscene.assets import get_backend, mesh_provider
    except ImportError:
        return None
    return mesh_provider(get_backend("procedural"))


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def summary(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {
        "median_ms": round(statistics.median(s), 2),
        "min_ms": round(s[0], 2),  # the least disturbed run: other processes share the CPU
        "p90_ms": round(s[min(len(s) - 1, int(0.9 * len(s)))], 2),
        "n": len(s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--blender-runs", type=int, default=5)
    parser.add_argument("--no-blender", action="store_true")
    args = parser.parse_args()

    scene = thirty_objects()
    assert len(scene.objects) == 30
    report: dict[str, object] = {"objects": len(scene.objects), "size": 512, "views": ["top", "diagonal"], "cpus": os.cpu_count()}

    with get_renderer("raster") as raster:
        t0 = time.perf_counter()
        raster.render(scene)
        report["raster_first_ms"] = round((time.perf_counter() - t0) * 1000.0, 1)
        for _ in range(3):
            raster.render(scene)
        report["raster_overlays"] = summary(timed(lambda: raster.render(scene), args.runs))
        report["raster_no_overlays"] = summary(timed(lambda: raster.render(scene, overlays=False), args.runs))
        provider = procedural_meshes()
        if provider is not None:
            raster.render(scene, mesh_provider=provider)  # builds and caches the meshes
            report["raster_overlays_procedural_meshes"] = summary(
                timed(lambda: raster.render(scene, mesh_provider=provider), args.runs)
            )
    with get_renderer("raster", depth=True) as raster_depth:
        for _ in range(3):
            raster_depth.render(scene)
        report["raster_overlays_with_depth"] = summary(timed(lambda: raster_depth.render(scene), args.runs))
    report["raster_target_ms"] = 50.0
    report["raster_meets_target"] = report["raster_overlays"]["median_ms"] <= 50.0  # type: ignore[index]

    if not args.no_blender:
        with get_renderer("blender") as blender:
            t0 = time.perf_counter()
            blender.render(scene)
            report["blender_cold_ms"] = round((time.perf_counter() - t0) * 1000.0, 1)
            blender.render(scene)
            report["blender_workbench_warm"] = summary(timed(lambda: blender.render(scene), args.blender_runs))
        report["blender_target_ms"] = 1500.0
        report["blender_meets_target"] = report["blender_workbench_warm"]["median_ms"] <= 1500.0  # type: ignore[index]
        report["raster_over_blender"] = round(
            report["raster_overlays"]["median_ms"] / report["blender_workbench_warm"]["median_ms"], 4  # type: ignore[index]
        )
        report["blender_over_raster_speedup"] = round(1.0 / report["raster_over_blender"], 1)  # type: ignore[operator]
    report["loadavg_1min"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
