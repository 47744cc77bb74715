from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
from typer.testing import CliRunner

from agentscene.cli import app
from agentscene.formats import load_scene

from .conftest import SCENE_DIR, fixture_paths

runner = CliRunner()


def test_version_via_the_real_entry_point():
    out = subprocess.run([sys.executable, "-m", "agentscene", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("agentscene ")


def test_validate_good_files():
    result = runner.invoke(app, ["validate", *map(str, fixture_paths())])
    assert result.exit_code == 0, result.output
    assert result.output.count("✓") == len(fixture_paths())


def test_validate_bad_files_exit_1_without_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema_version": 1, "room": {"floor": [[0, 0], [1, 0], [1, 1]]},
                               "objects": [{"id": "a", "description": "x", "size": [1, -1, 1], "position": [0, 0, 0]}]}))
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    out = subprocess.run([sys.executable, "-m", "agentscene", "validate", str(SCENE_DIR / "bedroom_basic.json"), str(bad), str(broken)],
                         capture_output=True, text=True)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr + out.stdout
    assert "objects[0].size[1]: must be greater than 0" in out.stderr
    assert "invalid JSON at line 1" in out.stderr
    assert "✓" in out.stdout


def test_convert_between_dialects(tmp_path):
    src = SCENE_DIR / "bedroom_clockwise_scenerevis.json"
    native = tmp_path / "native.json"
    back = tmp_path / "back.json"
    assert runner.invoke(app, ["convert", str(src), str(native), "--to", "native"]).exit_code == 0
    assert json.loads(native.read_text())["schema_version"] == 1
    assert runner.invoke(app, ["convert", str(native), str(back), "--to", "scenerevis"]).exit_code == 0
    assert json.loads(back.read_text()) == json.loads(src.read_text())
    grouped = tmp_path / "g.json"
    assert runner.invoke(app, ["convert", str(src), str(grouped), "--to", "scenerevis-grouped"]).exit_code == 0
    assert load_scene(grouped) == load_scene(src)


def test_convert_errors(tmp_path):
    r = runner.invoke(app, ["convert", str(SCENE_DIR / "bedroom_basic.json"), str(tmp_path / "x.json"), "--to", "fbx"])
    assert r.exit_code == 1 and "unknown dialect" in r.output
    r = runner.invoke(app, ["convert", str(tmp_path / "missing.json"), str(tmp_path / "x.json")])
    assert r.exit_code == 1 and "file not found" in r.output
    assert not (tmp_path / "x.json").exists()


def test_schema_and_tools_print_json(tmp_path):
    r = runner.invoke(app, ["schema"])
    schema = json.loads(r.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    r = runner.invoke(app, ["tools"])
    assert [t["function"]["name"] for t in json.loads(r.output)][0] == "add_object"
    r = runner.invoke(app, ["schema", "--out", str(tmp_path / "s.json")])
    assert json.loads((tmp_path / "s.json").read_text())["title"] == "Scene"


def test_dialects_lists_the_registry():
    r = runner.invoke(app, ["dialects"])
    for name in ("native", "scenerevis", "scenerevis-grouped", "respace"):
        assert name in r.output
