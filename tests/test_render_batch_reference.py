"""The vectorised batch code gives, value for value, what the per-view / per-tile loops it replaced gave.

`agentscene.testing.raster_reference` keeps those loops: the overlay layout (label placement
included), the overlay vertices cut into atlas passes, the instance rows of each pass, and the
scene arrays. Pixels are pinned elsewhere (test_render_batch); here every intermediate array is.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import trimesh
from hypothesis import given, settings
from hypothesis import strategies as st

from agentscene import load_scene
from agentscene.renderers import OverlaySettings, get_renderer, scene_cameras
from agentscene.renderers.cameras import ring_cameras
from agentscene.renderers.gl_batch import pack_tiles
from agentscene.renderers.overlay_geometry import overlay_floats, overlay_vertices
from agentscene.renderers.overlay_layout import SceneArrays, layout_overlays
from agentscene.renderers.overlays import sprite_size
from agentscene.scene import Room, Scene, SceneObject
from agentscene.testing.raster_reference import (
    reference_arrays,
    reference_layout,
    reference_overlay_vertices,
    reference_pass_instances,
)

from .conftest import SCENE_DIR

CATEGORIES = ["chair", "sofa", "painting", "ceiling_lamp", "wall_lamp", "rug", "bed", "plant", "tv"]


def thing(i: int, category: str, position, size, yaw: float) -> SceneObject:
    support = "ceiling" if category == "ceiling_lamp" else ("wall" if category in ("painting", "wall_lamp") else "floor")
    return SceneObject(id=f"{category}_{i + 1}", description=category, category=category, size=size, position=position, yaw=yaw, support=support)


def random_scenes(seed: int, n: int) -> list[Scene]:
    """Rooms of several sizes (so several cameras), objects inside, outside, behind the cameras, tiny and huge."""
    rng = np.random.default_rng(seed)
    scenes = []
    for _ in range(n):
        w, d = (float(v) for v in rng.uniform(2.5, 9.0, 2))
        room = Room(floor=((0, 0), (w, 0), (w, d), (0, d)), height=float(rng.uniform(2.3, 3.2)))
        objects = [thing(i, CATEGORIES[int(rng.integers(len(CATEGORIES)))],
                         (float(rng.uniform(-1.5, w + 1.5)), float(rng.uniform(0, 2.5)), float(rng.uniform(-1.5, d + 1.5))),
                         tuple(float(v) for v in rng.uniform(0.05, 2.5, 3)), float(rng.uniform(-180, 180)))
                   for i in range(int(rng.integers(0, 45)))]
        scenes.append(Scene(room=room, objects=tuple(objects)))
    return scenes


def around_the_camera(scene: Scene) -> Scene:
    """The scene plus a big box around its diagonal camera: edges cross the near plane (they get clipped)."""
    eye = scene_cameras(scene, ("diagonal",), 96)["diagonal"].position
    big = thing(90, "sofa", (float(eye[0]), max(0.0, float(eye[1]) - 1.0), float(eye[2])), (3.0, 2.0, 3.0), 20.0)
    return scene.with_objects((*scene.objects, big))


def assert_same_layout(got, want) -> None:
    assert got.sizes == want.sizes
    assert [layer.kind for layer in got.layers] == [layer.kind for layer in want.layers]
    for a, b in zip(got.layers, want.layers, strict=True):
        assert np.array_equal(a.view, b.view), a.kind
        assert a.xy.dtype == b.xy.dtype and np.array_equal(a.xy, b.xy), a.kind
        for field in ("rgba", "width"):
            x, y = getattr(a, field), getattr(b, field)
            assert (x is None) == (y is None) and (x is None or (x.dtype == y.dtype and np.array_equal(x, y))), (a.kind, field)
        assert a.keys == b.keys, a.kind


def views_of(scenes: list[Scene], size: int = 160, extra=()) -> list[tuple[Scene, object]]:
    views = []
    for k, scene in enumerate(scenes):
        cams = scene_cameras(scene, ("top", "diagonal"), size, seed=k % 3)
        views += [(scene, cams["top"]), (scene, cams["diagonal"])] + [(scene, cam) for cam in extra]
    return views


ENGINES = ["numpy", pytest.param("compiled", marks=pytest.mark.skipif(importlib.util.find_spec("numba") is None, reason="numba not installed"))]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("overlays", [True, False])
def test_layout_equals_the_per_view_algorithm(overlays, engine):
    fixtures = [load_scene(p) for p in sorted(SCENE_DIR.glob("*.json"))]
    scenes = fixtures + random_scenes(1, 12) + [around_the_camera(fixtures[0]), around_the_camera(fixtures[3])]
    ring = ring_cameras(fixtures[0], 3, 120)  # one camera set shared by many scenes, perspective all round
    views = views_of(scenes, extra=ring)
    clipped = sum(bool((cam.to_camera(np.array([o.position for o in s.objects]).reshape(-1, 3))[:, 2] < cam.near).any())
                  for s, cam in views if cam.projection == "perspective" and s.objects)
    assert clipped  # the near-plane clipping path is exercised
    ours = OverlaySettings(engine=engine)
    assert_same_layout(layout_overlays(views, ours, overlays=overlays), reference_layout(views, OverlaySettings(), overlays=overlays))
    tight = OverlaySettings(max_labels=7, font_size=14, grid_step=0.5)
    assert_same_layout(layout_overlays(views, tight.model_copy(update={"engine": engine})), reference_layout(views, tight))


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.floats(-30, 30), st.floats(-3, 8), st.floats(-30, 30), st.floats(0.01, 6), st.floats(-720, 720),
                          st.sampled_from(CATEGORIES)), min_size=0, max_size=35), st.integers(48, 300), st.sampled_from(["numpy", "compiled"]))
def test_layout_equals_the_per_view_algorithm_for_any_objects(items, size, engine):
    if engine == "compiled" and importlib.util.find_spec("numba") is None:
        engine = "numpy"
    objects = tuple(thing(i, c, (x, y, z), (s, s / 2, s), yaw) for i, (x, y, z, s, yaw, c) in enumerate(items))
    scene = Scene(room=Room(floor=((0, 0), (4, 0), (4, 4), (0, 4)), height=2.6), objects=objects)
    views = views_of([scene, scene.with_objects(objects[::-1])], size)
    assert_same_layout(layout_overlays(views, OverlaySettings(engine=engine)), reference_layout(views, OverlaySettings()))


def test_overlay_vertices_of_each_pass_equal_the_reference():
    """Each pass is laid out on its own; its vertices are the reference's, solid ones tagged with their view."""
    scenes = random_scenes(2, 10)
    views = views_of(scenes, size=300)
    passes = pack_tiles([(cam.width, cam.height) for _, cam in views], 1024)  # several passes
    assert len(passes) > 2
    for placements in passes:
        layout = layout_overlays([views[i] for i, _, _ in placements], OverlaySettings())
        tile_xy = np.array([(x, y) for _, x, y in placements], np.float32)
        keys = sorted({k for layer in layout.layers for k in layer.keys}, key=repr)
        sprite_at = {k: (7 * i % 1900, 13 * i % 1900, *sprite_size(k)) for i, k in enumerate(keys)}
        want = reference_overlay_vertices(layout.layers, tile_xy, sprite_at, np.zeros(len(placements), np.intp), 1)[0].copy()
        solid = want[:, 3] == -1.0
        vertex_view = np.concatenate([np.repeat(layer.view, {"segments": 6, "triangles": 3, "sprites": 6}[layer.kind])
                                      for layer in layout.layers if len(layer.view)])
        assert solid.any() and (~solid).any()
        want[solid, 2] = -1.0 - vertex_view[solid]
        scratch = np.full(overlay_floats(layout.layers) + 5, np.nan, np.float32)
        compiled = ["compiled"] if importlib.util.find_spec("numba") is not None else []
        for got in (overlay_vertices(layout.layers, tile_xy, sprite_at), overlay_vertices(layout.layers, tile_xy, sprite_at, scratch),
                    *(overlay_vertices(layout.layers, tile_xy, sprite_at, scratch, engine) for engine in compiled)):
            joined = np.concatenate(got)
            assert joined.dtype == np.float32 and joined.tobytes() == want.tobytes()


def test_pass_instances_equal_the_per_tile_copies(monkeypatch):
    """Instance rows per pass and asset, in draw order: meshes, tinted boxes, ceiling cords, tall walls, hidden ceiling items."""
    import agentscene.renderers.gl_batch as gl_batch

    mesh = trimesh.creation.cylinder(radius=0.5, height=1.0)
    seen = []
    real = gl_batch.pass_instances

    def spy(gl, jobs, inst, tiles, passes):
        got = real(gl, jobs, inst, tiles, passes)
        seen.append((got, reference_pass_instances(gl, jobs, tiles, passes)))
        return got

    monkeypatch.setattr(gl_batch, "pass_instances", spy)
    fixtures = [load_scene(p) for p in sorted(SCENE_DIR.glob("*.json"))]
    with get_renderer("raster", device="cpu", samples=0, atlas_size=256) as raster:
        raster.render_many(fixtures + random_scenes(3, 6), size=96, mesh_provider=lambda o: mesh if o.category in ("sofa", "bed", "table") else None)
        raster.render_many(fixtures[:4], size=64)
    assert len(seen) == 2 and len(seen[0][0]) > 1  # the first batch takes several passes
    for got, want in seen:
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert [k for k, _ in g] == [k for k, _ in w]
            for (_, a), (_, b) in zip(g, w, strict=True):
                assert a.dtype == np.float32 and np.array_equal(a, b)


def test_scene_arrays_of_many_caches_objects_and_stacks_without_copies(monkeypatch):
    scenes = random_scenes(4, 5)
    want = [reference_arrays(s) for s in scenes]
    cache: dict = {}
    for _ in range(2):  # cold, then every object from the cache
        got = SceneArrays.of_many(scenes, cache)
        for a, b in zip(got, want, strict=True):
            assert a.ids == b.ids
            for f in ("positions", "sizes", "yaws", "colors", "ceiling", "wall"):
                assert getattr(a, f).dtype == getattr(b, f).dtype and np.array_equal(getattr(a, f), getattr(b, f)), f
    assert len(cache) == sum(len(s.objects) for s in scenes)
    moved = scenes[0].objects[0].model_copy(update={"position": (9.0, 0.0, 9.0)})
    edited = scenes[0].with_objects((moved, *scenes[0].objects[1:]))
    assert SceneArrays.of_many([edited], cache)[0].positions[0].tolist() == [9.0, 0.0, 9.0]  # a new object, a new row
    whole = SceneArrays.stack(got)
    assert whole.positions is got[0].part_of[0].positions  # all of one batch, in order: no copy
    again = SceneArrays.stack([got[2], got[0]])  # not in order: concatenated
    assert again.ids == got[2].ids + got[0].ids and np.array_equal(again.sizes, np.concatenate([got[2].sizes, got[0].sizes]))
    assert len(SceneArrays.stack([]).ids) == 0
    import agentscene.renderers.overlay_layout as overlay_layout

    monkeypatch.setattr(overlay_layout, "OBJECT_CACHE", 10)
    SceneArrays.of_many(scenes, cache)
    assert not cache  # past the bound the cache starts afresh (it holds its objects alive)


def test_env_numpy_images_are_views_with_the_pil_pixels():
    from agentscene.env import ImageObservation, SceneEnv, reset_batch, step_batch

    prompt = "a cozy bedroom with a bed and two nightstands"
    bed = {"name": "add_object", "arguments": {"description": "oak double bed", "position": [2.0, 0.0, 2.0], "yaw": 0, "size": [1.6, 0.5, 2.0]}}
    with get_renderer("raster", device="cpu", samples=0) as raster:
        pil = [ImageObservation(SceneEnv(), raster, size=64) for _ in range(3)]
        arr = [ImageObservation(SceneEnv(), raster, size=64, image_format="numpy") for _ in range(3)]
        split = ImageObservation(SceneEnv(), raster, size=64, merge=False, image_format="numpy")
        everyone = [*pil, *arr, split]
        reset_batch(everyone, seeds=[0, 1, 2, 0, 1, 2, 2], options=[{"prompt": prompt}] * 7)
        stepped = step_batch(everyone, [[bed], [], [bed], [bed], [], [bed], [bed]])
        images = [obs[0]["image"] for obs, *_ in stepped]
        for p, a in zip(images[:3], images[3:6], strict=True):
            assert isinstance(a, np.ndarray) and a.shape == (64, 128, 3) and a.dtype == np.uint8
            assert np.array_equal(np.asarray(p), a)
            assert not a.flags.writeable and a.base is not None  # a view of the read-back buffer, not a copy
        top, diagonal = (part["image"] for part in stepped[6][0][:2])
        assert np.array_equal(np.concatenate([top, diagonal], axis=1), images[2])  # env 2 and the split env: same scene
        assert np.array_equal(split.images()[1], diagonal) and np.array_equal(arr[0].images()[0], images[3])
        with pytest.raises(ValueError, match="image_format"):
            ImageObservation(SceneEnv(), raster, image_format="tensor")  # type: ignore[arg-type]
        for env in everyone:
            env.close()
