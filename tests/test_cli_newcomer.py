"""What a new user meets first: help that wraps, options that never silently do nothing, one-line errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from rich.console import Console
from typer.testing import CliRunner

from agentscene.batch import BatchConfig
from agentscene.batch.plan import plan_batch
from agentscene.cli import app
from agentscene.commands.batch_progress import BatchProgress
from agentscene.generate import GenerateConfig
from agentscene.run_dir import check_name, slugify
from agentscene.testing import FakeOpenAIServer, FakeReply
from agentscene.testing.fake_openai import TERMINATE

runner = CliRunner()

HELP_COMMANDS = [[], ["generate"], ["batch"], ["eval"], ["judge"], ["render"], ["export"], ["view"], ["report"], ["assets"],
                 ["assets", "find"], ["data", "actions"], ["rl", "export-sft"]]


@pytest.mark.parametrize("width", [60, 80, 200])
def test_help_wraps_at_any_width_and_shows_no_type_tags(width):
    for command in HELP_COMMANDS:
        result = runner.invoke(app, [*command, "--help"], prog_name="agentscene", terminal_width=width)
        assert result.exit_code == 0, (command, result.output)
        text = result.output
        assert "…" not in text, (command, text)
        assert not any(line.rstrip().endswith("...") for line in text.splitlines()[1:]), (command, text)  # a cut summary
        assert max(len(line) for line in text.splitlines()) <= width, (command, text)
        assert not re.search(r"<(bool|str|int|float|path|list\[[^]]*\])( range)?>", text), (command, text)
        usage = text.splitlines()[0]
        assert "{" not in usage and usage.startswith("Usage: agentscene"), usage
    batch_help = runner.invoke(app, ["batch", "--help"], terminal_width=width).output
    flat = " ".join(batch_help.split())
    for whole in ("--continue-on-error", "--physics-optimization", "batch_summary.json", "agentscene[ray]", "PROMPTS"):
        assert whole in flat, whole
    assert re.search(r"--continue-on-error\s+Record", batch_help)  # a flag: no metavar after it
    assert re.search(r"--out PATH\b", batch_help)


def test_help_follows_the_real_terminal_width():
    out = subprocess.run([sys.executable, "-m", "agentscene", "batch", "--help"], capture_output=True, text=True,
                         env={**os.environ, "COLUMNS": "60"}, check=True).stdout
    assert max(len(line) for line in out.splitlines()) <= 60 and "--continue-on-error" in out
    assert out.startswith("Usage: agentscene batch [OPTIONS] PROMPTS")


def test_provider_and_model_imply_the_openai_compatible_agent(tmp_path):
    # docs/rl.md's own command: no --agent, a provider and a model
    with FakeOpenAIServer(default=TERMINATE) as server:
        result = runner.invoke(app, ["generate", "a bedroom", "--provider", "vllm", "--model", "agentscene-grpo",
                                     "--base-url", server.base_url, "--out", str(tmp_path), "--name", "rl",
                                     "--renderer", "none", "--turns", "1"])
        assert result.exit_code == 0, result.output
        assert server.requests and server.requests[0]["model"] == "agentscene-grpo"
    spec = json.loads((tmp_path / "rl" / "spec_used.json").read_text())
    assert spec["config"]["agent"] == "openai-compatible" and spec["config"]["provider"] == "vllm"
    assert spec["model"] == "agentscene-grpo"
    assert "openai-compatible vllm agentscene-grpo" in result.output


def test_model_settings_beside_an_offline_agent_are_refused_in_one_line(tmp_path):
    result = runner.invoke(app, ["generate", "a bedroom", "--agent", "offline", "--model", "m", "--base-url", "http://x",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "--model, --base-url are for a model agent" in result.output
    assert not any(tmp_path.iterdir())
    plain = GenerateConfig(prompt="a room")
    assert plain.agent == "offline" and plain.provider is None
    assert GenerateConfig(prompt="a room", model="m").provider == "openrouter"
    with pytest.raises(ValidationError, match="--provider is for a model agent"):
        GenerateConfig(prompt="a room", agent="offline", provider="vllm")


def test_a_refused_key_does_not_advise_resume(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    with FakeOpenAIServer(default=FakeReply.error(401, "invalid api key")) as server:
        result = runner.invoke(app, ["generate", "a bedroom", "--base-url", server.base_url, "--model", "m",
                                     "--api-key", "sk-wrong", "--out", str(tmp_path), "--renderer", "none"])
    assert result.exit_code == 2, result.output
    assert "provider_error" in result.output and "check the API key" in result.output
    assert "--resume" not in result.output


@pytest.mark.parametrize("prompt", ["", "   ", "\t\n"])
def test_empty_and_whitespace_prompts_are_refused(tmp_path, prompt):
    result = runner.invoke(app, ["generate", prompt, "--out", str(tmp_path)])
    assert result.exit_code == 1 and "the prompt is empty" in result.output
    assert result.output.count("\n") == 1
    with pytest.raises(ValidationError, match="the prompt is empty"):
        GenerateConfig(prompt=prompt)


@pytest.mark.parametrize(("prompt", "slug"), [("ein gemütliches Schlafzimmer", "ein-gemuetliches-schlafzimmer"),
                                              ("Café crème", "cafe-creme"), ("Große Küche", "grosse-kueche"),
                                              ("スタジオ", "scene")])
def test_run_names_transliterate_non_ascii(prompt, slug):
    assert slugify(prompt) == slug


@given(st.text(max_size=80))
def test_every_prompt_gives_a_valid_run_name(text):
    assert check_name(slugify(text)) == slugify(text)


def test_batch_summary_and_banner_say_the_real_worker_count(tmp_path):
    prompts = tmp_path / "suite.txt"
    prompts.write_text("a bedroom\n")
    local = BatchConfig(prompts=prompts, out=tmp_path / "out")
    assert local.worker_count == 1 and BatchConfig(prompts=prompts, out=tmp_path, backend="ray").worker_count is None
    summary = plan_batch(local, GenerateConfig(prompt="(batch)")).summary
    assert summary.workers == 1
    console = Console(record=True, width=200)
    progress = BatchProgress(console, "suite")
    progress.plan(summary, 1)
    progress.stop()
    banner = console.export_text()
    assert "on 1 process" in banner and "cluster" not in banner
    four = plan_batch(local.model_copy(update={"workers": 4}), GenerateConfig(prompt="(batch)")).summary
    progress = BatchProgress(console, "suite")
    progress.plan(four, 1)
    progress.stop()
    assert "on 4 processes" in console.export_text()


def test_closing_summary_prints_whole_paths_on_a_narrow_terminal(tmp_path):
    from agentscene.commands.generate_view import print_summary
    from agentscene.generate import RunSummary

    run = tmp_path / "a-rather-long-directory-name" / "a-cozy-bedroom-with-two-nightstands-and-a-desk"
    render = run / "renders" / "turn_03_merged.png"
    summary = RunSummary(name=run.name, run_dir=run, prompt="p", stop_reason="terminated", finished=True, turns=3,
                         n_objects=9, collision_rate=0.0, oob_rate=0.0, pbl=0.0, clean=True, wall_s=1.0,
                         paths={"scene.json": str(run / "scene.json"), "render": str(render)})
    console = Console(record=True, width=60)
    print_summary(console, summary)
    text = console.export_text()
    assert "…" not in text and str(render) in text and str(run / "scene.json") in text
