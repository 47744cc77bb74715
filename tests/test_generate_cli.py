"""`agentscene generate` and the reusable `generate(GenerateConfig)` run function."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentscene.cli import app
from agentscene.formats import load_scene
from agentscene.generate import GenerateConfig, RunExistsError, generate
from agentscene.testing import FakeOpenAIServer, FakeReply
from agentscene.testing.fake_openai import TERMINATE

runner = CliRunner()
SECRET = "sk-test-DO-NOT-LEAK-4242"


def test_cli_offline_generate_writes_a_complete_run(tmp_path):
    result = runner.invoke(app, ["generate", "a cozy bedroom with two nightstands", "--out", str(tmp_path), "--seed", "3"])
    assert result.exit_code == 0, result.output
    run = tmp_path / "a-cozy-bedroom-with-two-nightstands"
    for name in ("scene.json", "scene_scenerevis.json", "metrics.json", "spec_used.json", "conversation.jsonl", "run.log"):
        assert (run / name).exists(), name
    assert (run / "turns" / "turn_00.json").exists() and (run / "renders" / "turn_00_merged.png").exists()
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["finished"] and metrics["stop_reason"] == "terminated"
    assert metrics["metrics"]["collision_rate"] == 0.0 and metrics["metrics"]["oob_rate"] == 0.0
    assert metrics["judge"]["scores"]["rationality"] >= 9
    scene = load_scene(run / "scene.json")
    assert len(scene.by_category("nightstand")) == 2
    assert load_scene(run / "scene_scenerevis.json").objects[0].description == scene.objects[0].description
    spec = json.loads((run / "spec_used.json").read_text())
    assert spec["config"]["seed"] == 3 and spec["versions"]["python"] and spec["model"] == "planner"
    for word in ("objects", "collision rate", "out of bounds", "PBL", "scene.json", "terminated"):
        assert word in result.output
    assert "[/]" not in result.output and "[green]" not in result.output  # our own markup is rendered, not escaped
    # a second run with the same prompt gets its own directory
    again = runner.invoke(app, ["generate", "a cozy bedroom with two nightstands", "--out", str(tmp_path), "--seed", "3",
                                "--renderer", "none"])
    assert again.exit_code == 0, again.output
    second = tmp_path / "a-cozy-bedroom-with-two-nightstands-2"
    assert (second / "scene.json").read_bytes() == (run / "scene.json").read_bytes()  # same seed, same scene
    assert not any((second / "renders").iterdir())


def test_cli_bad_options_fail_cleanly(tmp_path):
    bad_name = runner.invoke(app, ["generate", "x", "--name", "../escape", "--out", str(tmp_path)])
    assert bad_name.exit_code == 1 and "run name" in bad_name.output
    bad_renderer = runner.invoke(app, ["generate", "x", "--renderer", "nope", "--out", str(tmp_path)])
    assert bad_renderer.exit_code == 1 and "renderer" in bad_renderer.output
    no_resume = runner.invoke(app, ["generate", "x", "--name", "never", "--resume", "--out", str(tmp_path)])
    assert no_resume.exit_code == 1 and "nothing to resume" in no_resume.output
    vlm_offline = runner.invoke(app, ["generate", "x", "--vlm-feedback", "--critic", "vlm", "--out", str(tmp_path)])
    assert vlm_offline.exit_code == 1 and "needs a model" in vlm_offline.output


def test_named_run_exists_then_resume(tmp_path):
    cfg = GenerateConfig(prompt="a small bathroom", name="bath", out=tmp_path, renderer="none", turns=1)
    first = generate(cfg)
    assert first.stop_reason == "max_turns" and first.turns == 1
    with pytest.raises(RunExistsError):
        generate(cfg)
    resumed = generate(cfg.model_copy(update={"resume": True, "turns": 5}))
    assert resumed.stop_reason == "terminated" and resumed.turns > 1 and resumed.clean
    with pytest.raises(ValueError, match="different seed"):
        generate(cfg.model_copy(update={"resume": True, "seed": 9}))


def test_vlm_feedback_with_the_rule_critic(tmp_path):
    summary = generate(GenerateConfig(prompt="a dining room", out=tmp_path, vlm_feedback=True, turns=4))
    turn = json.loads((summary.run_dir / "turns" / "turn_01.json").read_text())
    assert turn["critique"]["source"] == "rule" and set(turn["critique"]["scores"]) == {"rationality", "spatial_layout", "accessibility", "requirement_match"}
    assert "<judge_feedback>\nScores: rationality" in turn["messages"][0]["content"][0]["text"]


def _all_text(root: Path) -> str:
    return "".join(p.read_bytes().decode("latin-1") for p in root.rglob("*") if p.is_file())


def test_api_key_never_reaches_the_run_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    with FakeOpenAIServer([
        FakeReply.tool_calls([("add_object", {"description": "bed", "position": [2, 0, 1.5], "yaw": 0, "size": [1.6, 1.0, 2.0],
                                              "category": None, "support": None})]),
        # a provider that echoes the credential in its error body must not get it into our files
        *[FakeReply.error(500, f"upstream rejected Authorization: Bearer {SECRET}")] * 2,
    ], default=TERMINATE) as server:
        result = runner.invoke(app, ["generate", "a bedroom", "--agent", "openai-compatible", "--provider", "openrouter",
                                     "--base-url", server.base_url, "--model", "m", "--api-key", SECRET, "--retries", "1",
                                     "--out", str(tmp_path), "--name", "leak", "--renderer", "raster"])
        assert result.exit_code == 2, result.output  # stopped by the provider, resumable
        assert server.headers[0]["authorization"] == f"Bearer {SECRET}"
        run = tmp_path / "leak"
        assert json.loads((run / "metrics.json").read_text())["stop_reason"] == "provider_unavailable"
        assert "***" in (run / "run.log").read_text()
        resumed = runner.invoke(app, ["generate", "a bedroom", "--agent", "openai-compatible", "--provider", "openrouter",
                                      "--base-url", server.base_url, "--model", "m", "--api-key", SECRET,
                                      "--out", str(tmp_path), "--name", "leak", "--resume"])
        assert resumed.exit_code == 0, resumed.output
    assert SECRET not in _all_text(run)
    assert SECRET not in result.output and SECRET not in resumed.output
    assert json.loads((run / "metrics.json").read_text())["stop_reason"] == "terminated"


def test_env_key_is_used_and_not_written(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with FakeOpenAIServer(default=TERMINATE) as server:
        summary = generate(GenerateConfig(prompt="a study", out=tmp_path, agent="openai-compatible", provider="openai",
                                          base_url=server.base_url, model="m", renderer="none", turns=2))
        assert server.headers[0]["authorization"] == f"Bearer {SECRET}"
    assert summary.finished and SECRET not in _all_text(summary.run_dir)
    assert "api_key" not in json.loads((summary.run_dir / "spec_used.json").read_text())["config"]
