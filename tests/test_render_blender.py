"""The Blender backend with real bpy: pixels where the cameras say, agreement with the rasteriser,
worker crashes and hangs reported clearly and recovered from, .blend output, Cycles."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest
import trimesh

from agentscene.renderers import get_renderer, ring_cameras, top_camera
from agentscene.renderers.blender import BlenderRenderer, BlenderWorkerError
from agentscene.scene import Scene

from .test_render_raster import (
    RED,
    box,
    colored_provider,
    iou,
    predicted_box_mask,
    red_box_scene,
    redness_mask,
    square_room,
)

pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def blender():
    renderer = get_renderer("blender")
    yield renderer
    renderer.close()


def test_red_box_lands_where_the_cameras_project_it(blender):
    scene = red_box_scene()
    provider = colored_provider({"box_1": RED})
    result = blender.render(scene, size=192, overlays=False, mesh_provider=provider)
    assert result.renderer == "blender" and set(result.images) == {"top", "diagonal"}
    for view in ("top", "diagonal"):
        image = result.images[view]
        assert image.mode == "RGB" and image.size == (192, 192)
        red = redness_mask(image)
        predicted = predicted_box_mask(result.cameras[view], scene["box_1"])
        assert red.sum() > 150, view
        assert iou(red, predicted) > 0.85, (view, iou(red, predicted))
    # non-square cameras keep their framing in Blender (sensor fit, ortho scale)
    wide = [top_camera(scene, (160, 96)), *ring_cameras(scene, 1, (80, 120))]
    odd = blender.render(scene, views=wide, overlays=False, mesh_provider=provider)
    for name, cam in odd.cameras.items():
        assert odd.images[name].size == (cam.width, cam.height)
        assert iou(redness_mask(odd.images[name]), predicted_box_mask(cam, scene["box_1"])) > 0.75, name
    # overlays are drawn on Blender's images too: the id label shows near the box
    labelled = blender.render(scene, size=192, overlays=True, mesh_provider=provider)
    cam = labelled.cameras["top"]
    (u, v), = cam.project(np.array([[1.2, 0.6, 2.6]]))[0]
    window = np.asarray(labelled.images["top"])[int(v) - 20 : int(v) + 20, int(u) - 40 : int(u) + 40]
    plain = np.asarray(result.images["top"])[int(v) - 20 : int(v) + 20, int(u) - 40 : int(u) + 40]
    assert (window.max(axis=2) < 60).sum() > 15 + (plain.max(axis=2) < 60).sum()


def _object_masks(image, colors: dict[str, tuple[int, int, int]], floor_pixel: tuple[int, int]) -> dict[str, np.ndarray]:
    """Label each pixel with the nearest reference chromaticity (objects, this image's floor, neutral grey).

    Chromaticity ignores the brightness that lighting changes, and nearest-reference labelling
    splits anti-aliased edge pixels fairly between an object and the floor.
    """
    rgb = np.asarray(image).astype(float)
    chroma = rgb / np.maximum(rgb.sum(axis=2, keepdims=True), 1.0)
    floor = chroma[floor_pixel[1], floor_pixel[0]]
    refs = np.array([np.array(c, float) / sum(c) for c in colors.values()] + [floor, np.full(3, 1 / 3)])
    nearest = np.linalg.norm(chroma[:, :, None, :] - refs[None, None], axis=3).argmin(axis=2)
    return {name: nearest == k for k, name in enumerate(colors)}


def test_top_views_agree_with_the_rasteriser(blender):
    colors = {"a_1": (220, 30, 30), "b_1": (30, 170, 40), "c_1": (40, 60, 220), "d_1": (230, 200, 20), "e_1": (200, 40, 200)}
    scene = Scene(
        room=square_room(5.0),
        objects=(
            box("a_1", (1.0, 0.0, 1.0), (1.2, 0.8, 0.6), yaw=20.0),
            box("b_1", (3.6, 0.0, 1.2), (0.8, 1.8, 0.8), yaw=-45.0),
            box("c_1", (2.5, 0.0, 3.4), (2.0, 0.5, 1.2)),
            box("d_1", (0.9, 0.0, 3.8), (0.5, 1.0, 0.5), yaw=70.0),
            box("e_1", (4.2, 0.0, 4.2), (0.6, 0.4, 0.9), yaw=135.0),
        ),
    )
    provider = colored_provider(colors)
    with get_renderer("raster") as raster:
        ref = raster.render(scene, views=["top"], size=256, overlays=False, mesh_provider=provider)
    got = blender.render(scene, views=["top"], size=256, overlays=False, mesh_provider=provider)
    (u, v), = ref.cameras["top"].project(np.array([[2.5, 0.0, 2.0]]))[0]  # bare floor
    ref_masks = _object_masks(ref.images["top"], colors, (int(u), int(v)))
    got_masks = _object_masks(got.images["top"], colors, (int(u), int(v)))
    for name in colors:
        assert ref_masks[name].sum() > 100, name
        assert iou(ref_masks[name], got_masks[name]) >= 0.9, (name, iou(ref_masks[name], got_masks[name]))


def test_bad_input_still_gives_images(blender):
    degenerate = trimesh.Trimesh(vertices=[[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], faces=[[0, 0, 1], [0, 1, 2], [1, 1, 1], [0, 2, 3]], process=False)
    empty = trimesh.Trimesh(vertices=np.zeros((0, 3)), faces=np.zeros((0, 3), int), process=False)
    meshes = {"deg_1": degenerate, "empty_1": empty}
    rng = np.random.default_rng(1)
    crowd = tuple(box(f"c_{i}", (float(rng.uniform(0, 8)), 0.0, float(rng.uniform(0, 8))), (0.4, 0.5, 0.4)) for i in range(200))
    scenes = [
        Scene(room=square_room()),
        Scene(room=square_room(), objects=(box("far_1", (25.0, 0.0, 25.0), (1, 1, 1)), box("deg_1", (2, 0, 2), (1, 1, 1)), box("empty_1", (1, 0, 1), (1, 1, 1)))),
        Scene(room=square_room(8.0), objects=crowd),
    ]
    for k, scene in enumerate(scenes):
        result = blender.render(scene, size=64, mesh_provider=lambda obj: meshes.get(obj.id))
        assert all(im.size == (64, 64) for im in result.images.values())
        assert np.asarray(result.images["top"]).std() > 5  # not a blank image
        assert any("empty_1: mesh has no faces" in w for w in result.warnings) == (k == 1)


def test_worker_death_is_reported_and_the_next_render_restarts_it():
    with BlenderRenderer() as renderer:
        scene = red_box_scene()
        renderer.render(scene, views=["top"], size=48, overlays=False)
        pid = renderer.worker_pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while renderer.worker_pid is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(BlenderWorkerError, match="killed by signal SIGKILL.*next render starts a new one"):
            renderer.render(scene, views=["top"], size=48, overlays=False)
        result = renderer.render(scene, views=["top"], size=48, overlays=False)
        assert result.images["top"].size == (48, 48)
        assert renderer.worker_pid not in (None, pid)


def test_a_hung_worker_is_stopped_with_a_clear_error():
    with BlenderRenderer(render_timeout=0.01) as renderer:
        with pytest.raises(BlenderWorkerError, match="did not answer within 0.01 s"):
            renderer.render(red_box_scene(), size=256)
        assert renderer.worker_pid is None


def test_a_worker_that_cannot_start_says_why(tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'no Blender here' >&2\nexit 3\n")
    fake.chmod(0o755)
    with BlenderRenderer(python=str(fake), start_timeout=20) as renderer:
        with pytest.raises(BlenderWorkerError, match=r"exited with code 3 while starting(.|\n)*no Blender here"):
            renderer.render(red_box_scene(), size=32)


def test_cycles_and_blend_file(tmp_path):
    target = tmp_path / "scenes" / "red.blend"
    with BlenderRenderer(engine="cycles", samples=4) as renderer:
        scene = red_box_scene()
        result = renderer.render(scene, views=["top"], size=96, overlays=False, mesh_provider=colored_provider({"box_1": RED}), save_blend=target)
    red = redness_mask(result.images["top"])
    assert iou(red, predicted_box_mask(result.cameras["top"], scene["box_1"])) > 0.75
    head = target.read_bytes()[:7]
    assert head == b"BLENDER" or head[:4] == b"\x28\xb5\x2f\xfd"  # plain or zstd-compressed .blend
    assert not any(p.name.endswith(".tmp.blend") for p in target.parent.iterdir())
