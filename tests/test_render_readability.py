"""Renders people read right: wall items hang on walls, ceiling items do not hide the furniture, labels do not overlap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentscene.renderers import OverlaySettings, StyleSettings, get_renderer, scene_cameras
from agentscene.renderers.overlay_layout import layout_overlays
from agentscene.renderers.raster import RasterRenderer
from agentscene.renderers.view_parts import (
    build_scene_meshes,
    walls_facing_away,
    walls_holding_items,
)
from agentscene.scene import Scene, SceneObject

from .test_render_raster import box, square_room

pytest.importorskip("moderngl")


def hung(obj_id: str, category: str, x: float, y: float, z: float, yaw: float, size, support: str) -> SceneObject:
    return SceneObject(id=obj_id, description=category, category=category, size=size, position=(x, y, z), yaw=yaw, support=support)


def gallery() -> Scene:
    """A 4 m room with a painting on every wall, a table, and a ceiling lamp above the table."""
    room = square_room()
    objects = (
        hung("painting_1", "painting", 2.0, 1.4, 0.03, 0.0, (0.9, 0.6, 0.04), "wall"),  # wall 0 (z = 0)
        hung("painting_2", "painting", 3.97, 1.4, 2.0, -90.0, (0.9, 0.6, 0.04), "wall"),  # wall 1 (x = 4)
        hung("painting_3", "painting", 2.0, 1.4, 3.97, 180.0, (0.9, 0.6, 0.04), "wall"),  # wall 2 (z = 4)
        hung("painting_4", "painting", 0.03, 1.4, 2.0, 90.0, (0.9, 0.6, 0.04), "wall"),  # wall 3 (x = 0)
        box("table_1", (2.0, 0.0, 2.0), (1.2, 0.75, 0.8), category="dining_table"),
        hung("ceiling_lamp_1", "ceiling_lamp", 2.0, 1.9, 2.0, 0.0, (0.7, 0.4, 0.7), "ceiling"),
    )
    return Scene(room=room, objects=objects)


def test_far_walls_holding_wall_items_reach_the_ceiling_and_near_walls_stay_low():
    scene = gallery()
    cams = scene_cameras(scene, ("top", "diagonal"), 160)
    far = walls_facing_away(scene.room, cams["diagonal"])
    assert len(far) == 2 and walls_holding_items(scene) == frozenset({0, 1, 2, 3})
    geometry = build_scene_meshes(scene, None, StyleSettings(), cams)
    walls = {p.views: p for p in geometry.parts if p.kind == "wall"}
    top_walls, diag_walls = walls[frozenset({"top"})], walls[frozenset({"diagonal"})]
    assert top_walls.vertices[:, 1].max() == pytest.approx(0.25)  # low everywhere in the top view
    assert diag_walls.vertices[:, 1].max() == pytest.approx(scene.room.height)
    lamp = [p for p in geometry.parts if p.name == "ceiling_lamp_1"][0]
    cord = [p for p in geometry.parts if p.name == "ceiling_lamp_1__cord"][0]
    assert lamp.views == cord.views == frozenset({"diagonal"})  # not in the top view
    assert cord.vertices[:, 1].max() == pytest.approx(scene.room.height)


def test_wall_above_a_far_painting_shows_in_the_diagonal_view():
    scene = gallery()
    with RasterRenderer(device="cpu") as tall, RasterRenderer(device="cpu", style=StyleSettings(tall_walls=False)) as low:
        a = tall.render(scene, size=200, overlays=False)
        b = low.render(scene, size=200, overlays=False)
    cam = a.cameras["diagonal"]
    far = sorted(walls_facing_away(scene.room, cam))
    painting = [o for o in scene.objects if o.category == "painting"][far[0]]
    above = np.array([[painting.position[0], painting.top + 0.4, painting.position[2]]])
    (u, v), = cam.project(above)[0]
    pa = np.asarray(a.images["diagonal"])[int(v), int(u)].astype(int)
    pb = np.asarray(b.images["diagonal"])[int(v), int(u)].astype(int)
    assert abs(pa[0] - pa[2]) < 20 and pa.max() < 200  # grey wall behind the painting
    assert tuple(pb) != tuple(pa)  # with low walls the painting floats in front of background


def test_ceiling_lamp_does_not_hide_the_table_in_the_top_view():
    scene = gallery()
    with RasterRenderer(device="cpu") as r:
        result = r.render(scene, size=200, overlays=False)
        without_lamp = r.render(scene.with_objects([o for o in scene.objects if o.id != "ceiling_lamp_1"]), size=200, overlays=False)
    top = np.asarray(result.images["top"]).astype(int)
    cam = result.cameras["top"]
    (u, v), = cam.project(np.array([[2.0, 0.75, 2.0]]))[0]
    assert np.abs(top[int(v), int(u)] - np.asarray(without_lamp.images["top"])[int(v), int(u)]).max() <= 2  # the table shows
    layout = layout_overlays([(scene, cam)], OverlaySettings(), overlays=False)  # the outline stays without overlays
    dashes = [layer for layer in layout.layers if layer.kind == "segments"]
    assert dashes and len(dashes[0].xy) >= 8
    changed = np.abs(top - np.asarray(without_lamp.images["top"]).astype(int)).max(axis=2) > 30
    (u0, v0), = cam.project(np.array([[1.65, 2.3, 1.65]]))[0]  # a corner of the lamp's footprint
    assert changed[int(v0) - 3 : int(v0) + 4, int(u0) - 3 : int(u0) + 4].any()


def test_labels_do_not_overlap_and_moved_ones_get_leader_lines():
    crowd = tuple(box(f"chair_{i + 1}", (1.6 + 0.15 * (i % 4), 0.0, 1.6 + 0.15 * (i // 4)), (0.12, 0.5, 0.12), category="chair") for i in range(12))
    scene = Scene(room=square_room(), objects=crowd)
    for cam in scene_cameras(scene, ("top", "diagonal"), 256).values():
        layout = layout_overlays([(scene, cam)], OverlaySettings())
        labels = [layer for layer in layout.layers if layer.kind == "sprites" and layer.keys and layer.keys[0].kind == "label"][0]
        from agentscene.renderers.overlays import sprite_size

        boxes = [(x, y, x + sprite_size(k)[0], y + sprite_size(k)[1]) for k, (x, y) in zip(labels.keys, labels.xy.tolist(), strict=True)]
        assert len(boxes) == 12
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not (a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5), (cam.name, a, b)
        leaders = [layer for layer in layout.layers if layer.kind == "segments" and layer.width is not None and len(layer.xy) and (layer.width == 1).all()]
        assert leaders, cam.name


@pytest.mark.blender
def test_blender_draws_the_same_readable_views():
    pytest.importorskip("bpy")
    scene = gallery()
    with get_renderer("blender") as blender, RasterRenderer(device="cpu") as raster:
        b = blender.render(scene, size=160, overlays=False)
        r = raster.render(scene, size=160, overlays=False)
    cam = b.cameras["top"]
    (u, v), = cam.project(np.array([[2.0, 0.75, 2.0]]))[0]
    table_b = np.asarray(b.images["top"])[int(v), int(u)].astype(int)
    table_r = np.asarray(r.images["top"])[int(v), int(u)].astype(int)
    assert np.abs(table_b - table_r).max() < 40  # the table, not the lamp, in both backends
    diag = b.cameras["diagonal"]
    far = sorted(walls_facing_away(scene.room, diag))
    painting = [o for o in scene.objects if o.category == "painting"][far[0]]
    (u, v), = diag.project(np.array([[painting.position[0], painting.top + 0.4, painting.position[2]]]))[0]
    wall = np.asarray(b.images["diagonal"])[int(v), int(u)].astype(int)
    assert abs(wall[0] - wall[2]) < 25 and wall.max() < 215  # a grey wall, not the white background


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(-50, 50), st.floats(-5, 10), st.floats(-50, 50), st.floats(0.01, 8), st.floats(-720, 720),
                          st.sampled_from(["chair", "painting", "ceiling_lamp", "rug"])), min_size=0, max_size=40))
def test_layout_stays_finite_and_inside_the_image_for_any_objects(items):
    """Objects anywhere (behind the camera, far outside the room, tiny or huge): finite primitives, labels on the image."""
    objects = tuple(
        SceneObject(id=f"obj_{i}", description=c, category=c, size=(s, s / 2, s), position=(x, y, z), yaw=yaw,
                    support="ceiling" if c == "ceiling_lamp" else "floor")
        for i, (x, y, z, s, yaw, c) in enumerate(items)
    )
    scene = Scene(room=square_room(), objects=objects)
    cams = scene_cameras(scene, ("top", "diagonal"), 128)
    layout = layout_overlays([(scene, cams["top"]), (scene, cams["diagonal"])], OverlaySettings())
    for layer in layout.layers:
        assert np.all(np.isfinite(layer.xy)), layer.kind
        if layer.kind == "sprites":
            from agentscene.renderers.overlays import sprite_size

            for key, (x, y) in zip(layer.keys, layer.xy.tolist(), strict=True):
                w, h = sprite_size(key)
                assert 0 <= x and 0 <= y and x + w <= 128 + 0.5 and y + h <= 128 + 0.5, (key, x, y)
