"""JSONL records: shape, limit, determinism, atomic writes, multi-view images whose K, R, t are right, CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from agentscene.cli import app
from agentscene.datasets import (
    DatasetSettings,
    build_records,
    build_view_records,
    load_sources,
    scene_files,
)
from agentscene.formats import load_scene
from agentscene.tools import apply_tool_calls

DATA = Path(__file__).parent / "data"
SCENES = DATA / "scenes"
COMMON_KEYS = ["id", "task", "scene_id", "scene_path", "images", "geom"]


@pytest.fixture(scope="module")
def sources():
    srcs, problems = load_sources([SCENES])
    assert not problems and len(srcs) == 14
    return srcs


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_records_have_the_common_shape(tmp_path, sources):
    out = tmp_path / "records.jsonl"
    summary = build_records(sources, out, DatasetSettings(tasks=("actions", "qa"), per_scene=6, seed=1))
    records = lines(out)
    assert len(records) == summary.records == sum(summary.by_task.values())
    assert len({r["id"] for r in records}) == len(records)
    for r in records:
        assert list(r)[: len(COMMON_KEYS)] == COMMON_KEYS
        assert r["images"] == [] and all(r["geom"][k] == [] for k in ("K", "R", "t"))
        if r["task"] == "instruction_action":
            assert isinstance(r["instruction"], str) and isinstance(r["action_json"], list) and "question" not in r
            scene = load_scene(tmp_path / r["scene_path"])
            assert all(res.ok for res in apply_tool_calls(scene, r["action_json"]).results)
        else:
            assert r["task"].startswith("qa_") and {"question", "answer", "answer_value"} <= set(r)
    assert {r["scene_id"] for r in records} == {s.scene_id for s in sources}
    for src in sources:  # the scene files beside the records are the scenes the records were made from
        assert load_scene(tmp_path / "scenes" / f"{src.scene_id}.json") == src.scene
    assert not list(tmp_path.rglob("*.tmp"))


def test_limit_spreads_over_scenes_and_is_exact(tmp_path, sources):
    out = tmp_path / "r.jsonl"
    summary = build_records(sources, out, DatasetSettings(limit=28, per_scene=50))
    records = lines(out)
    assert len(records) == 28 == summary.records
    per_scene = {}
    for r in records:
        per_scene[r["scene_id"]] = per_scene.get(r["scene_id"], 0) + 1
    assert set(per_scene.values()) == {2}
    big = build_records(sources, tmp_path / "all.jsonl", DatasetSettings(limit=100_000, per_scene=3))
    assert big.records <= 3 * len(sources)


def test_same_seed_same_bytes_other_seed_other_records(tmp_path, sources):
    settings = DatasetSettings(tasks=("actions", "qa"), per_scene=8, seed=5)
    build_records(sources, tmp_path / "a.jsonl", settings)
    build_records(sources, tmp_path / "b.jsonl", settings)
    build_records(sources, tmp_path / "c.jsonl", settings.model_copy(update={"seed": 6}))
    a, b, c = ((tmp_path / n).read_bytes() for n in ("a.jsonl", "b.jsonl", "c.jsonl"))
    assert a == b and a != c


def test_embedded_scenes(tmp_path, sources):
    out = tmp_path / "e.jsonl"
    build_records(sources[:2], out, DatasetSettings(per_scene=2, embed_scene=True))
    records = lines(out)
    assert all("scene_path" not in r and load_scene(r["scene"]) == sources[[s.scene_id for s in sources].index(r["scene_id"])].scene for r in records)
    assert not (tmp_path / "scenes").exists()


def _project(K, R, t, projection, point):
    p = np.asarray(R) @ np.asarray(point, float) + np.asarray(t)
    xy = p[:2] / p[2] if projection == "perspective" else p[:2]
    K = np.asarray(K)
    return K[0, 0] * xy[0] + K[0, 2], K[1, 1] * xy[1] + K[1, 2], p[2]


def test_images_and_cameras_line_up(tmp_path, sources):
    pytest.importorskip("moderngl")
    src = next(s for s in sources if s.scene_id == "bedroom_basic")
    out = tmp_path / "r.jsonl"
    try:
        summary = build_records([src], out, DatasetSettings(per_scene=3, images=True, views=3, size=96))
    except ImportError as e:  # RendererUnavailableError
        pytest.skip(str(e))
    records = lines(out)
    assert summary.images == 4 and len(records) == 3
    first = records[0]
    assert all(r["images"] == first["images"] and r["geom"] == first["geom"] for r in records)  # rendered once per scene
    geom = first["geom"]
    assert geom["views"] == ["ring_00", "ring_01", "ring_02", "top"] and len(first["images"]) == 4
    assert geom["projection"] == ["perspective"] * 3 + ["orthographic"]
    assert first["images"] == [f"images/bedroom_basic/{v}.png" for v in geom["views"]]
    # render again without the wardrobe: pixels change exactly where K, R, t put it
    without = src.scene.with_objects([o for o in src.scene.objects if o.id != "wardrobe_1"])
    from agentscene.datasets import view_cameras
    from agentscene.renderers import get_renderer

    renderer = get_renderer("raster")
    try:
        cams = view_cameras(without, 3, 96)
        empty = renderer.render(without, views=cams, size=96, overlays=False)
    finally:
        renderer.close()
    wardrobe = src.scene["wardrobe_1"]
    centre = (wardrobe.position[0], wardrobe.position[1] + wardrobe.size[1] / 2, wardrobe.position[2])
    for k, view in enumerate(geom["views"]):
        img = np.asarray(Image.open(tmp_path / first["images"][k]).convert("RGB"), dtype=int)
        assert img.shape == (96, 96, 3)
        u, v, depth = _project(geom["K"][k], geom["R"][k], geom["t"][k], geom["projection"][k], centre)
        assert depth > 0 and 0 <= u < 96 and 0 <= v < 96, view
        ref = np.asarray(empty.images[view].convert("RGB"), dtype=int)
        assert np.abs(img[int(v), int(u)] - ref[int(v), int(u)]).sum() > 30, view
        assert np.allclose(np.asarray(geom["R"][k]) @ np.asarray(geom["R"][k]).T, np.eye(3), atol=1e-5)


def test_view_records(tmp_path, sources):
    pytest.importorskip("moderngl")
    out = tmp_path / "views" / "views.jsonl"
    try:
        summary = build_view_records(sources[:2], out, DatasetSettings(views=2, size=64, top=False))
    except ImportError as e:
        pytest.skip(str(e))
    records = lines(out)
    assert summary.records == 2 and [r["task"] for r in records] == ["multiview", "multiview"]
    for r in records:
        assert len(r["images"]) == 2 == len(r["geom"]["K"]) and r["geom"]["projection"] == ["perspective"] * 2
        assert all((out.parent / p).is_file() for p in r["images"])


def test_scene_discovery(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    shutil.copy(SCENES / "study_room.json", a / "room.json")
    shutil.copy(SCENES / "kitchen_U.json", b / "room.json")
    (b / "notes.json").write_text('{"hello": 1}')
    assert [p.name for p in scene_files([a, b / "room.json"])] == ["room.json", "room.json"]
    srcs, problems = load_sources([a, b])
    assert [s.scene_id for s in srcs] == ["room", "room_2"]
    assert len(problems) == 1 and "notes.json" in problems[0]


runner = CliRunner()


def test_cli_actions_and_qa(tmp_path):
    out = tmp_path / "records.jsonl"
    res = runner.invoke(app, ["data", "actions", str(SCENES), str(DATA / "roomplan" / "kitchen.json"), "--out", str(out), "--limit", "45", "--seed", "3", "--qa"])
    assert res.exit_code == 0, res.output
    records = lines(out)
    assert len(records) == 45 and "45 records from 15 scenes" in res.output
    assert {r["task"] for r in records} > {"instruction_action"}
    assert any(r["scene_id"] == "kitchen" for r in records)  # a RoomPlan capture, detected on the way in
    res = runner.invoke(app, ["data", "qa", str(SCENES / "study_room.json"), "--out", str(tmp_path / "qa.jsonl"), "--per-scene", "5"])
    assert res.exit_code == 0 and all(r["task"].startswith("qa_") for r in lines(tmp_path / "qa.jsonl"))


def test_cli_views(tmp_path):
    pytest.importorskip("moderngl")
    res = runner.invoke(app, ["data", "views", str(SCENES / "study_room.json"), "--views", "2", "--size", "64", "--out", str(tmp_path / "v")])
    assert res.exit_code == 0, res.output
    (record,) = lines(tmp_path / "v" / "views.jsonl")
    assert len(record["images"]) == 3


@pytest.mark.parametrize("args, message", [
    (["data", "actions", "nope.json"], "no readable scenes"),
    (["data", "actions", str(SCENES), "--verify", "vibes"], "--verify must be boxes or physics"),
    (["data", "actions", str(SCENES), "--from", "klingon"], "unknown dialect"),
    (["data", "views", str(SCENES / "study_room.json"), "--renderer", "crayon"], "unknown renderer"),
])
def test_cli_bad_input(tmp_path, args, message):
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "x")])
    assert res.exit_code != 0 and message in res.output, res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "x").exists() or not list((tmp_path / "x").iterdir())
