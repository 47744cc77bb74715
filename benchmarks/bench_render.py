"""Render speed: 30-object scenes, both views (top + diagonal) at 512x512 with overlays. Prints JSON.

Batches: `render_many` of 1, 64 and 512 scenes (each its own jittered copy of the scene, so
nothing is reused between scenes but the room and the assets), as images per second and ms per
scene, min and median over runs; the same 64 scenes rendered one by one with `render` in the
same run (the batching ratio); the env image wrapper (`step_batch` over 64 envs sharing one
renderer, PIL images and `image_format="numpy"`) as ms per env step; single renders with and without overlays; Blender Workbench warm.

Targets: CPU (2 cores) 64-scene batch >= 40 scenes/s and >= 2x faster per scene than one by
one; GPU (H200) >= 2,000 scenes/s and the env wrapper <= 2 ms per env step amortised.
`--processes 1,2,4` adds the sum over N processes rendering at once, each with its own renderer;
`--pool 2,3` times batches of 64 through `RasterPool(processes=N)` (one call spread over N processes).
`overlay_engines_64`: main-thread ms of a batch's overlay layout and vertices, numpy against numba.

    python benchmarks/bench_render.py [--device auto|cpu|gpu] [--no-blender] [--sizes 1,64,512]
    python benchmarks/bench_render.py --write-reference DIR   # CPU images for a GPU comparison
    python benchmarks/bench_render.py --device gpu --reference DIR   # compare with them (MAD away from edges)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
from _scenes import ROOT, thirty_objects

from agentscene import load_scene
from agentscene.renderers import get_renderer

REFERENCE_SCENES = ("bedroom_basic", "living_room_grouped", "dining_room_rotated", "living_room_L")


def jittered(scene, k: int):
    """Scene k of a batch: every object moved by a few centimetres (a distinct scene, same room)."""
    rng = np.random.default_rng(k)
    objs = []
    for o in scene.objects:
        dx, dz = rng.uniform(-0.05, 0.05, 2)
        objs.append(o.model_copy(update={"position": (o.position[0] + float(dx), o.position[1], o.position[2] + float(dz))}))
    return scene.with_objects(objs)


def stats(ms_per_scene: list[float], cpu_ms_per_scene: list[float] | None = None, main_ms_per_scene: list[float] | None = None) -> dict[str, float]:
    """Wall-clock ms and scenes/s (min and median); with CPU times, also the process's CPU ms per
    scene (all threads: Python and, on the CPU device, llvmpipe's), which other loads barely change,
    and the main thread's alone (Python plus the GL calls it makes)."""
    s = sorted(ms_per_scene)
    med = statistics.median(s)
    out = {"ms_per_scene_min": round(s[0], 3), "ms_per_scene_median": round(med, 3),
           "scenes_per_s_best": round(1000.0 / s[0], 1), "scenes_per_s_median": round(1000.0 / med, 1),
           "images_per_s_median": round(2000.0 / med, 1), "runs": len(s)}
    if cpu_ms_per_scene:
        out["cpu_ms_per_scene_min"] = round(min(cpu_ms_per_scene), 3)
    if main_ms_per_scene:
        out["main_thread_ms_per_scene_min"] = round(min(main_ms_per_scene), 3)
    return out


def time_batches(renderer, scenes, runs: int, output: str, warm: bool = True) -> dict[str, float]:
    """Per-scene stats of `runs` calls of `render_many(scenes)`; `warm` first renders the batch once
    (context, assets, sprites, read-back buffers of this size; pool workers), outside the timing."""
    if warm:
        renderer.render_many(scenes, output=output)
    out, cpu, main = [], [], []
    for _ in range(runs):
        t0, c0, m0 = time.perf_counter(), time.process_time(), time.thread_time()
        results = renderer.render_many(scenes, output=output)
        out.append((time.perf_counter() - t0) * 1000.0 / len(scenes))
        cpu.append((time.process_time() - c0) * 1000.0 / len(scenes))
        main.append((time.thread_time() - m0) * 1000.0 / len(scenes))
        assert len(results) == len(scenes)
    return stats(out, cpu, main)


def time_one_by_one(renderer, scenes, runs: int) -> dict[str, float]:
    renderer.render(scenes[0])
    out, cpu, main = [], [], []
    for _ in range(runs):
        t0, c0, m0 = time.perf_counter(), time.process_time(), time.thread_time()
        for s in scenes:
            renderer.render(s)
        out.append((time.perf_counter() - t0) * 1000.0 / len(scenes))
        cpu.append((time.process_time() - c0) * 1000.0 / len(scenes))
        main.append((time.thread_time() - m0) * 1000.0 / len(scenes))
    return stats(out, cpu, main)


def env_wrapper(renderer, n_envs: int, steps: int, image_format: str = "pil") -> dict[str, float]:
    """ms per env step of `step_batch` over n envs sharing the renderer, and of its rendering alone
    (wall clock, and the main thread's CPU time: Python plus the GL calls it makes)."""
    from agentscene.env import (
        EnvConfig,
        ImageObservation,
        SceneEnv,
        SceneTask,
        render_batch,
        step_batch,
    )

    task = SceneTask.from_prompt("an open office", initial_scene=thirty_objects())
    envs = [ImageObservation(SceneEnv(EnvConfig(max_turns=1000)), renderer, image_format=image_format) for _ in range(n_envs)]
    from agentscene.env import reset_batch

    reset_batch(envs, seeds=list(range(n_envs)), options=[{"task": task}] * n_envs)
    step_ms, render_ms, step_main, render_main = [], [], [], []
    for k in range(steps):
        actions = [[{"name": "rotate_object", "arguments": {"object_id": task.initial_scene.objects[(k + i) % 30].id, "yaw": float(10 * k + i)}}]
                   for i in range(n_envs)]
        t0, m0 = time.perf_counter(), time.thread_time()
        step_batch(envs, actions)
        step_ms.append((time.perf_counter() - t0) * 1000.0 / n_envs)
        step_main.append((time.thread_time() - m0) * 1000.0 / n_envs)
        t0, m0 = time.perf_counter(), time.thread_time()
        render_batch(envs)
        render_ms.append((time.perf_counter() - t0) * 1000.0 / n_envs)
        render_main.append((time.thread_time() - m0) * 1000.0 / n_envs)
    return {"envs": n_envs, "image_format": image_format, "step_batch_ms_per_env_step_median": round(statistics.median(step_ms), 3),
            "step_batch_ms_per_env_step_min": round(min(step_ms), 3),
            "step_batch_main_thread_ms_per_env_step_min": round(min(step_main), 3),
            "images_only_ms_per_env_step_median": round(statistics.median(render_ms), 3),
            "images_only_ms_per_env_step_min": round(min(render_ms), 3),
            "images_only_main_thread_ms_per_env_step_min": round(min(render_main), 3)}


def edge_mask(image: np.ndarray, grow: int = 2) -> np.ndarray:
    """Pixels within `grow` px of a colour edge (a jump > 24 in any channel to a neighbour)."""
    img = image.astype(np.int16)
    edge = np.zeros(img.shape[:2], bool)
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        d = np.abs(img - np.roll(img, (dy, dx), axis=(0, 1))).max(axis=2) > 24
        edge |= d | np.roll(d, (-dy, -dx), axis=(0, 1))
    grown = edge.copy()
    for _ in range(grow):
        grown = grown | np.roll(grown, 1, 0) | np.roll(grown, -1, 0) | np.roll(grown, 1, 1) | np.roll(grown, -1, 1)
    return grown


def reference_images(renderer, samples_label: str) -> dict[str, np.ndarray]:
    out = {}
    for name in REFERENCE_SCENES:
        scene = load_scene(ROOT / "tests" / "data" / "scenes" / f"{name}.json")
        for overlays in (False, True):
            result = renderer.render(scene, overlays=overlays)
            for view, arr in result.arrays().items():
                out[f"{samples_label}__{name}__{'ov' if overlays else 'plain'}__{view}"] = np.asarray(arr)
    return out


def compare(reference: dict[str, np.ndarray], images: dict[str, np.ndarray]) -> dict[str, object]:
    rows = {}
    for key, ref in reference.items():
        img = images[key]
        away = ~edge_mask(ref)
        diff = np.abs(img.astype(np.int16) - ref.astype(np.int16))
        rows[key] = {"mad_away_from_edges_255": round(float(diff[away].mean()), 4), "mad_all_255": round(float(diff.mean()), 4),
                     "share_away_from_edges": round(float(away.mean()), 3), "max_away_from_edges": int(diff[away].max(initial=0))}
    worst = max(r["mad_away_from_edges_255"] for r in rows.values())
    return {"per_image": rows, "worst_mad_away_from_edges_255": worst, "within_2_of_255": worst <= 2.0}


def profile(renderer, scenes) -> list[str]:
    import cProfile
    import io
    import pstats

    renderer.render_many(scenes, output="numpy")
    prof = cProfile.Profile(time.thread_time)
    prof.enable()
    renderer.render_many(scenes, output="numpy")
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(25)
    return [line for line in buf.getvalue().splitlines() if line.strip()][:40]


def overlay_engines(scenes, runs: int = 10) -> dict[str, object]:
    """Main-thread ms of the overlay steps of one 64-scene batch (two passes of 64 views, the layout
    and the vertices of each), with OverlaySettings(engine="numpy") and engine="compiled" (numba).
    No GL: the same on any device."""
    import importlib.util

    from agentscene.renderers import OverlaySettings, scene_cameras
    from agentscene.renderers.overlay_geometry import overlay_floats, overlay_vertices
    from agentscene.renderers.overlay_layout import SceneArrays, layout_overlays

    if importlib.util.find_spec("numba") is None:
        return {"skipped": "numba is not installed (pip install 'agentscene[fast]')"}
    cams = scene_cameras(scenes[0], ("top", "diagonal"), 512)  # one room: the renderer shares its cameras too
    arrays = SceneArrays.of_many(scenes)
    views = [(s, cams[n]) for s in scenes for n in ("top", "diagonal")]
    view_arrays = [a for a in arrays for _ in range(2)]
    passes = [(views[k : k + 64], view_arrays[k : k + 64]) for k in range(0, len(views), 64)]
    tile_xy = np.array([(512 * (k % 8), 512 * (k // 8)) for k in range(64)], np.float32)
    out: dict[str, object] = {}
    for engine in ("numpy", "compiled"):
        settings = OverlaySettings(engine=engine)
        layouts = [layout_overlays(v, settings, arrays=a) for v, a in passes]  # also compiles the kernels
        sprite_at = {k: (0, 0, 24, 12) for lay in layouts for layer in lay.layers for k in layer.keys}
        scratch = np.empty(max(overlay_floats(lay.layers) for lay in layouts), np.float32)
        lay_ms, vert_ms = [], []
        for _ in range(runs):
            t = time.thread_time()
            layouts = [layout_overlays(v, settings, arrays=a) for v, a in passes]
            lay_ms.append((time.thread_time() - t) * 1000.0)
            t = time.thread_time()
            for lay in layouts:
                overlay_vertices(lay.layers, tile_xy[: len(lay.sizes)], sprite_at, scratch, engine)
            vert_ms.append((time.thread_time() - t) * 1000.0)
        out[engine] = {"layout_ms_per_batch_min": round(min(lay_ms), 2), "vertices_ms_per_batch_min": round(min(vert_ms), 2)}
    return out


def _process_worker(k: int, settings: dict, start_at: float, seconds: float, queue) -> None:
    """One process of `processes`: its own renderer (own GL context), batches of 64 until the time is up."""
    base = thirty_objects()
    scenes = [jittered(base, 1000 * k + i) for i in range(64)]
    with get_renderer("raster", **settings) as r:
        for _ in range(3):
            r.render_many(scenes, output="numpy")
        while time.time() < start_at:
            time.sleep(0.001)
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            r.render_many(scenes, output="numpy")
            n += 64
        queue.put((n, time.perf_counter() - t0))


def processes(settings: dict, counts: list[int], seconds: float = 4.0) -> dict[str, object]:
    """Scenes per second of N processes rendering batches of 64 at once, each with its own renderer
    on the same device (how RL rollout workers share one GPU): the sum over processes, same window."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    out: dict[str, object] = {}
    for n in counts:
        queue = ctx.Queue()
        start_at = time.time() + 10.0 + 2.0 * n  # once every process has imported and warmed up
        procs = [ctx.Process(target=_process_worker, args=(k, settings, start_at, seconds, queue)) for k in range(n)]
        for p in procs:
            p.start()
        res = [queue.get(timeout=300) for _ in procs]
        for p in procs:
            p.join()
        out[str(n)] = {"scenes_per_s": round(sum(k for k, _ in res) / max(t for _, t in res), 1),
                       "per_process": [round(k / t, 1) for k, t in res]}
    return out


def stress(renderer, base) -> dict[str, object]:
    """Bad input: a 10,000-object scene, a 4096x4096 view, and asking for a device that is not there."""
    from agentscene.renderers import RenderError
    from agentscene.scene import Room, Scene, SceneObject

    out: dict[str, object] = {}
    rng = np.random.default_rng(0)
    room = Room(floor=((0, 0), (60, 0), (60, 60), (0, 60)), height=3.0)
    objs = tuple(SceneObject(id=f"box_{i}", description="box", category="cabinet", size=tuple(rng.uniform(0.2, 0.8, 3)),
                             position=(float(rng.uniform(1, 59)), 0.0, float(rng.uniform(1, 59))), yaw=float(rng.uniform(-180, 180)))
                 for i in range(10_000))
    big = Scene(room=room, objects=objs)
    t0 = time.perf_counter()
    result = renderer.render(big)
    out["objects_10000_first_ms"] = round((time.perf_counter() - t0) * 1000.0, 1)
    t0 = time.perf_counter()
    renderer.render(big)
    out["objects_10000_ms"] = round((time.perf_counter() - t0) * 1000.0, 1)
    out["objects_10000_mean_pixel"] = round(float(np.asarray(result.images["diagonal"]).mean()), 2)
    t0 = time.perf_counter()
    result = renderer.render(base, size=4096)
    out["size_4096_ms"] = round((time.perf_counter() - t0) * 1000.0, 1)
    out["size_4096_shape"] = list(result.arrays()["top"].shape)
    for device in ("cpu", "gpu"):
        if renderer.device.kind == device:
            continue
        try:
            with get_renderer("raster", device=device) as other:
                other.render(base, size=64)
                out[f"device_{device}"] = other.device.as_dict()
        except RenderError as e:
            out[f"device_{device}_error"] = str(e)[:400]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "gpu"))
    parser.add_argument("--sizes", default="1,64,512")
    parser.add_argument("--runs", type=int, default=5, help="runs per batch size (1-scene batches take 20x this)")
    parser.add_argument("--samples", type=int, default=None, help="MSAA samples (default: the renderer's, 4)")
    parser.add_argument("--also-samples", type=int, default=None,
                        help="also time the 64-scene batch and one by one with this many MSAA samples, in the same run")
    parser.add_argument("--env-steps", type=int, default=5)
    parser.add_argument("--no-blender", action="store_true")
    parser.add_argument("--write-reference", type=Path, default=None)
    parser.add_argument("--reference", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    parser.add_argument("--stress", action="store_true", help="also time a 10,000-object scene, a 4096x4096 view, and device='cpu'/'gpu' where missing")
    parser.add_argument("--pool", default="", help="also time render_many of 64 through RasterPool(processes=N) for each N (e.g. 2,3)")
    parser.add_argument("--processes", default="", help="also time N processes at once, each with its own renderer (e.g. 1,2,4; with --also-samples, both settings)")
    parser.add_argument("--profile", action="store_true", help="add the main thread's top functions for one 64-scene batch")
    args = parser.parse_args()

    base = thirty_objects()
    assert len(base.objects) == 30
    settings = {"device": args.device}
    if args.samples is not None:
        settings["samples"] = args.samples
    report: dict[str, object] = {"objects": 30, "size": 512, "views": ["top", "diagonal"], "cpus": os.cpu_count(),
                                 "machine": platform.node(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}

    if args.write_reference is not None:
        args.write_reference.mkdir(parents=True, exist_ok=True)
        images = {}
        for samples in (0, 4):
            with get_renderer("raster", device="cpu", samples=samples) as r:
                images.update(reference_images(r, f"s{samples}"))
        np.savez_compressed(args.write_reference / "reference.npz", **images)
        print(json.dumps({"wrote": str(args.write_reference / "reference.npz"), "images": len(images)}))
        return

    with get_renderer("raster", **settings) as r:
        report["device"] = r.device.as_dict()
        report["samples"] = r._gl.samples
        report["atlas_size"] = r._gl.atlas_size
        if args.reference is not None:
            reference = dict(np.load(args.reference / "reference.npz"))
            images = {}
            for samples in (0, 4):
                with get_renderer("raster", device=args.device, samples=samples) as rs:
                    images.update(reference_images(rs, f"s{samples}"))
            report["compare_with_cpu"] = compare(reference, images)
        sizes = [int(s) for s in args.sizes.split(",") if s]
        scenes = [jittered(base, k) for k in range(max(sizes + [64]))]
        batches = {}
        for n in sizes:
            runs = args.runs * 20 if n == 1 else max(2, args.runs if n <= 64 else args.runs // 2)
            batches[str(n)] = {"pil": time_batches(r, scenes[:n], runs, "pil"), "numpy": time_batches(r, scenes[:n], runs, "numpy", warm=False)}
        report["render_many"] = batches
        report["one_by_one_64"] = time_one_by_one(r, scenes[:64], max(2, args.runs // 2))
        b64 = batches.get("64", {}).get("pil")
        if b64:
            one = report["one_by_one_64"]
            report["batch64_speedup_per_scene_vs_one_by_one"] = round(one["ms_per_scene_median"] / b64["ms_per_scene_median"], 2)
            report["batch64_cpu_time_ratio_vs_one_by_one"] = round(one["cpu_ms_per_scene_min"] / b64["cpu_ms_per_scene_min"], 2)
        t = []
        for _ in range(args.runs * 6):
            t0 = time.perf_counter()
            r.render(base, overlays=False)
            t.append((time.perf_counter() - t0) * 1000.0)
        report["single_render_no_overlays"] = stats(t)
        report["overlay_engines_64"] = overlay_engines(scenes[:64])
        report["env_wrapper"] = env_wrapper(r, 64, args.env_steps)
        report["env_wrapper_numpy"] = env_wrapper(r, 64, args.env_steps, "numpy")
        if args.profile:
            report["profile_64"] = profile(r, scenes[:64])
        if args.stress:
            report["stress"] = stress(r, base)

    if args.also_samples is not None:
        # after the first renderer is closed: one GL context per process, as a user would have
        with get_renderer("raster", **{**settings, "samples": args.also_samples}) as other:
            runs = max(2, args.runs)
            b = time_batches(other, scenes[:64], runs, "pil")
            one = time_one_by_one(other, scenes[:64], max(2, args.runs // 2))
            report[f"samples_{args.also_samples}"] = {
                "samples": other._gl.samples, "batch_64_pil": b, "batch_64_numpy": time_batches(other, scenes[:64], runs, "numpy", warm=False),
                "one_by_one_64": one, "batch64_speedup_per_scene_vs_one_by_one": round(one["ms_per_scene_median"] / b["ms_per_scene_median"], 2)}

    if args.pool:
        report["pool_64"] = {}
        for samples in [report["samples"]] + ([args.also_samples] if args.also_samples is not None else []):
            for n in [int(n) for n in args.pool.split(",") if n]:
                with get_renderer("raster-pool", processes=n, **{**settings, "samples": samples}) as pool:
                    report["pool_64"][f"samples_{samples}_processes_{n}"] = {  # the first warm-up starts the workers
                        "pil": time_batches(pool, scenes[:64], max(2, args.runs), "pil"),
                        "numpy": time_batches(pool, scenes[:64], max(2, args.runs), "numpy", warm=False)}

    if args.processes:
        counts = [int(n) for n in args.processes.split(",") if n]
        report["processes"] = {f"samples_{report['samples']}": processes(settings, counts)}
        if args.also_samples is not None:
            report["processes"][f"samples_{args.also_samples}"] = processes({**settings, "samples": args.also_samples}, counts)

    if not args.no_blender:
        with get_renderer("blender") as blender:
            t0 = time.perf_counter()
            blender.render(base)
            report["blender_cold_ms"] = round((time.perf_counter() - t0) * 1000.0, 1)
            t = []
            for _ in range(3):
                t0 = time.perf_counter()
                blender.render(base)
                t.append((time.perf_counter() - t0) * 1000.0)
            report["blender_workbench_warm_ms_median"] = round(statistics.median(t), 1)
    report["loadavg_1_5_15"] = [round(v, 2) for v in os.getloadavg()]
    text = json.dumps(report, indent=2)
    if args.out is not None:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
