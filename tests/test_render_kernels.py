"""The compiled overlay steps (numba) give the numpy path's results bit for bit: label boxes (crowded
views included) and outline vertices."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentscene.renderers import OverlaySettings, scene_cameras
from agentscene.renderers import label_placement as lp
from agentscene.renderers.overlay_geometry import overlay_vertices
from agentscene.renderers.overlay_layout import Layer, layout_overlays
from agentscene.renderers.overlays import sprite_size, use_compiled
from agentscene.scene import Room, Scene, SceneObject

from .test_render_batch_reference import assert_same_layout

needs_numba = pytest.mark.skipif(importlib.util.find_spec("numba") is None, reason="numba not installed")


@needs_numba
@settings(max_examples=60, deadline=None)
@given(st.integers(0, 20_000), st.integers(0, 2**32 - 1), st.sampled_from([1.0, 1e-3, 1e9]))
def test_kernel_sums_add_in_numpys_order(n, seed, scale):
    """Overlap areas are compared to pick the least covered spot: the kernel's sums must be
    numpy's to the last bit (pairwise blocks of 128, buffers of 8192)."""
    from agentscene.renderers.kernels import row_sum

    a = np.random.default_rng(seed).standard_normal(n) * scale
    assert row_sum(a, n) == a.sum()
    rows = np.broadcast_to(a, (2, 3, n)).copy()
    assert row_sum(a, n) == rows.sum(axis=2)[1, 2]  # a reduction over the last axis, as in _overlap


def crowd(n: int, spread: float, seed: int) -> Scene:
    """n objects in a small patch: labels fight for room, so the far ring and the least-covered fallback run."""
    rng = np.random.default_rng(seed)
    objects = tuple(
        SceneObject(id=f"chair_{i + 1}", description="chair", category="chair", size=(0.4, 0.8, 0.4),
                    position=(2.0 + float(rng.uniform(-spread, spread)), 0.0, 2.0 + float(rng.uniform(-spread, spread))),
                    yaw=float(rng.uniform(-180, 180)))
        for i in range(n))
    return Scene(room=Room(floor=((0, 0), (4, 0), (4, 4), (0, 4)), height=2.6), objects=objects)


@needs_numba
@pytest.mark.parametrize(("n", "spread", "size", "max_labels"), [(40, 0.3, 160, 200), (150, 1.0, 200, 200), (300, 1.6, 512, 250), (12, 2.0, 96, 5)])
def test_compiled_labels_equal_numpy_labels_in_crowds(n, spread, size, max_labels):
    views = []
    for seed in range(3):
        scene = crowd(n, spread, seed)
        cams = scene_cameras(scene, ("top", "diagonal"), size)
        views += [(scene, cams["top"]), (scene, cams["diagonal"])]
    base = OverlaySettings(max_labels=max_labels)
    want = layout_overlays(views, base.model_copy(update={"engine": "numpy"}))
    got = layout_overlays(views, base.model_copy(update={"engine": "compiled"}))
    assert_same_layout(got, want)
    # the crowd overflows every ring somewhere: two labels of one view overlap (the least-covered
    # fallback ran), so the comparison above covered the whole greedy rule
    labels = next(layer for layer in want.layers if layer.kind == "sprites" and layer.keys and layer.keys[0].kind == "label")
    table, index = labels.key_table()
    wh = np.array([sprite_size(k) for k in table], np.float64)[index]
    x0, y0 = labels.xy[:, 0].astype(np.float64), labels.xy[:, 1].astype(np.float64)
    same_view = labels.view[:, None] == labels.view[None, :]
    ox = np.minimum(x0[:, None] + wh[:, None, 0], x0[None, :] + wh[None, :, 0]) - np.maximum(x0[:, None], x0[None, :])
    oy = np.minimum(y0[:, None] + wh[:, None, 1], y0[None, :] + wh[None, :, 1]) - np.maximum(y0[:, None], y0[None, :])
    overlapping = same_view & (ox > 0) & (oy > 0)
    np.fill_diagonal(overlapping, False)
    assert overlapping.any() == (max_labels > 5)  # five labels in a 96-pixel view still find free room


def test_engine_choice(monkeypatch):
    has_numba = importlib.util.find_spec("numba") is not None
    assert use_compiled("numpy", 10_000, 1) is False
    assert use_compiled("auto", lp.COMPILED_MIN_LABELS - 1, lp.COMPILED_MIN_LABELS) is False  # a single render needs no numba
    assert use_compiled("auto", lp.COMPILED_MIN_LABELS, lp.COMPILED_MIN_LABELS) is has_numba
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "numba" else real(name, *a))
    assert use_compiled("auto", 100_000, 1) is False  # without numba, auto stays on numpy
    with pytest.raises(ImportError, match=r"agentscene\[fast\]"):
        use_compiled("compiled", 1, 1)


def test_engine_is_validated():
    with pytest.raises(ValueError, match="engine"):
        OverlaySettings(engine="cuda")


@needs_numba
@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(*[st.floats(-1e4, 1e4, width=32)] * 4, st.floats(0.5, 8, width=32), st.integers(0, 255), st.integers(0, 63)),
                min_size=1, max_size=60),
       st.sampled_from([0.0, 1e-7, 3e-7]))
def test_compiled_segment_vertices_equal_numpy_bytes(segments, tiny):
    """Any segment, zero-length and sub-1e-6 ones included: the same float32 bytes both ways."""
    xy = np.array([s[:4] for s in segments], np.float32)
    xy[::3, 2:] = xy[::3, :2] + np.float32(tiny)  # some (nearly) zero-length segments
    view = np.array([s[6] for s in segments], np.int64)
    rgba = np.array([(s[5], 255 - s[5], 7, 255) for s in segments], np.uint8)
    layer = Layer("segments", view, xy, rgba, np.array([s[4] for s in segments], np.float32))
    tile_xy = (np.arange(128, dtype=np.float32).reshape(64, 2) * 512.0)
    want = overlay_vertices([layer], tile_xy, {}, engine="numpy")[0]
    got = overlay_vertices([layer], tile_xy, {}, engine="compiled")[0]
    assert got.dtype == np.float32 and got.tobytes() == want.tobytes()
