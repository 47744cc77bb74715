"""`agentscene assets ...` end to end through the real CLI app."""

from __future__ import annotations

import json

import pytest
import trimesh
from typer.testing import CliRunner

from agentscene import load_scene
from agentscene.assets.synthetic import SyntheticModel, write_future3d
from agentscene.cli import app

from .conftest import SCENE_DIR

runner = CliRunner()


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    """Default caches live under ~/.cache: keep them in the test's own directory."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def run(*args):
    return runner.invoke(app, ["assets", *map(str, args)])


@pytest.fixture
def dataset(tmp_path):
    return write_future3d(tmp_path / "3D-FUTURE-model", [
        SyntheticModel("t-oak", "Dining Table", (1.6, 0.75, 0.9), material="Oak"),
        SyntheticModel("t-big", "Dining Table", (2.4, 0.75, 1.1), material="Oak"),
        SyntheticModel("s-1", "Three-Seat / Multi-seat Sofa", (2.1, 0.85, 0.9), material="Cloth"),
        SyntheticModel("n-1", "Nightstand", (0.5, 0.55, 0.4), mesh="box"),
    ])


def test_backends_lists_the_default():
    r = run("backends")
    assert r.exit_code == 0 and "procedural  (default)" in r.stdout and "3d-future" in r.stdout


def test_find_procedural_json_and_table():
    r = run("find", "oak dining table", "--size", 1.6, 0.75, 0.9, "--embedder", "hashing", "--json", "-k", 2)
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    assert len(got) == 2 and got[0]["category"] == "dining_table"
    r = run("find", "oak dining table", "--embedder", "hashing")
    assert r.exit_code == 0 and "dining_table" in r.stdout


def test_index_then_find_3d_future(dataset, tmp_path):
    r = run("index", dataset, "--kind", "3d-future", "--index-dir", tmp_path / "idx", "--embedder", "hashing")
    assert r.exit_code == 0, r.output
    assert "indexed 4 3d-future assets" in r.stdout and "dining_table 2" in r.stdout
    r = run("find", "oak dining table", "--size", 2.4, 0.75, 1.1, "--backend", "3d-future", "--root", dataset,
            "--index-dir", tmp_path / "idx", "--embedder", "hashing", "--json", "-k", 1)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)[0]["asset_id"] == "t-big"
    assert json.loads(r.stdout)[0]["size_score"] == pytest.approx(1.0)


def test_index_errors(tmp_path):
    r = run("index", tmp_path, "--kind", "shapenet")
    assert r.exit_code == 1 and "3d-future or objaverse" in r.output
    r = run("index", tmp_path / "missing", "--kind", "3d-future")
    assert r.exit_code == 1 and "not a directory" in r.output
    r = run("index", tmp_path, "--kind", "3d-future", "--embedder", "hashing", "--index-dir", tmp_path / "i")
    assert r.exit_code == 1 and "model_info.json" in r.output
    r = run("find", "x", "--backend", "3d-future")
    assert r.exit_code != 0 and "--root" in r.output
    r = run("find", "x", "--backend", "nope")
    assert r.exit_code == 1 and "unknown asset backend" in r.output


def test_assign_writes_a_scene_with_assets(tmp_path):
    out = tmp_path / "out.json"
    r = run("assign", SCENE_DIR / "living_room_grouped.json", out, "--embedder", "hashing")
    assert r.exit_code == 0, r.output
    scene = load_scene(out)
    assert all(o.asset is not None and o.asset.source == "procedural" for o in scene.objects)
    assert "assigned" in r.stdout
    r = run("assign", tmp_path / "missing.json", out)
    assert r.exit_code == 1


def test_mesh_export(tmp_path):
    r = run("mesh", "procedural:bed:3", tmp_path / "bed.glb")
    assert r.exit_code == 0, r.output
    m = trimesh.load(tmp_path / "bed.glb", force="mesh")
    assert len(m.faces) > 50 and "faces" in r.stdout
    r = run("mesh", "procedural:unicorn:3", tmp_path / "x.glb")
    assert r.exit_code == 1 and "unknown category" in r.output
