"""Our SceneEval exports read the way SceneEval's own code reads them (scenes/trimesh_scene.py,
assets/*.py, scenes/annotations.py, main.py): each modelId's file loaded as stored with trimesh,
the column-major 4x4 applied, annotations indexed by scene number. World boxes match ours to the
micrometre, and SceneEval's collision and out-of-bounds algorithms on the loaded meshes flag what
our compat mode flags."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
import trimesh
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from agentscene.assets import get_backend, mesh_provider
from agentscene.assets.synthetic import SyntheticModel, write_future3d
from agentscene.cli import app
from agentscene.exporters import ExportError, export_path, export_scene
from agentscene.exporters.parts import z_up
from agentscene.formats import load_scene
from agentscene.meshes import world_mesh
from agentscene.rewards import evaluate
from agentscene.scene import Asset, Opening, Room, Scene, SceneObject

DATA = Path(__file__).parent / "data" / "scenes"


@pytest.fixture(scope="module")
def procedural():
    return mesh_provider(get_backend("procedural", embedder=None))


def obj(oid, category, size, position, yaw=0.0, support="floor", asset=None) -> SceneObject:
    return SceneObject(id=oid, category=category, description=category.replace("_", " "), size=size, position=position,
                       yaw=yaw, support=support, asset=asset)


def load_like_scene_eval(state: dict, folder: Path, future_root: Path | None = None) -> dict[str, trimesh.Trimesh]:
    """SceneEval's TrimeshScene.load_obj: trimesh.load(file, force="mesh") + transform.data (column-major)."""
    out = {}
    for item in state["scene"]["object"]:
        prefix, asset_id = item["modelId"].split(".")  # SceneEval's Retriever: exactly one dot
        if prefix == "3dfModel":
            path = future_root / asset_id / "raw_model.obj"
        else:
            assert prefix == "agentscene"
            path = folder / "agentscene-assets" / f"{asset_id}.glb"
        mesh = trimesh.load(path, force="mesh")
        mesh.apply_transform(np.asarray(item["transform"]["data"]).reshape(4, 4).T)
        out[item["id"]] = mesh
    return out


def _bounds(points: np.ndarray) -> np.ndarray:
    return np.stack([points.min(axis=0), points.max(axis=0)])


def test_procedural_sizes_boxes_and_3d_future_files_land_on_our_boxes(tmp_path, procedural):
    root = write_future3d(tmp_path / "3D-FUTURE-model", [SyntheticModel("a1", "Dining Table", size=(1.6, 0.75, 0.9))])
    raw = trimesh.load(root / "a1" / "raw_model.obj", force="mesh")  # a raw file that is off-centre and z up
    raw.apply_transform(trimesh.transformations.rotation_matrix(math.pi / 2, [1, 0, 0]))
    raw.apply_translation((0.3, -0.2, 0.5))
    (root / "a1" / "raw_model.obj").write_text(trimesh.exchange.obj.export_obj(raw, include_color=False))
    future = mesh_provider(get_backend("3d-future", root=root, up="+z", front="-y", embedder="hashing"),
                           fallback=get_backend("procedural", embedder=None))
    rug = Asset(source="procedural", asset_id="procedural:rug:3")
    scene = Scene(room=Room(floor=((0, 0), (6, 0), (6, 5), (0, 5)), height=2.8), objects=(
        obj("table_1", "dining_table", (1.8, 0.8, 1.0), (2.0, 0.0, 2.0), yaw=30, asset=Asset(source="3d-future", asset_id="a1")),
        obj("rug_1", "rug", (2.9, 0.01, 2.2), (3.5, 0.0, 2.5), asset=rug),  # one asset id, two sizes
        obj("rug_2", "rug", (1.0, 0.01, 0.6), (1.0, 0.0, 4.0), yaw=90, asset=rug),
        obj("chair_1", "chair", (0.5, 0.9, 0.5), (5.0, 0.0, 1.0), yaw=-20),
        obj("chair_2", "chair", (0.5, 0.9, 0.5), (5.0, 0.0, 2.0), yaw=-20),  # identical: one model id
    ))
    path = export_scene(scene, "scene-eval", tmp_path / "out" / "scene_0.json", mesh_provider=future)
    state = json.loads(path.read_text())
    items = {i["id"]: i for i in state["scene"]["object"]}
    assert items["table_1"]["modelId"] == "3dfModel.a1"
    assert items["rug_1"]["modelId"] != items["rug_2"]["modelId"] and items["chair_1"]["modelId"] == items["chair_2"]["modelId"]
    assert all(i["modelId"].startswith("agentscene.") for k, i in items.items() if k != "table_1")
    for k, i in items.items():
        if k != "table_1":  # our own meshes are written at the object's size: no stretch left for SceneEval
            assert np.allclose(i["transform"]["scale"], 1.0)
    loaded = load_like_scene_eval(state, tmp_path / "out", root)
    for o in scene.objects:
        want = _bounds(z_up(world_mesh(o, future(o)).vertices))
        assert np.allclose(loaded[o.id].bounds, want, atol=1e-5), o.id
    assert np.allclose(loaded["rug_1"].extents[:2], [2.9, 2.2], atol=1e-5)  # was 2.0 x 1.4 with the catalogue mesh
    models = json.loads((tmp_path / "out" / "agentscene-assets" / "models.json").read_text())
    assert set(models) == {i["modelId"].split(".")[1] for k, i in items.items() if k != "table_1"}
    boxes = export_scene(scene, "scene-eval", tmp_path / "boxes" / "scene_0.json", mesh_provider=None)
    for o, mesh in load_like_scene_eval(json.loads(boxes.read_text()), tmp_path / "boxes").items():
        assert np.allclose(mesh.bounds, _bounds(z_up(world_mesh(scene.get(o), None).vertices)), atol=1e-6)


def _scene_eval_collisions(meshes: dict[str, trimesh.Trimesh], ids: list[str]) -> set[tuple[str, str]]:
    """SceneEval's CollisionMetric.run, on trimesh's CollisionManager."""
    manager = trimesh.collision.CollisionManager()
    out = set()
    for i, a in enumerate(ids):
        manager.add_object(a, meshes[a])
        for b in ids[i + 1:]:
            hit, data = manager.in_collision_single(meshes[b], return_data=True)
            if hit:
                direction = meshes[b].centroid - np.mean([c.point for c in data], axis=0)
                moved = meshes[b].copy()
                moved.apply_translation(direction / np.linalg.norm(direction) * 0.005)
                if manager.in_collision_single(moved):
                    out.add((a, b))
        manager.remove_object(a)
    return out


def _scene_eval_oob(meshes: dict[str, trimesh.Trimesh], floor_points: list) -> set[str]:
    """SceneEval's OutOfBoundMetric.run: surface samples cast down onto the extruded floor."""
    from shapely.geometry import Polygon

    floor_height = min(m.bounds[0][2] for m in meshes.values())
    floor = trimesh.creation.extrude_polygon(Polygon(np.asarray(floor_points)[:, :2]), 0.001)
    floor.apply_translation([0, 0, floor_height - 0.0005])
    out = set()
    rng = np.random.default_rng(0)
    for oid, mesh in meshes.items():
        n = int(max(mesh.bounding_box_oriented.volume * 5000, 1000))
        pts, _ = trimesh.sample.sample_surface(mesh, n, seed=rng)
        hits, _, _ = floor.ray.intersects_location(pts, np.tile([0, 0, -1], (n, 1)), multiple_hits=False)
        if 1 - (n - len(hits)) / n < 0.99:
            out.add(oid)
    return out


def test_scene_eval_algorithms_on_the_export_agree_with_our_compat_mode(tmp_path, procedural):
    scene = Scene(room=Room(floor=((0, 0), (5, 0), (5, 4), (0, 4)), height=2.8), objects=(
        obj("rug_1", "rug", (2.0, 0.01, 1.4), (2.5, 0.0, 2.0)),
        obj("coffee_table_1", "coffee_table", (1.0, 0.42, 0.6), (2.5, 0.0, 2.0)),
        obj("desk_1", "desk", (1.4, 0.75, 0.7), (1.0, 0.0, 0.5)),
        obj("table_lamp_1", "table_lamp", (0.3, 0.5, 0.3), (0.7, 0.75, 0.5), support="desk_1"),
        obj("chair_1", "chair", (0.5, 0.9, 0.5), (4.0, 0.0, 3.0)),
        obj("chair_2", "chair", (0.5, 0.9, 0.5), (4.2, 0.0, 3.1), yaw=20),
        obj("sofa_1", "sofa", (2.0, 0.85, 0.9), (4.6, 0.0, 1.2), yaw=90),  # crosses the east wall
        obj("plant_1", "plant", (0.4, 1.1, 0.4), (5.3, 0.0, 3.5)),  # outside
    ))
    path = export_scene(scene, "scene-eval", tmp_path / "scene_0.json", mesh_provider=procedural)
    state = json.loads(path.read_text())
    meshes = load_like_scene_eval(state, tmp_path)
    ids = [o.id for o in scene.objects]
    ours = evaluate(scene, compat="scene-eval", mesh_provider=procedural).scene_eval
    assert _scene_eval_collisions(meshes, ids) == set(ours.colliding_pairs) == {("rug_1", "coffee_table_1"), ("chair_1", "chair_2")}
    floor = next(e for e in state["scene"]["arch"]["elements"] if e["type"] == "Floor")["points"]
    assert _scene_eval_oob(meshes, floor) == {b.id for b in ours.out_of_bounds if b.out_of_bound} == {"sofa_1", "plant_1"}


def test_architecture_lines_up_for_l_shaped_rooms_doors_and_windows(tmp_path):
    scene = load_scene(DATA / "living_room_L.json")
    scene = scene.model_copy(update={"room": scene.room.model_copy(update={"openings": (
        Opening(kind="door", wall=0, offset=1.0, width=0.9, height=2.1),
        Opening(kind="window", wall=3, offset=1.2, width=1.4, height=1.2, sill=0.9),
        Opening(kind="opening", wall=5, offset=2.0, width=1.2, height=2.2))})})
    path = export_scene(scene, "scene-eval", tmp_path / "scene_0.json", mesh_provider=None)
    elements = json.loads(path.read_text())["scene"]["arch"]["elements"]
    floor = next(e for e in elements if e["type"] == "Floor")
    assert floor["points"] == [[x, -z, 0.0] for x, z in scene.room.floor]
    walls = [e for e in elements if e["type"] == "Wall"]
    assert len(walls) == 6
    for i, wall in enumerate(walls):
        (x0, z0), (x1, z1) = scene.room.floor[i], scene.room.floor[(i + 1) % 6]
        assert wall["points"] == [[x0, -z0, 0.0], [x1, -z1, 0.0]] and wall["height"] == scene.room.height
    for op in scene.room.openings:  # SceneEval cuts hole k at wall-min-x + box: the offset from the wall's first point
        hole = walls[op.wall]["holes"][0]
        assert hole["type"] == ("Window" if op.kind == "window" else "Door")
        assert hole["box"] == {"min": [op.offset - op.width / 2, op.sill], "max": [op.offset + op.width / 2, op.sill + op.height]}


def _fake_batch(tmp_path: Path, scenes: dict[str, tuple[str, Scene]]) -> Path:
    from agentscene.batch.summary import BatchSummary, EpisodeRow

    batch = tmp_path / "batch"
    rows = []
    for k, (name, (prompt, scene)) in enumerate(scenes.items()):
        (batch / name).mkdir(parents=True)
        (batch / name / "scene.json").write_text(scene.model_dump_json())
        rows.append(EpisodeRow(index=k, line=k + 1, prompt=prompt, name=name, status="ok"))
    rows.append(EpisodeRow(index=len(rows), line=9, prompt="a failed one", name="failed", status="error"))
    summary = BatchSummary(prompts_file="p.txt", prompts_sha256="0" * 64, out=str(batch), backend="process", workers=1,
                           indices="all", continue_on_error=True, config={}, started_at="now", updated_at="now",
                           finished=True, episodes=rows)
    (batch / "batch_summary.json").write_text(summary.model_dump_json())
    return batch


def test_batch_export_is_a_ready_scene_eval_input_folder(tmp_path):
    bedroom = load_scene(DATA / "bedroom_basic.json")
    living = load_scene(DATA / "living_room_grouped.json")
    batch = _fake_batch(tmp_path, {"000_bedroom": ("A bedroom; with a bed", bedroom), "001_living": ("A living room", living)})
    runner = CliRunner()
    result = runner.invoke(app, ["export", str(batch), "--format", "scene-eval", "--out", str(tmp_path / "input"),
                                 "--assets", "none"])  # oriented boxes keep the text-embedding model unloaded
    assert result.exit_code == 0, result.output
    out = tmp_path / "input"
    assert sorted(p.name for p in (out / "AgentScene").iterdir()) == ["scene_0.json", "scene_1.json"]
    # SceneEval's Annotations: DictReader, every cell split on ';', the first part kept; row k is scene_k
    with open(out / "annotations.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["ID"] for r in rows] == ["0", "1"] and rows[0]["Description"].split(";")[0] == "A bedroom, with a bed"
    assert all(r["Difficulty"] for r in rows)
    index = json.loads((out / "index.json").read_text())
    assert [i["run"] for i in index] == ["000_bedroom", "001_living"]
    for k, scene in enumerate((bedroom, living)):
        state = json.loads((out / "AgentScene" / f"scene_{k}.json").read_text())
        assert state["scene"]["id"] == f"scene_{k}" and int(f"scene_{k}".split("_")[-1]) == k
        meshes = load_like_scene_eval(state, out)  # every model id has its GLB
        assert set(meshes) == {o.id for o in scene.objects}
    assert runner.invoke(app, ["export", str(batch), "--format", "glb"]).exit_code == 1
    with pytest.raises(ExportError, match="exports only as scene-eval"):
        export_path(batch, "usd")
    table = runner.invoke(app, ["eval", str(batch), "--table", "scene-eval", "--assets", "none"])
    assert table.exit_code == 0, table.output
    for word in ("Col.", "OOB", "Nav.", "Opn.", "bedroom (1)", "living room (1)", "mean (2)"):
        assert word in table.output
    smith = runner.invoke(app, ["eval", str(batch), "--table", "scenesmith", "--assets", "none"])
    assert smith.exit_code == 0 and "Stable (%)" in smith.output and "mean (2)" in smith.output
    revis = runner.invoke(app, ["eval", str(batch), "--table", "scenerevis", "--compat", "scene-eval", "--assets", "none"])
    assert revis.exit_code == 1 and "uses --compat scenerevis" in revis.output


@settings(max_examples=25, deadline=None)
@given(yaw=st.floats(-720, 720), size=st.tuples(*[st.floats(0.01, 5)] * 3),
       pos=st.tuples(st.floats(-10, 10), st.floats(0, 3), st.floats(-10, 10)))
def test_own_box_models_land_on_the_oriented_box(yaw, size, pos):
    from agentscene.exporters.parts import object_mesh
    from agentscene.exporters.scene_eval import model_for, transform

    o = SceneObject(id="o_1", category="box", description="a box", position=pos, yaw=yaw, size=size)
    model = model_for(object_mesh(o, None, []))
    t = transform(model.matrix)
    m = np.array(t["data"]).reshape(4, 4).T
    got = np.asarray(model.mesh.vertices) @ m[:3, :3].T + m[:3, 3]
    want = z_up(world_mesh(o, None).vertices)
    gaps = np.linalg.norm(got[:, None, :] - want[None, :, :], axis=2)  # the same corners, as sets
    assert gaps.min(axis=1).max() < 1e-7 and gaps.min(axis=0).max() < 1e-7
    assert np.allclose(t["scale"], 1.0) and math.isclose(np.linalg.norm(t["rotation"]), 1.0)
    assert model.model_id.startswith("agentscene.box-") and model.model_id.count(".") == 1
