"""`agentscene eval`: table, --json, exit codes and clear errors."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from agentscene.cli import app

from .conftest import SCENE_DIR, fixture_manifest

runner = CliRunner()


def test_eval_table_and_feedback():
    result = runner.invoke(app, ["eval", str(SCENE_DIR / "gym_overlaps.json"), str(SCENE_DIR / "bedroom_basic.json")])
    assert result.exit_code == 0, result.output
    assert "Physics evaluation" in result.output and "gym_overlaps" in result.output
    assert "treadmill_1" in result.output and "Collision:" in result.output  # the gym's feedback
    assert "bedroom_basic\n" not in result.output  # clean scenes get no feedback block


def test_eval_json_matches_the_api():
    from agentscene.formats import load_scene
    from agentscene.rewards import EvalReport, evaluate

    names = ["bedroom_problems.json", "entertainment_oob.json"]
    result = runner.invoke(app, ["eval", "--json", *(str(SCENE_DIR / n) for n in names)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["scene"] for d in data] == [str(SCENE_DIR / n) for n in names]
    for d, n in zip(data, names, strict=True):
        report = EvalReport.model_validate(d["report"])
        assert report == evaluate(load_scene(SCENE_DIR / n))
        assert report.n_objects == fixture_manifest()[n]["objects"]


def test_eval_compat_option():
    result = runner.invoke(app, ["eval", "--json", "--compat", "scenerevis", str(SCENE_DIR / "bathroom_small.json")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["report"]["compat"] == "scenerevis"
    bad = runner.invoke(app, ["eval", "--compat", "respace", str(SCENE_DIR / "bathroom_small.json")])
    assert bad.exit_code == 1 and "unknown --compat" in bad.output


def test_eval_invalid_files_exit_1_without_traceback(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps({"schema_version": 1, "room": {"floor": [[0, 0], [1, 0]]}, "objects": []}))
    out = subprocess.run([sys.executable, "-m", "agentscene", "eval", str(SCENE_DIR / "bedroom_basic.json"), str(broken),
                          str(invalid), str(tmp_path / "missing.json")], capture_output=True, text=True)
    assert out.returncode == 1
    assert "Traceback" not in out.stdout + out.stderr
    assert "invalid JSON at line 1" in out.stderr and "file not found" in out.stderr and "invalid.json" in out.stderr
    assert "bedroom_basic" in out.stdout  # the good file is still evaluated
    js = subprocess.run([sys.executable, "-m", "agentscene", "eval", "--json", str(broken)], capture_output=True, text=True)
    assert js.returncode == 1 and json.loads(js.stdout)[0]["error"].endswith("Expecting property name enclosed in double quotes")
