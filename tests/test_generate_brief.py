"""`agentscene generate` prints the brief's reading before turn 1, records it, and reports what it
could not read or place; junk prompts get a warning and a sane room in bounded time."""

from __future__ import annotations

import json
import time

import pytest
from typer.testing import CliRunner

from agentscene.agents.planner.planner import Planner
from agentscene.agents.planner.space import find_problems
from agentscene.cli import app
from agentscene.tools import apply_tool_calls

runner = CliRunner()


def test_reading_is_printed_before_turn_one_and_recorded(tmp_path):
    prompt = ("A dining room with a long oak table surrounded by eight chairs: three on each side and one at each end. "
              "A hammock hangs by the window. No rug.")
    result = runner.invoke(app, ["generate", prompt, "--out", str(tmp_path), "--name", "d", "--renderer", "none"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("room: dining room") < out.index("turn  1")
    assert "6 dining chair sides" in out and "2 dining chair ends" in out
    assert "excluded: rug" in out and "not understood: hammock" in out
    spec = json.loads((tmp_path / "d" / "spec_used.json").read_text())
    metrics = json.loads((tmp_path / "d" / "metrics.json").read_text())
    for record in (spec["brief"], metrics["brief"]):
        assert record["counts"] == {"dining_table": 1, "dining_chair": 8} and record["excluded"] == ["rug"]
        assert "hammock" in record["unread"]
    assert any("hammock" in n for n in metrics["brief_notes"])


def test_unreadable_prompt_warns_and_states_the_fallback(tmp_path):
    result = runner.invoke(app, ["generate", "Ein gemütliches Wohnzimmer mit einem großen Sofa und zwei Sesseln",
                                 "--out", str(tmp_path), "--name", "de", "--renderer", "none"])
    assert result.exit_code == 0, result.output
    assert "does not look like an English room brief" in result.output and "living room" in result.output
    metrics = json.loads((tmp_path / "de" / "metrics.json").read_text())
    assert metrics["brief"]["readable"] is False and any("English" in n for n in metrics["brief_notes"])


def test_counts_that_do_not_fit_are_in_the_summary(tmp_path):
    result = runner.invoke(app, ["generate", "a tiny 2x2 m bathroom with a bathtub, a shower, two toilets and a sink",
                                 "--out", str(tmp_path), "--name", "b", "--renderer", "none"])
    assert result.exit_code == 0, result.output
    assert "size: 2 x 2 m (stated)" in result.output
    assert "cannot hold everything" in result.output or "not placed" in result.output


@pytest.mark.parametrize("prompt", ["   ", "\n\t"])
def test_whitespace_prompt_is_a_clear_error(tmp_path, prompt):
    result = runner.invoke(app, ["generate", prompt, "--out", str(tmp_path)])
    assert result.exit_code != 0 and "empty" in result.output


@pytest.mark.parametrize("prompt", ["🙂🛋️🛏️" * 30, "12 345 6789 0 42", "bed\x00room\x07 with a \x1b[31mdesk",
                                    "a bedroom with a bed and a desk. " * 3000, "xkcd qwzt plorb " * 50])
def test_junk_prompts_give_a_sane_room_in_bounded_time(prompt):
    t0 = time.perf_counter()
    planner = Planner(seed=0)
    scene = planner.create_scene(prompt)
    for _ in range(8):
        step = planner.step(prompt, scene)
        scene = apply_tool_calls(scene, step.calls).scene
        if step.terminated:
            break
    assert time.perf_counter() - t0 < 10.0
    assert 4.0 <= scene.room.area <= 80.0 and not find_problems(scene)
    assert len(scene.objects) <= 60


def test_a_100_kb_prompt_gives_a_warning_and_a_sane_room(tmp_path):
    from agentscene.generate import GenerateConfig, generate

    prompt = "A bright bedroom with a double bed, two nightstands and a wardrobe. " * 1500
    assert len(prompt) > 100_000
    start = time.perf_counter()
    summary = generate(GenerateConfig(prompt=prompt, out=tmp_path, renderer="none"))
    assert time.perf_counter() - start < 10
    assert summary.finished and summary.n_objects >= 4 and summary.collision_rate == 0.0
    assert any("only the first 4000 were read" in note for note in summary.notes)
