"""Every export loaded back with its own library: trimesh (GLB), pxr (USD), mujoco (MJCF), bpy in a
subprocess (.blend), json (SceneEval). Geometry is checked against agentscene.meshes.world_mesh."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from agentscene.assets import get_backend, mesh_provider
from agentscene.cli import app
from agentscene.exporters import ExportError, export_path, export_scene, exporter_names
from agentscene.exporters.mjcf import object_mass
from agentscene.exporters.parts import z_up
from agentscene.formats import load_scene
from agentscene.meshes import world_mesh
from agentscene.palette import srgb_to_linear
from agentscene.scene import Scene
from agentscene.scene_meshes import object_color

DATA = Path(__file__).parent / "data" / "scenes"


@pytest.fixture(scope="module")
def provider():
    return mesh_provider(get_backend("procedural"))


@pytest.fixture(scope="module")
def scene() -> Scene:
    # floor, wall-mounted and stacked objects (a tv on its stand)
    return load_scene(DATA / "living_room_grouped.json")


def _bounds(points: np.ndarray) -> np.ndarray:
    return np.stack([points.min(axis=0), points.max(axis=0)])


def test_registry_lists_every_format():
    assert exporter_names() == ["glb", "usd", "mjcf", "blend", "scene-eval"]
    with pytest.raises(ExportError, match="unknown export format 'obj'"):
        export_scene(load_scene(DATA / "bedroom_basic.json"), "obj", "x.obj")


def test_glb_round_trip(scene, provider, tmp_path):
    import trimesh

    path = export_scene(scene, "glb", tmp_path / "room.glb", mesh_provider=provider)
    loaded = trimesh.load(path, force="scene")
    for obj in scene.objects:
        nodes = [n for n in loaded.graph.nodes_geometry if n.split("#")[0] == obj.id]
        assert nodes, obj.id
        pts = []
        colors = set()
        for node in nodes:
            matrix, geom = loaded.graph[node]
            mesh = loaded.geometry[geom]
            pts.append(trimesh.transform_points(mesh.vertices, matrix))
            colors.add(tuple(int(c) for c in mesh.visual.material.baseColorFactor[:3]))
        expected = world_mesh(obj, provider(obj))
        assert np.allclose(_bounds(np.concatenate(pts)), expected.bounds, atol=1e-5)
        own = {tuple(int(c) for c in rgb) for rgb in np.unique(provider(obj).visual.face_colors[:, :3], axis=0)}
        assert colors <= own | {object_color(obj)}
    assert any(n.startswith("floor#") for n in loaded.graph.nodes_geometry)
    assert any(n.startswith("walls#") for n in loaded.graph.nodes_geometry)
    # the node extras carry what glTF has no field for
    raw = path.read_bytes()
    tree = json.loads(raw[20:20 + int.from_bytes(raw[12:16], "little")])
    extras = {n["name"]: n["extras"] for n in tree["nodes"] if "extras" in n}
    tv = next(o for o in scene.objects if o.id == "tv_1")
    assert extras["tv_1"] == {"agentscene_id": "tv_1", "category": "tv", "description": tv.description, "size": list(tv.size),
                              "support": tv.support}


def test_usd_round_trip(scene, provider, tmp_path):
    pytest.importorskip("pxr")
    from pxr import Usd, UsdGeom

    for suffix in (".usd", ".usda", ".usdc"):
        path = export_scene(scene, "usd", tmp_path / f"room{suffix}", mesh_provider=provider)
        stage = Usd.Stage.Open(str(path))
        assert UsdGeom.GetStageUpAxis(stage) == "Y" and UsdGeom.GetStageMetersPerUnit(stage) == 1.0
        assert stage.GetDefaultPrim().GetPath() == "/World"
    assert (tmp_path / "room.usda").read_text().startswith("#usda")
    assert (tmp_path / "room.usdc").read_bytes()[:8] == b"PXR-USDC"
    cache = UsdGeom.BBoxCache(Usd.TimeCode.Default(), [UsdGeom.Tokens.default_])
    prims = {p.GetAttribute("agentscene:id").Get(): p for p in stage.GetPrimAtPath("/World/Objects").GetChildren()}
    assert set(prims) == {o.id for o in scene.objects}
    for obj in scene.objects:
        prim = prims[obj.id]
        assert prim.GetAttribute("agentscene:category").Get() == obj.category
        box = cache.ComputeWorldBound(prim).ComputeAlignedRange()
        got = np.array([list(box.GetMin()), list(box.GetMax())])
        assert np.allclose(got, world_mesh(obj, provider(obj)).bounds, atol=1e-5)
        mesh = UsdGeom.Mesh(prim.GetChild("mesh"))
        colors = np.array(mesh.GetDisplayColorPrimvar().Get())
        faces = len(mesh.GetFaceVertexCountsAttr().Get())
        assert colors.shape == (faces, 3) and mesh.GetDisplayColorPrimvar().GetInterpolation() == "uniform"
        own = provider(obj).visual.face_colors[:, :3]
        assert np.allclose(np.sort(np.unique(colors.round(4), axis=0), axis=0),
                           np.sort(np.unique(srgb_to_linear(own / 255.0).astype(np.float32).round(4), axis=0), axis=0), atol=1e-3)
    with pytest.raises(ExportError, match="must end in .usd, .usda or .usdc"):
        export_scene(scene, "usd", tmp_path / "room.txt", mesh_provider=None)


def _collision_points(model, data, body_name: str) -> list[np.ndarray]:
    """World points of each collision geom of a body: hull vertices, or a box's corners."""
    import mujoco

    body = model.body(body_name).id
    out = []
    for g in range(model.ngeom):
        if model.geom_bodyid[g] != body or model.geom_contype[g] == 0:
            continue
        rot, pos = data.geom_xmat[g].reshape(3, 3), data.geom_xpos[g]
        if model.geom_type[g] == mujoco.mjtGeom.mjGEOM_MESH:
            mid = model.geom_dataid[g]
            local = model.mesh_vert[model.mesh_vertadr[mid]:model.mesh_vertadr[mid] + model.mesh_vertnum[mid]]
        else:
            assert model.geom_type[g] == mujoco.mjtGeom.mjGEOM_BOX
            local = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)]) * model.geom_size[g]
        out.append(local @ rot.T + pos)
    return out


def _world_points(model, data, body_name: str, geom_type) -> np.ndarray:
    import mujoco

    body = model.body(body_name).id
    pts = []
    for g in range(model.ngeom):
        if model.geom_bodyid[g] != body or model.geom_type[g] != geom_type or model.geom_contype[g] != 0:
            continue
        if geom_type == mujoco.mjtGeom.mjGEOM_MESH:
            mid = model.geom_dataid[g]
            local = model.mesh_vert[model.mesh_vertadr[mid]:model.mesh_vertadr[mid] + model.mesh_vertnum[mid]]
            pts.append(local @ data.geom_xmat[g].reshape(3, 3).T + data.geom_xpos[g])
    return np.concatenate(pts) if pts else np.zeros((0, 3))


@pytest.mark.parametrize("fixture", ["living_room_grouped.json", "kitchen_U.json", "dining_room_rotated.json"])
def test_mjcf_loads_in_mujoco_static_with_exact_geometry(fixture, provider, tmp_path):
    mujoco = pytest.importorskip("mujoco")
    scene = load_scene(DATA / fixture)
    path = export_scene(scene, "mjcf", tmp_path / "room.xml", mesh_provider=provider)
    model = mujoco.MjModel.from_xml_path(str(path))
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    assert model.nq == 0 and model.nbody == len(scene.objects) + 1  # static: every object welded to the world
    for obj in scene.objects:
        assert np.allclose(data.body(obj.id).xpos, z_up(np.asarray(obj.position)), atol=1e-9)
        visual = _world_points(model, data, obj.id, mujoco.mjtGeom.mjGEOM_MESH)
        expected = z_up(world_mesh(obj, provider(obj)).vertices)
        assert np.allclose(_bounds(visual), _bounds(expected), atol=1e-5), obj.id
        # collision: convex parts whose union fills the object's oriented box (thin parts padded to 4 mm)
        parts = _collision_points(model, data, obj.id)
        assert parts, obj.id
        box = _bounds(z_up(world_mesh(obj, None).vertices))
        got = _bounds(np.concatenate(parts))
        assert np.all(got[0] >= box[0] - 0.0021) and np.all(got[1] <= box[1] + 0.0021), obj.id
        assert np.allclose(got, box, atol=0.0021) or obj.yaw % 90, obj.id
    # walls stand outside the floor polygon, one per edge
    from shapely.geometry import Point, Polygon

    floor = Polygon([(x, -z) for x, z in scene.room.floor])
    walls = [model.geom(i) for i in range(model.ngeom) if model.geom(i).name.startswith("wall_")]
    assert {w.name for w in walls if w.name.count("_") == 1} == {f"wall_{i}" for i in range(len(scene.room.floor))}
    for wall in walls:
        centre = data.geom_xpos[wall.id]
        assert not floor.contains(Point(centre[0], centre[1])), wall.name
    for _ in range(200):
        mujoco.mj_step(model, data)
    assert all(np.allclose(data.body(o.id).xpos, z_up(np.asarray(o.position))) for o in scene.objects)


def test_mjcf_dynamic_bodies_rest_in_place_and_wall_items_stay_fixed(scene, provider, tmp_path):
    mujoco = pytest.importorskip("mujoco")
    path = export_scene(scene, "mjcf", tmp_path / "dyn.xml", mesh_provider=provider, dynamic=True)
    model = mujoco.MjModel.from_xml_path(str(path))
    data = mujoco.MjData(model)
    free = [o for o in scene.objects if o.support not in ("wall", "ceiling")]
    assert model.njnt == len(free) and model.nq == 7 * len(free)
    mujoco.mj_forward(model, data)
    start = {o.id: data.body(o.id).xpos.copy() for o in scene.objects}
    for obj in free:  # the category's mass, scaled by volume
        assert model.body(obj.id).mass[0] == pytest.approx(object_mass(obj), rel=1e-3)
    assert object_mass(next(o for o in scene.objects if o.category == "sofa")) > object_mass(next(o for o in scene.objects if o.category == "floor_lamp"))
    for _ in range(500):  # one simulated second
        mujoco.mj_step(model, data)
    moved = {o.id: float(np.linalg.norm(data.body(o.id).xpos - start[o.id])) for o in scene.objects}
    # a rug meets only what rests on it, so the coffee table standing over its edge stays put too
    assert max(moved.values()) < 0.01, moved
    assert all(moved[o.id] == 0.0 for o in scene.objects if o.support == "wall")


@pytest.mark.blender
@pytest.mark.slow
def test_blend_opens_in_bpy_with_every_object(scene, provider, tmp_path):
    pytest.importorskip("bpy")
    path = export_scene(scene, "blend", tmp_path / "room.blend", mesh_provider=provider)
    reader = tmp_path / "read.py"
    reader.write_text(
        "import bpy, json, sys\n"
        "bpy.ops.wm.open_mainfile(filepath=sys.argv[-1])\n"
        "out = {}\n"
        "for o in bpy.data.objects:\n"
        "    if o.type == 'MESH':\n"
        "        vs = [o.matrix_world @ v.co for v in o.data.vertices]\n"
        "        out[o.name] = {'lo': [min(v[i] for v in vs) for i in range(3)], 'hi': [max(v[i] for v in vs) for i in range(3)],\n"
        "                       'colors': [a.name for a in o.data.color_attributes], 'materials': len(o.data.materials)}\n"
        "    else:\n"
        "        out[o.name] = o.type\n"
        "s = bpy.context.scene\n"
        "out['_view'] = [s.camera.name, s.render.resolution_x, s.render.resolution_y]\n"
        "print('RESULT' + json.dumps(out))\n")
    done = subprocess.run([sys.executable, "-P", str(reader), str(path)], capture_output=True, text=True, timeout=120)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
    objects = json.loads(line[len("RESULT"):])
    assert objects["top"] == "CAMERA" and {"floor", "walls"} <= set(objects)
    assert objects.pop("_view")[0] == "top"  # nothing was rendered: the file opens on the first camera
    for obj in scene.objects:
        got = objects[obj.id]
        assert got["colors"] == ["agentscene_color"] and got["materials"] == 1
        expected = _bounds(z_up(world_mesh(obj, provider(obj)).vertices))
        assert np.allclose([got["lo"], got["hi"]], expected, atol=1e-4), obj.id
    walls = objects["walls"]
    assert walls["hi"][2] == pytest.approx(scene.room.height, abs=1e-4)  # full-height walls, not the renders' low ones


def test_export_path_defaults_boxes_and_bad_input(tmp_path, provider):
    run = tmp_path / "run"
    run.mkdir()
    (run / "scene.json").write_text((DATA / "study_room.json").read_text())
    assert export_path(run, "glb") == run / "scene.glb"
    assert export_path(run, "scene-eval") == run / "scene_0.json"  # SceneEval reads the number from scene_<ID>.json
    boxes = export_path(run, "mjcf", tmp_path / "boxes.xml", assets="none")
    mujoco = pytest.importorskip("mujoco")
    model = mujoco.MjModel.from_xml_path(str(boxes))  # oriented boxes
    assert model.nmesh == 16 and set(model.mesh_vertnum) == {8}  # a visual mesh and a collision hull per object
    scene = load_scene(DATA / "study_room.json")
    bare = scene.model_copy(update={"objects": ()})
    for fmt in ("glb", "usd", "mjcf", "scene-eval"):
        assert export_scene(bare, fmt, tmp_path / f"bare.{fmt}".replace(".usd", ".usda").replace(".mjcf", ".xml"),
                            mesh_provider=None).is_file()
    with pytest.raises(ExportError, match="is not a scene file"):
        export_path(tmp_path / "missing.json", "glb")
    (tmp_path / "bad.json").write_text('{"room": 1}')
    with pytest.raises(ExportError):
        export_path(tmp_path / "bad.json", "glb")
    with pytest.raises(ExportError, match="asset backend '3d-future'"):
        export_path(run, "glb", tmp_path / "x.glb", assets="3d-future")
    (tmp_path / "dir.glb").mkdir()
    with pytest.raises(ExportError, match="cannot write"):
        export_path(run, "glb", tmp_path / "dir.glb")


def test_broken_meshes_fall_back_to_boxes(tmp_path):
    import trimesh

    scene = load_scene(DATA / "bedroom_basic.json")

    def broken(obj):
        mesh = trimesh.creation.box()
        if obj.id == "bed_1":
            mesh.vertices[0] = [np.nan, 0, 0]
        return mesh

    path = export_scene(scene, "glb", tmp_path / "b.glb", mesh_provider=broken)
    loaded = trimesh.load(path, force="scene")
    bed = [n for n in loaded.graph.nodes_geometry if n.startswith("bed_1#")]
    pts = np.concatenate([trimesh.transform_points(loaded.geometry[loaded.graph[n][1]].vertices, loaded.graph[n][0]) for n in bed])
    assert np.allclose(_bounds(pts), world_mesh(scene.objects[0], None).bounds, atol=1e-6)


def test_cli_export(tmp_path):
    runner = CliRunner()
    out = tmp_path / "room.glb"
    result = runner.invoke(app, ["export", str(DATA / "bedroom_basic.json"), "--format", "glb", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and out.read_bytes()[:4] == b"glTF"
    bad = runner.invoke(app, ["export", str(DATA / "bedroom_basic.json"), "--format", "fbx"])
    assert bad.exit_code == 1 and "unknown export format 'fbx'" in bad.output and "Traceback" not in bad.output
    missing = runner.invoke(app, ["export", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and "is not a scene file" in missing.output
    no_data = runner.invoke(app, ["export", str(DATA / "bedroom_basic.json"), "--assets", "3d-future",
                                  "--assets-option", f"root={tmp_path / 'no-such-dataset'}", "--out", str(tmp_path / "x.glb")])
    assert no_data.exit_code == 1 and "is not a directory" in no_data.output and "Traceback" not in no_data.output
    bad_option = runner.invoke(app, ["export", str(DATA / "bedroom_basic.json"), "--assets-option", "novalue"])
    assert bad_option.exit_code == 1 and "must look like KEY=VALUE" in bad_option.output
