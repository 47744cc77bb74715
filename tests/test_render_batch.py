"""render_many: the same pixels as one by one, pinned images, device choice, failures that say why."""

from __future__ import annotations

import warnings

import moderngl
import numpy as np
import pytest
from PIL import Image

from agentscene import load_scene
from agentscene.env import ImageObservation, SceneEnv, render_batch, reset_batch, step_batch
from agentscene.renderers import RenderError, get_renderer
from agentscene.renderers.gl_context import GLDevice, create_context, device_kind
from agentscene.renderers.raster import RasterRenderer, atlas_bytes
from agentscene.scene import Scene

from .conftest import DATA, SCENE_DIR
from .test_render_raster import box, red_box_scene, square_room

pytest.importorskip("moderngl")

PINNED = ("bedroom_basic", "living_room_grouped")


@pytest.fixture(scope="module")
def raster():
    renderer = get_renderer("raster", device="cpu", samples=4)  # MSAA, the GPU default: pinned images, exact batch == alone
    yield renderer
    renderer.close()


def fixtures(n: int) -> list[Scene]:
    return [load_scene(p) for p in sorted(SCENE_DIR.glob("*.json"))[:n]]


def test_batch_matches_one_by_one_pixel_for_pixel(raster):
    scenes = fixtures(5)
    seeds = [0, 1, 2, 3, 4]
    batch = raster.render_many(scenes, size=128, seeds=seeds)
    assert len(batch) == len(scenes)
    for scene, seed, got in zip(scenes, seeds, batch, strict=True):
        alone = raster.render(scene, size=128, seed=seed)
        for view in ("top", "diagonal"):
            assert np.array_equal(np.asarray(got.images[view]), np.asarray(alone.images[view])), (scene.room.room_type, view)
        assert np.array_equal(np.asarray(got.merged), np.asarray(alone.merged))
        assert got.merged.mode == "RGB" and got.merged.size == (256, 128)
    numpy_out = raster.render_many(scenes, size=128, seeds=seeds, output="numpy")
    for a, b in zip(batch, numpy_out, strict=True):
        assert b.images == {} and set(b.pixels) == {"top", "diagonal"}
        assert np.array_equal(b.pixels["top"], np.asarray(a.images["top"]))
        assert np.array_equal(b.merged_array(), np.asarray(a.merged))
    assert raster.render_many([]) == []
    with pytest.raises(ValueError, match="seeds"):
        raster.render_many(scenes, seeds=[0])
    with pytest.raises(ValueError, match="output"):
        raster.render_many(scenes, output="tensor")  # type: ignore[arg-type]


def test_batches_span_several_atlas_passes():
    with RasterRenderer(device="cpu", atlas_size=256) as small:  # 2 views of 128 per pass row, 4 per pass
        scenes = fixtures(5)
        batch = small.render_many(scenes, size=128)
        alone = [small.render(s, size=128) for s in scenes]
    for a, b in zip(batch, alone, strict=True):
        assert np.array_equal(np.asarray(a.merged), np.asarray(b.merged))


@pytest.mark.parametrize("name", PINNED)
def test_images_are_pinned(raster, name):
    """Today's pixels on the CPU: a change to cameras, shading or overlays shows up here."""
    result = raster.render(load_scene(SCENE_DIR / f"{name}.json"), size=160)
    for view in ("top", "diagonal"):
        with Image.open(DATA / "renders" / f"{name}_{view}.png") as im:
            expected = np.asarray(im.convert("RGB")).astype(int)
        got = np.asarray(result.images[view]).astype(int)
        diff = np.abs(got - expected)
        assert diff.mean() <= 1.0, (view, diff.mean())
        assert (diff.max(axis=2) > 40).mean() <= 0.005, view


def test_cpu_without_msaa_stays_close_to_the_pinned_images():
    """samples=0 (the CPU speed setting): edges alias, the rest matches the MSAA images, and a
    batch differs from one by one at most in a few edge pixels (tile offsets round differently).
    The default keeps today's anti-aliased pixels on the CPU too."""
    with RasterRenderer(device="cpu") as default:
        assert default.device.kind == "cpu" and default._gl.samples == 4
    with RasterRenderer(device="cpu", samples=0) as plain:
        assert plain.device.kind == "cpu" and plain._gl.samples == 0
        for name in PINNED:
            result = plain.render(load_scene(SCENE_DIR / f"{name}.json"), size=160)
            for view in ("top", "diagonal"):
                with Image.open(DATA / "renders" / f"{name}_{view}.png") as im:
                    expected = np.asarray(im.convert("RGB")).astype(int)
                diff = np.abs(np.asarray(result.images[view]).astype(int) - expected)
                assert 0 < diff.mean() <= 1.0, (view, diff.mean())
                assert (diff.max(axis=2) > 40).mean() <= 0.01, view
        scenes = fixtures(5)
        batch = plain.render_many(scenes, size=128, seeds=range(5))
        for k, (scene, got) in enumerate(zip(scenes, batch, strict=True)):
            alone = plain.render(scene, size=128, seed=k)
            changed = (np.asarray(got.merged).astype(int) != np.asarray(alone.merged)).any(axis=2)
            assert changed.mean() <= 0.001, (k, int(changed.sum()))


@pytest.mark.parametrize("readback", ["pixel-buffer", "host-buffer"])
def test_gpu_read_back_paths_give_the_same_pixels(readback, monkeypatch):
    """A GPU reads RGB through two pixel buffers, one pass behind; forced here on the CPU, the pixels match."""
    from agentscene.renderers import gl_readback

    monkeypatch.setattr(gl_readback, "COPY_CHUNK", 4096)  # host buffers are copied out in many pieces on threads
    scenes = fixtures(3)
    with RasterRenderer(device="cpu", atlas_size=256) as r:  # several passes: the pixel buffers take turns
        direct = r.render_many(scenes, size=128)
    with RasterRenderer(device="cpu", atlas_size=256, readback=readback) as r:
        buffered = r.render_many(scenes, size=128)
        arrays = r.render_many(scenes, size=128, output="numpy")
        assert r._gl.channels == 3 and (r._gl.host_gl is not None) == (readback == "host-buffer")  # Mesa has GL 4.5
        assert not any("host-memory" in w for w in buffered[0].warnings)
    for a, b, c in zip(direct, buffered, arrays, strict=True):
        assert np.array_equal(np.asarray(a.merged), np.asarray(b.merged))
        assert np.array_equal(c.merged_array(), np.asarray(a.merged)) and c.pixels["top"].shape == (128, 128, 3)


def test_a_read_back_that_never_lands_is_a_gl_failure_not_a_hang():
    import dataclasses

    from agentscene.renderers import gl_readback
    from agentscene.renderers.gl_context import GLFailure

    with RasterRenderer(device="cpu", readback="host-buffer") as r:
        r.render(red_box_scene(), size=32)
        r._gl.host_gl = dataclasses.replace(r._gl.host_gl, client_wait_sync=lambda *a: gl_readback.GL_TIMEOUT_EXPIRED)
        r._gl.targets.clear()  # new buffers, made with the stuck wait
        with pytest.raises(GLFailure, match="timed out"):
            r.render(red_box_scene(), size=48)


def test_device_choice_and_clear_errors(raster):
    assert device_kind("llvmpipe (LLVM 15.0.6, 256 bits)") == "cpu"
    assert device_kind("NVIDIA H200/PCIe/SSE2") == "gpu"
    assert raster.device.kind == "cpu" and "llvmpipe" in raster.device.renderer
    ctx, found = create_context("auto")
    ctx.release()
    if found.kind == "cpu":  # no GPU here: asking for one says so instead of quietly using the CPU
        with pytest.raises(RenderError, match="no EGL device is a GPU"):
            get_renderer("raster", device="gpu").render(red_box_scene(), size=32)
    with pytest.raises(ValueError):
        create_context("tpu")  # type: ignore[arg-type]


def test_gl_failure_mid_run_is_an_error_or_a_cpu_fallback(monkeypatch):
    import agentscene.renderers.gl_batch as gl_batch

    real = gl_batch.draw_pass
    failures = {"left": 0}

    def flaky(*args, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise moderngl.Error("GL_OUT_OF_MEMORY (simulated lost device)")
        return real(*args, **kwargs)

    monkeypatch.setattr(gl_batch, "draw_pass", flaky)
    with RasterRenderer(device="cpu") as cpu, RasterRenderer(device="auto") as auto:
        cpu.render(red_box_scene(), size=32)
        auto.render(red_box_scene(), size=32)
        failures["left"] = 1
        with pytest.raises(RenderError, match="OpenGL failed.*simulated lost device"):
            cpu.render(red_box_scene(), size=32)  # asked for this device: no fallback
        auto._device = GLDevice("gpu", "Pretend GPU", "test", 0, 4096)  # as if the context were on a GPU
        failures["left"] = 1
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = auto.render(red_box_scene(), size=32)
        assert any("failed; rendering on the CPU" in str(w.message) for w in caught)
        assert result.info["device"]["kind"] == "cpu" and any("failed" in w for w in result.warnings)
        assert result.images["top"].size == (32, 32)


def test_memory_bound_and_huge_views_fail_fast():
    assert atlas_bytes(4096, 4, False) == 4096 * 4096 * 44
    with RasterRenderer(device="cpu", memory_limit_mb=16, samples=4) as tight:
        result = tight.render(red_box_scene(), size=64)  # fits, with fewer samples, and says so
        assert any("MSAA lowered" in w for w in result.warnings)
        assert tight._gl.samples <= 4 and atlas_bytes(tight._gl.atlas_size, tight._gl.samples, False) <= 16 * 2**20
        with pytest.raises(RenderError, match="memory_limit_mb"):
            tight.render(red_box_scene(), size=4096)


def test_ten_thousand_objects_render_with_capped_labels(raster):
    rng = np.random.default_rng(0)
    objects = tuple(box(f"thing_{i}", (float(rng.uniform(0, 30)), 0.0, float(rng.uniform(0, 30))), (0.3, 0.3, 0.3)) for i in range(10_000))
    scene = Scene(room=square_room(30.0), objects=objects)
    result = raster.render(scene, size=96)
    assert result.info["triangles"] == 10_000 * 12
    assert np.asarray(result.images["top"]).std() > 5
    from agentscene.renderers.overlay_layout import layout_overlays
    from agentscene.renderers.overlays import OverlaySettings

    layout = layout_overlays([(scene, result.cameras["top"])], OverlaySettings(max_labels=50))
    ids = [layer for layer in layout.layers if layer.kind == "sprites" and layer.keys and layer.keys[0].kind == "label"]
    assert ids and len(ids[0].keys) == 50


def test_env_batch_helpers_render_every_env_once(raster):
    prompt = "a cozy bedroom with a bed and two nightstands"
    bed = {"name": "add_object", "arguments": {"description": "oak double bed", "position": [2.0, 0.0, 2.0], "yaw": 0, "size": [1.6, 0.5, 2.0]}}
    envs = [ImageObservation(SceneEnv(), raster, size=64) for _ in range(3)]
    first = reset_batch(envs, seeds=[0, 1, 2], options=[{"prompt": prompt}] * 3)
    assert [obs[0]["image"].size for obs, _ in first] == [(128, 64)] * 3
    stepped = step_batch(envs, [[bed], [], [bed]])
    images = [obs[0]["image"] for obs, *_ in stepped]
    alone = [np.asarray(e.images()[0]) for e in envs]
    assert all(np.array_equal(np.asarray(a), b) for a, b in zip(images, alone, strict=True))
    assert not np.array_equal(np.asarray(images[0]), np.asarray(images[1]))  # the bed shows in env 0, not env 1
    assert len(render_batch(envs)) == 3
    with pytest.raises(TypeError, match="ImageObservation"):
        step_batch([SceneEnv()], [[]])
    with pytest.raises(ValueError, match="actions"):
        step_batch(envs, [[]])
    for env in envs:
        env.close()
    assert raster.render(red_box_scene(), size=32).images["top"].size == (32, 32)  # a shared renderer stays open


def test_overlays_stay_inside_their_tile(raster):
    """An outline far outside its view must not draw into the neighbouring tile of the atlas."""
    stray = Scene(room=square_room(), objects=(box("cabinet_1", (1.0, 0.0, 1.0), (0.6, 1.0, 0.4)),
                                             box("cabinet_2", (7.0, 0.0, 2.0), (1.5, 1.0, 1.0), yaw=20.0),
                                             box("cabinet_3", (8.0, 0.0, 3.0), (2.0, 1.0, 1.0))))
    plain = red_box_scene()
    batch = raster.render_many([stray, plain, stray], size=96)
    for got, scene in zip(batch, [stray, plain, stray], strict=True):
        alone = raster.render(scene, size=96)
        for view in ("top", "diagonal"):
            assert np.array_equal(np.asarray(got.images[view]), np.asarray(alone.images[view])), view
