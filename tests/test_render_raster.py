"""The raster backend: pixels land where the cameras say, overlays appear, bad input gives an image."""

from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh
from PIL import Image, ImageDraw
from typer.testing import CliRunner

from agentscene.renderers import (
    Renderer,
    RenderResult,
    get_renderer,
    register_renderer,
    renderer_names,
    ring_cameras,
)
from agentscene.renderers.raster import RasterRenderer, RasterSettings
from agentscene.renderers.registry import RENDERERS
from agentscene.scene import Opening, Room, Scene, SceneObject

from .conftest import SCENE_DIR

RED = (230, 20, 20)


# -- helpers shared with test_render_blender.py -------------------------------------------------


def square_room(side: float = 4.0, **kw) -> Room:
    return Room(floor=((0, 0), (side, 0), (side, side), (0, side)), height=2.6, **kw)


def box(obj_id: str, position, size, yaw=0.0, category="object") -> SceneObject:
    return SceneObject(id=obj_id, description=category, category=category, size=size, position=position, yaw=yaw)


def red_box_scene() -> Scene:
    return Scene(room=square_room(), objects=(box("box_1", (1.2, 0.0, 2.6), (0.8, 0.6, 0.5), yaw=30.0),))


def colored_provider(colors: dict[str, tuple[int, int, int]]):
    """A MeshProvider returning a unit box painted in the object's colour (exercises mesh colours)."""

    def provide(obj: SceneObject):
        if obj.id not in colors:
            return None
        mesh = trimesh.creation.box(extents=(2.0, 1.0, 2.0))  # any extents: world_mesh stretches it
        mesh.visual.face_colors = [*colors[obj.id], 255]
        return mesh

    return provide


def redness_mask(image: Image.Image) -> np.ndarray:
    rgb = np.asarray(image.convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return (r > 60) & (r - np.maximum(g, b) > 35)


def predicted_box_mask(camera, obj: SceneObject) -> np.ndarray:
    """Where the camera projects the object's box: the convex hull of its projected corners."""
    from scipy.spatial import ConvexHull

    uv, _ = camera.project(obj.box_corners())
    pts = uv[ConvexHull(uv).vertices]
    mask = Image.new("L", (camera.width, camera.height), 0)
    ImageDraw.Draw(mask).polygon([tuple(p) for p in pts], fill=255)
    return np.asarray(mask) > 0


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raster():
    renderer = get_renderer("raster")
    yield renderer
    renderer.close()


# -- pixels where the cameras say -----------------------------------------------------------------


def test_red_box_lands_where_the_cameras_project_it(raster):
    scene = red_box_scene()
    result = raster.render(scene, size=256, overlays=False, mesh_provider=colored_provider({"box_1": RED}))
    assert set(result.images) == {"top", "diagonal"}
    obj = scene["box_1"]
    for view in ("top", "diagonal"):
        image = result.images[view]
        assert image.mode == "RGB" and image.size == (256, 256)
        red = redness_mask(image)
        predicted = predicted_box_mask(result.cameras[view], obj)
        assert red.sum() > 200, view
        assert iou(red, predicted) > 0.9, (view, iou(red, predicted))
        # and nowhere else: the floor, walls and background are not red
        assert red[~predicted].sum() < 0.05 * red.sum()


def test_top_view_orientation_and_room_framing(raster):
    # a box in the x+ / z- corner of the room appears top-right
    scene = Scene(room=square_room(), objects=(box("box_1", (3.4, 0.0, 0.5), (0.4, 0.4, 0.4)),))
    result = raster.render(scene, views=["top"], size=200, overlays=False, mesh_provider=colored_provider({"box_1": RED}))
    ys, xs = np.nonzero(redness_mask(result.images["top"]))
    assert xs.mean() > 140 and ys.mean() < 60
    # the floor spans the framed area, with the margin showing the background
    rgb = np.asarray(result.images["top"])
    assert tuple(rgb[100, 100]) != (255, 255, 255)
    assert tuple(rgb[2, 2]) == (255, 255, 255)


def test_depth_is_metric_along_the_view_axis(raster):
    scene = red_box_scene()
    assert raster.render(scene, size=32).depth == {}  # opt-in: it costs a few ms per view
    with RasterRenderer(depth=True) as with_depth:
        result = with_depth.render(scene, size=256, overlays=False)
    cam = result.cameras["top"]
    depth = result.depth["top"]
    assert depth.shape == (256, 256) and depth.dtype == np.float32
    obj = scene["box_1"]
    (u, v), = cam.project(np.array([obj.position]))[0]
    top_of_box = cam.to_camera(np.array([[obj.position[0], obj.top, obj.position[2]]]))[0, 2]
    assert depth[int(v), int(u)] == pytest.approx(top_of_box, abs=0.02)
    assert np.isinf(depth[0, 0])  # background
    diag = result.cameras["diagonal"]
    point = np.array([[obj.position[0], obj.top, obj.position[2]]])
    (u, v), = diag.project(point)[0]
    assert result.depth["diagonal"][int(v), int(u)] == pytest.approx(diag.project(point)[1][0], rel=0.02)


def test_mesh_colours_and_palette(raster):
    scene = Scene(room=square_room(), objects=(box("bed_1", (2.0, 0.0, 2.0), (1.6, 0.5, 2.0), category="bed"),))
    plain = raster.render(scene, views=["top"], size=128, overlays=False)
    painted = raster.render(scene, views=["top"], size=128, overlays=False, mesh_provider=colored_provider({"bed_1": RED}))
    centre_plain = np.asarray(plain.images["top"])[64, 64].astype(int)
    centre_painted = np.asarray(painted.images["top"])[64, 64].astype(int)
    assert centre_plain[2] > centre_plain[0]  # the palette's bed is blue
    assert centre_painted[0] > 150 and centre_painted[1] < 60  # the mesh's own colour wins


def test_ring_cameras_render_and_stay_aligned(raster):
    scene = red_box_scene()
    cams = ring_cameras(scene, 4, 96)
    result = raster.render(scene, views=cams, overlays=False, mesh_provider=colored_provider({"box_1": RED}))
    assert list(result.images) == ["ring_00", "ring_01", "ring_02", "ring_03"]
    for name, cam in result.cameras.items():
        assert iou(redness_mask(result.images[name]), predicted_box_mask(cam, scene["box_1"])) > 0.75, name


# -- overlays -------------------------------------------------------------------------------------


def _label_region(camera, obj, half=(40, 12)):
    (u, v), = camera.project(np.array([[obj.position[0], obj.top, obj.position[2]]]))[0]
    return slice(max(int(v) - half[1] * 3, 0), int(v) + half[1] * 3), slice(max(int(u) - half[0], 0), int(u) + half[0])


def test_overlay_ids_appear_near_each_object(raster):
    scene = red_box_scene()
    on = raster.render(scene, size=256, overlays=True)
    off = raster.render(scene, size=256, overlays=False)
    renamed = raster.render(scene.with_objects([scene["box_1"].model_copy(update={"id": "zz_other"})]), size=256)
    obj = scene["box_1"]
    for view in ("top", "diagonal"):
        rows, cols = _label_region(on.cameras[view], obj)
        a = np.asarray(on.images[view])[rows, cols].astype(int)
        b = np.asarray(off.images[view])[rows, cols].astype(int)
        c = np.asarray(renamed.images[view])[rows, cols].astype(int)
        dark_text = (a.max(axis=2) < 60).sum()
        assert dark_text > 15, view  # black glyphs on the label
        assert (b.max(axis=2) < 60).sum() < dark_text / 3
        assert np.abs(a - c).sum() > 0, view  # the text depends on the id


def test_facing_arrow_points_to_the_front(raster):
    for yaw, front in ((0.0, (0, 1)), (90.0, (1, 0)), (180.0, (0, -1)), (-90.0, (-1, 0))):
        obj = box("box_1", (2.0, 0.0, 2.0), (0.6, 0.4, 0.6), yaw=yaw)
        scene = Scene(room=square_room(), objects=(obj,))
        cfg = RasterSettings(overlay={"ids": False, "grid": False, "caption": False, "boxes": False})
        with RasterRenderer(cfg) as renderer:
            on = np.asarray(renderer.render(scene, views=["top"], size=200).images["top"]).astype(int)
            off = np.asarray(renderer.render(scene, views=["top"], size=200, overlays=False).images["top"]).astype(int)
            cam = renderer.render(scene, views=["top"], size=200, overlays=False).cameras["top"]
        changed = np.abs(on - off).sum(axis=2) > 30
        ahead = np.array([[2.0 + front[0] * 0.4, 0.4, 2.0 + front[1] * 0.4]])
        behind = np.array([[2.0 - front[0] * 0.4, 0.4, 2.0 - front[1] * 0.4]])
        (ua, va), = cam.project(ahead)[0]
        (ub, vb), = cam.project(behind)[0]
        assert changed[int(va) - 3 : int(va) + 4, int(ua) - 3 : int(ua) + 4].any(), yaw
        assert not changed[int(vb) - 3 : int(vb) + 4, int(ub) - 3 : int(ub) + 4].any(), yaw


def test_top_view_grid_lines_sit_on_whole_metres(raster):
    scene = Scene(room=square_room())
    cfg = RasterSettings(overlay={"ids": False, "caption": False})
    with RasterRenderer(cfg) as renderer:
        on = np.asarray(renderer.render(scene, views=["top"], size=256).images["top"]).astype(int)
        off_result = renderer.render(scene, views=["top"], size=256, overlays=False)
    off = np.asarray(off_result.images["top"]).astype(int)
    cam = off_result.cameras["top"]
    changed = np.abs(on - off).sum(axis=2) > 0
    (u1, v_mid), = cam.project(np.array([[1.0, 0.0, 2.5]]))[0]
    (u15, _), = cam.project(np.array([[1.5, 0.0, 2.5]]))[0]
    assert changed[int(v_mid), int(u1) - 1 : int(u1) + 2].any()  # a line at x = 1 m
    assert not changed[int(v_mid), int(u15) - 1 : int(u15) + 2].any()  # none at x = 1.5 m
    # labels in the margin below the floor
    (_, v_bottom), = cam.project(np.array([[1.0, 0.0, 4.0]]))[0]
    assert changed[int(v_bottom) + 2 :, int(u1) - 8 : int(u1) + 8].sum() > 5


# -- results and files ------------------------------------------------------------------------------


def test_result_merges_and_saves_real_pngs(raster, tmp_path):
    result = raster.render(red_box_scene(), size=128)
    assert isinstance(result, RenderResult) and result.renderer == "raster"
    assert result.merged.size == (256, 128)
    assert np.array_equal(np.asarray(result.merged)[:, 128:], np.asarray(result.images["diagonal"]))
    paths = result.save(tmp_path / "out", "scene_a")
    assert {k: p.name for k, p in paths.items()} == {
        "top": "scene_a_top.png", "diagonal": "scene_a_diagonal.png", "merged": "scene_a_merged.png",
    }
    with Image.open(paths["top"]) as im:
        assert np.array_equal(np.asarray(im.convert("RGB")), np.asarray(result.images["top"]))
    for bad in ("../evil", "a/b", "", ".hidden"):
        with pytest.raises(ValueError):
            result.save(tmp_path, bad)
    assert not (tmp_path.parent / "evil_top.png").exists()


def test_registry():
    assert {"raster", "blender"} <= set(renderer_names())
    with pytest.raises(ValueError, match="unknown renderer 'nope'"):
        get_renderer("nope")
    with pytest.raises(ValueError, match="already registered"):
        register_renderer("raster", RasterRenderer)
    with RENDERERS.scoped():
        register_renderer("raster-nomsaa", lambda **kw: RasterRenderer(samples=0, **kw))
        renderer = get_renderer("raster-nomsaa", depth=False)
    assert "raster-nomsaa" not in renderer_names()
    assert isinstance(renderer, Renderer)
    try:
        result = renderer.render(red_box_scene(), size=64, overlays=False)
        assert result.depth == {} and result.images["top"].size == (64, 64)
    finally:
        renderer.close()
    with pytest.raises(ValueError):
        get_renderer("raster", samples=-1)
    with pytest.raises(TypeError):
        RasterRenderer(RasterSettings(), samples=2)


# -- bad input -------------------------------------------------------------------------------------


def test_empty_scene_gives_floor_and_walls(raster):
    scene = Scene(room=square_room(openings=(Opening(kind="door", wall=0, offset=2.0, width=1.0, height=2.0),)))
    result = raster.render(scene, size=200)
    top = np.asarray(result.images["top"]).astype(int)
    cam = result.cameras["top"]
    (u, v), = cam.project(np.array([[2.5, 0.0, 2.5]]))[0]  # between grid lines
    floor = top[int(v), int(u)]
    assert abs(floor[0] - floor[2]) > 10  # beige floor, not white background
    # the wall is drawn along z = 4 but the door on wall 0 (z = 0) is a gap
    (uw, vw), = cam.project(np.array([[2.0, 0.0, 4.03]]))[0]
    (ud, vd), = cam.project(np.array([[2.0, 0.0, -0.03]]))[0]
    assert top[int(vw), int(uw)].max() < 180  # grey wall
    assert tuple(top[int(vd), int(ud)]) == (255, 255, 255)  # the doorway shows the background


def test_objects_outside_the_room_and_huge_scenes(raster):
    outside = Scene(room=square_room(), objects=(box("far_1", (30.0, 0.0, -30.0), (1, 1, 1)), box("under_1", (2, -5, 2), (1, 1, 1))))
    result = raster.render(outside, size=128)
    assert result.images["top"].size == (128, 128)
    rng = np.random.default_rng(0)
    objects = tuple(
        box(f"thing_{i}", (float(rng.uniform(0, 12)), 0.0, float(rng.uniform(0, 12))), tuple(rng.uniform(0.2, 1.5, 3)), float(rng.uniform(-180, 180)), "chair")
        for i in range(200)
    )
    crowded = Scene(room=square_room(12.0), objects=objects)
    result = raster.render(crowded, size=256)
    assert result.info["triangles"] >= 200 * 12
    assert np.asarray(result.images["diagonal"]).std() > 10


def test_degenerate_and_broken_meshes_fall_back_to_boxes(raster):
    empty = trimesh.Trimesh(vertices=np.zeros((0, 3)), faces=np.zeros((0, 3), int), process=False)
    nan = trimesh.creation.box()
    nan.vertices[0] = [np.nan, 0, 0]
    point = trimesh.Trimesh(vertices=np.zeros((3, 3)), faces=[[0, 1, 2]], process=False)
    bad_index = trimesh.Trimesh(vertices=np.eye(3), faces=[[0, 1, 7]], process=False, validate=False)
    flat = trimesh.Trimesh(vertices=[[0, 0, 0], [1, 0, 0], [0, 0, 1]], faces=[[0, 1, 2]], process=False)
    meshes = {"a_1": empty, "b_1": nan, "c_1": point, "d_1": bad_index, "e_1": flat}
    scene = Scene(room=square_room(), objects=tuple(box(k, (0.5 + i * 0.7, 0.0, 2.0), (0.5, 0.5, 0.5)) for i, k in enumerate(meshes)))
    result = raster.render(scene, size=128, mesh_provider=lambda obj: meshes[obj.id])
    reasons = "\n".join(result.warnings)
    for key in ("a_1: mesh has no faces", "b_1: mesh has non-finite", "c_1: mesh has zero size", "d_1: mesh faces index"):
        assert key in reasons
    assert "e_1" not in reasons  # a flat mesh is drawable (a plane at the object's base)
    with pytest.raises(TypeError, match="trimesh.Trimesh or None"):
        raster.render(scene, size=64, mesh_provider=lambda obj: "not a mesh")


def test_big_meshes_render(raster):
    sphere = trimesh.creation.icosphere(subdivisions=6)  # 82k faces
    sphere.visual.face_colors = [*RED, 255]
    scene = Scene(room=square_room(), objects=(box("ball_1", (2.0, 0.0, 2.0), (1.0, 1.0, 1.0)),))
    result = raster.render(scene, size=128, overlays=False, mesh_provider=lambda obj: sphere)
    red = redness_mask(result.images["top"])
    cam = result.cameras["top"]
    radius_px = 0.5 * cam.K[0, 0]
    assert red.sum() == pytest.approx(math.pi * radius_px**2, rel=0.1)


def test_fixture_scenes_render(raster):
    from agentscene import load_scene

    for path in sorted(SCENE_DIR.glob("*.json"))[:6]:
        result = raster.render(load_scene(path), size=96)
        assert result.images["diagonal"].size == (96, 96)


def test_cli_render_writes_pngs(tmp_path):
    from agentscene.cli import app

    runner = CliRunner()
    out = tmp_path / "renders"
    res = runner.invoke(app, ["render", str(SCENE_DIR / "bedroom_basic.json"), "--out", str(out), "--size", "96", "--cameras"])
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["bedroom_basic_cameras.json", "bedroom_basic_diagonal.png", "bedroom_basic_merged.png", "bedroom_basic_top.png"]
    with Image.open(out / "bedroom_basic_merged.png") as im:
        assert im.size == (192, 96)
    res = runner.invoke(app, ["render", str(SCENE_DIR / "bedroom_basic.json"), "--out", str(out), "--views", "top", "--no-overlays", "--prefix", "plain", "--size", "64"])
    assert res.exit_code == 0, res.output
    assert (out / "plain_top.png").exists() and not (out / "plain_diagonal.png").exists()
    odd = tmp_path / "my room (v2).json"
    odd.write_bytes((SCENE_DIR / "bedroom_basic.json").read_bytes())
    res = runner.invoke(app, ["render", str(odd), "--out", str(out), "--views", "top", "--size", "32"])
    assert res.exit_code == 0, res.output
    assert (out / "my_room_v2_top.png").exists()
    res = runner.invoke(app, ["render", str(SCENE_DIR / "bedroom_basic.json"), "--views", "side"])
    assert res.exit_code == 1 and "unknown view" in res.output
    res = runner.invoke(app, ["render", str(SCENE_DIR / "bedroom_basic.json"), "--renderer", "povray"])
    assert res.exit_code == 1 and "unknown renderer" in res.output
    res = runner.invoke(app, ["render", str(tmp_path / "missing.json")])
    assert res.exit_code == 1


def test_missing_extras_name_the_install_command(monkeypatch):
    import importlib.util

    from agentscene.renderers import RendererUnavailableError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("moderngl", "bpy") else real(name, *a))
    with pytest.raises(RendererUnavailableError, match=r"pip install 'agentscene\[raster\]'"):
        get_renderer("raster")
    with pytest.raises(RendererUnavailableError, match=r"pip install 'agentscene\[blender\]'"):
        get_renderer("blender")
    assert issubclass(RendererUnavailableError, ImportError)
