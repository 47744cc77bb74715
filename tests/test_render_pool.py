"""RasterPool: one render_many call over worker processes gives what one process gives, and fails loudly."""

from __future__ import annotations

import glob
import os
import signal

import numpy as np
import pytest

from agentscene import load_scene
from agentscene.renderers import get_renderer
from agentscene.renderers.base import RenderError
from agentscene.renderers.raster_pool import KEEP_BLOCKS, MIN_CHUNK, RasterPool

from .conftest import SCENE_DIR

SIZE = 96


@pytest.fixture(scope="module")
def scenes():
    """The fixture scenes, several times over, each with its own seed below."""
    fixtures = [load_scene(p) for p in sorted(SCENE_DIR.glob("*.json"))]
    return (fixtures * (3 * MIN_CHUNK))[: 3 * MIN_CHUNK]


@pytest.fixture(scope="module")
def pool():
    with RasterPool(processes=3) as p:
        yield p


@pytest.fixture(scope="module")
def single():
    with get_renderer("raster") as r:
        yield r


def test_pool_gives_the_pixels_one_process_gives(pool, single, scenes):
    seeds = list(range(len(scenes)))
    got = pool.render_many(scenes, size=SIZE, seeds=seeds, output="numpy")
    want = single.render_many(scenes, size=SIZE, seeds=seeds, output="numpy")
    assert all(w is not None and w.alive() for w in pool._workers)  # the call was spread over both workers
    assert len(got) == len(want) == len(scenes)
    for g, w in zip(got, want, strict=True):
        assert list(g.pixels) == list(w.pixels) == ["top", "diagonal"]
        for name in g.pixels:
            # as between a batch and renders one by one in one process: a view's tile offset in its
            # atlas can round a few edge pixels of a jittered perspective view differently
            changed = int((g.pixels[name] != w.pixels[name]).any(axis=2).sum())
            assert g.pixels[name].shape == (SIZE, SIZE, 3) and changed <= (0 if name == "top" else 8), (name, changed)
            assert not g.pixels[name].flags.writeable
            assert np.allclose(g.cameras[name].K, w.cameras[name].K)
    pil = pool.render_many(scenes, size=SIZE, seeds=seeds)  # PIL output, worker chunks included
    for p, g in zip(pil, got, strict=True):
        assert np.array_equal(np.asarray(p.images["diagonal"]), g.pixels["diagonal"])
        assert p.merged.size == (2 * SIZE, SIZE)


def test_results_stay_intact_while_later_calls_reuse_memory(pool, scenes):
    first = pool.render_many(scenes, size=SIZE, output="numpy")
    kept = [r.pixels["top"].copy() for r in first]
    for shift in (1, 2, 3):  # other scenes in every chunk
        pool.render_many(scenes[shift:] + scenes[:shift], size=SIZE, output="numpy")
    assert all(np.array_equal(r.pixels["top"], k) for r, k in zip(first, kept, strict=True))
    del first
    for _ in range(3):
        pool.render_many(scenes, size=SIZE, output="numpy")
    assert all(len(w.blocks) <= KEEP_BLOCKS for w in pool._workers if w is not None)


def test_small_calls_and_unpicklable_providers_stay_in_this_process(scenes):
    with RasterPool(processes=2) as p:
        assert len(p.render_many(scenes[: 2 * MIN_CHUNK - 1], size=SIZE)) == 2 * MIN_CHUNK - 1
        assert p._workers == [None]  # no worker was started
        results = p.render_many(scenes, size=SIZE, mesh_provider=lambda obj: None)
        assert p._workers == [None]
        assert all("cannot be pickled" in " ".join(r.warnings) for r in results)


def test_a_dead_or_silent_worker_is_an_error_then_replaced(scenes):
    with RasterPool(processes=2) as p:
        p.render_many(scenes, size=SIZE, output="numpy")
        os.kill(p._workers[0].process.pid, signal.SIGKILL)  # dies between calls: the next call starts another
        p._workers[0].process.wait()
        assert len(p.render_many(scenes, size=SIZE, output="numpy")) == len(scenes)
        dead = p._workers[0]
        os.kill(dead.process.pid, signal.SIGKILL)  # dies unnoticed, right before a call uses it
        dead.process.wait()
        dead.alive = lambda: True
        with pytest.raises(RenderError, match="raster worker process"):
            p.render_many(scenes, size=SIZE, output="numpy")
        assert p._workers[0] is None  # dropped: the next call starts a fresh one
        assert len(p.render_many(scenes, size=SIZE, output="numpy")) == len(scenes)  # replaced
        p.render_timeout = 1e-4  # no answer in time: stopped, a RenderError, never a hang
        with pytest.raises(RenderError, match="did not render within"):
            p.render_many(scenes, size=SIZE, output="numpy")
        assert p._workers == [None]
        p.render_timeout = 300.0
        assert len(p.render_many(scenes, size=SIZE, output="numpy")) == len(scenes)


def test_errors_leave_no_answer_behind(pool, scenes):
    """A failing call reads every worker's answer, so the next call gets its own."""
    with pytest.raises((RenderError, ValueError)):
        pool.render_many(scenes, size=SIZE, views=("top", "no_such_view"), output="numpy")
    good = pool.render_many(scenes, size=SIZE, output="numpy")
    assert [list(r.pixels) for r in good] == [["top", "diagonal"]] * len(scenes)


def test_pool_settings_and_shared_memory_files(scenes):
    with pytest.raises(ValueError, match="processes"):
        RasterPool(processes=0)
    before = set(glob.glob("/dev/shm/agentscene-pixels-*"))
    with get_renderer("raster-pool", processes=2, samples=0) as p:
        assert isinstance(p, RasterPool) and p.settings.samples == 0
        results = p.render_many(scenes, size=SIZE, output="numpy")
        assert set(glob.glob("/dev/shm/agentscene-pixels-*")) == before  # unlinked once both sides had them mapped
    assert results[-1].pixels["top"].sum() > 0  # still readable after close: the memory lives with its views


def test_workers_end_with_the_process_that_started_them(tmp_path):
    """A pool never closed: no worker outlives the process that started it."""
    import subprocess
    import sys
    import time

    script = tmp_path / "leave_open.py"
    script.write_text(
        "from agentscene import load_scene\n"
        "from agentscene.renderers import get_renderer\n"
        f"scene = load_scene({str(SCENE_DIR / 'bedroom_basic.json')!r})\n"
        "pool = get_renderer('raster-pool', processes=3)\n"
        f"pool.render_many([scene] * {3 * MIN_CHUNK}, size=64, output='numpy')\n"
        "print(*[w.process.pid for w in pool._workers])\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True)
    pids = [int(p) for p in done.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while any(os.path.exists(f"/proc/{pid}") for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(os.path.exists(f"/proc/{pid}") for pid in pids)


def test_env_wrappers_step_through_a_pool(pool):
    """ImageObservation envs sharing a pool: step_batch spreads their renders over the workers."""
    from agentscene.env import ImageObservation, SceneEnv, reset_batch, step_batch

    prompt = "a cozy bedroom with a bed and two nightstands"
    bed = {"name": "add_object", "arguments": {"description": "oak double bed", "position": [2.0, 0.0, 2.0], "yaw": 0,
                                                "size": [1.6, 0.5, 2.0]}}
    n = 3 * MIN_CHUNK
    envs = [ImageObservation(SceneEnv(), pool, size=64, image_format="numpy") for _ in range(n)]
    reset_batch(envs, seeds=list(range(n)), options=[{"prompt": prompt}] * n)
    stepped = step_batch(envs, [[bed] if k % 2 == 0 else [] for k in range(n)])
    images = [obs[0]["image"] for obs, *_ in stepped]
    assert all(img.shape == (64, 128, 3) for img in images)
    with get_renderer("raster") as single:
        for env, img in zip(envs, images, strict=True):
            alone = np.asarray(single.render(env.unwrapped.scene, size=64).merged)
            assert int((img != alone).any(axis=2).sum()) <= 8  # edge pixels at most, as in the test above
    assert not np.array_equal(images[0], images[1])  # the bed shows in env 0, not env 1
