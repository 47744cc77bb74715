"""Scanned rooms through the whole stack: import -> formats -> tools -> evaluate -> render -> records."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from agentscene.formats import (
    dump_scene,
    load_scene,
    roomplan,  # noqa: F401  (registers the dialect)
    save_scene,
)
from agentscene.tools import apply_tool

DATA = Path(__file__).parent / "data" / "roomplan"
CAPTURES = ["bedroom.json", "living_room_L.json", "kitchen.json"]
EXPECTED = json.loads((DATA / "expected.json").read_text())


@pytest.mark.parametrize("name", CAPTURES)
def test_native_and_scenerevis_round_trips(name, tmp_path):
    scene = load_scene(DATA / name)
    path = save_scene(scene, tmp_path / "scene.json")
    assert load_scene(path) == scene
    flat = load_scene(dump_scene(scene, "scenerevis"))
    assert [o.position for o in flat.objects] == [pytest.approx(o.position) for o in scene.objects]
    assert flat.room.floor == scene.room.floor


@pytest.mark.parametrize("name", CAPTURES)
def test_tools_edit_imported_scenes(name):
    scene = load_scene(DATA / name)
    obj = scene.objects[0]
    cx, cz = scene.room.center
    moved = apply_tool(scene, "move_object", {"object_id": obj.id, "position": [cx, 0.0, cz]})
    assert moved.ok, moved.message
    assert moved.scene[obj.id].position == (cx, 0.0, cz)
    added = apply_tool(scene, "add_object", {"description": "tall leafy plant", "position": [cx, 0.0, cz], "yaw": 0, "size": [0.4, 1.2, 0.4]})
    assert added.ok and added.object_id == "plant_1"
    outside = apply_tool(scene, "move_object", {"object_id": obj.id, "position": [-50.0, 0.0, -50.0]})
    assert not outside.ok and outside.error == "outside_room"


@pytest.mark.parametrize("name", CAPTURES)
def test_evaluate_imported_scenes(name):
    rewards = pytest.importorskip("agentscene.rewards")
    if not hasattr(rewards, "evaluate"):
        pytest.skip("agentscene.rewards.evaluate has not landed")
    scene = load_scene(DATA / name)
    report = rewards.evaluate(scene)
    assert report.n_objects == len(scene.objects)
    assert sorted(sorted((p.a, p.b)) for p in report.colliding_pairs) == EXPECTED[name]["collisions"]
    assert report.oob_rate == 0.0
    assert not report.floating  # the TV on its cabinet counts as supported
    assert all(not d.blocked for d in report.door_clearance or [])


def test_render_imported_scene_puts_the_bed_where_the_camera_says():
    renderers = pytest.importorskip("agentscene.renderers")
    if not hasattr(renderers, "get_renderer"):
        pytest.skip("agentscene.renderers has not landed")
    scene = load_scene(DATA / "bedroom.json")
    without_bed = scene.with_objects([o for o in scene.objects if o.category != "bed"])
    renderer = renderers.get_renderer("raster")
    cam = renderers.top_camera(scene, 128)
    try:
        with_img = renderer.render(scene, views=[cam], size=128, overlays=False).images["top"]
        empty_img = renderer.render(without_bed, views=[cam], size=128, overlays=False).images["top"]
    except renderers.RendererUnavailableError as e:
        pytest.skip(str(e))
    finally:
        renderer.close()
    bed = scene["bed_1"]
    uv, _ = cam.project(np.array([[bed.position[0], bed.top, bed.position[2]]]))
    u, v = uv[0]
    a = np.asarray(with_img.convert("RGB"), dtype=int)
    b = np.asarray(empty_img.convert("RGB"), dtype=int)
    assert np.abs(a[int(v), int(u)] - b[int(v), int(u)]).sum() > 30  # the bed is drawn where K, R, t put it
    corner = cam.project(np.array([[0.05, 0.0, 0.05]]))[0][0]
    assert np.abs(a[int(corner[1]), int(corner[0])] - b[int(corner[1]), int(corner[0])]).sum() == 0


def test_records_from_captures(tmp_path):
    from agentscene.datasets import DatasetSettings, build_records, load_sources

    sources, problems = load_sources([DATA / name for name in CAPTURES])
    assert not problems and [s.scene_id for s in sources] == ["bedroom", "living_room_L", "kitchen"]
    summary = build_records(sources, tmp_path / "r.jsonl", DatasetSettings(tasks=("actions", "qa"), per_scene=10, seed=4))
    assert summary.scenes == 3 and summary.records > 40
    rng = random.Random(0)
    lines = (tmp_path / "r.jsonl").read_text().splitlines()
    for line in rng.sample(lines, 10):
        record = json.loads(line)
        scene = load_scene(tmp_path / record["scene_path"])
        assert scene.metadata["source"] == "roomplan"
