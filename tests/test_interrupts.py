"""Ctrl-C around the end of a run: finalisation completes or the run stays resumable, and the CLI says which."""

from __future__ import annotations

import json
import os
import signal

import pytest

from agentscene.commands.generate_view import interrupted_message
from agentscene.evaluator import PhysicsEvaluator
from agentscene.generate import GenerateConfig, build_agent, generate
from agentscene.loop import run_episode
from agentscene.run_dir import RunDirectory

FINAL_FILES = ("scene.json", "scene_scenerevis.json", "metrics.json", "conversation.jsonl")


class InterruptingEvaluator:
    """Sends this process a real SIGINT from inside the next evaluation once armed."""

    def __init__(self) -> None:
        self.inner = PhysicsEvaluator()
        self.armed = False
        self.sent = 0

    def evaluate(self, scene):
        if self.armed:
            self.armed = False
            self.sent += 1
            os.kill(os.getpid(), signal.SIGINT)
        return self.inner.evaluate(scene)


def test_ctrl_c_during_the_final_evaluation_still_finishes_the_run(tmp_path):
    config = GenerateConfig(prompt="a small office with a desk", turns=5, renderer="none")
    evaluator = InterruptingEvaluator()

    def on_turn(record):
        if record.terminated:  # the `terminated` line has just been printed
            evaluator.armed = True

    agent = build_agent(config)
    episode = run_episode(config.prompt, agent, None, None, evaluator, config.loop_config(), run_dir=tmp_path / "run",
                          on_turn=on_turn)
    assert evaluator.sent == 1 and episode.finished
    for name in FINAL_FILES:
        assert (tmp_path / "run" / name).is_file(), name
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["finished"] is True
    assert "had finished" in interrupted_message(config, tmp_path / "run")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is given back


def test_ctrl_c_during_a_turn_leaves_a_resumable_run_and_says_how_to_resume(tmp_path):
    config = GenerateConfig(prompt="a small office with a desk", out=tmp_path, name="office", turns=5, renderer="none",
                            seed=4)

    def on_turn(record):
        if record.turn == 1:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        generate(config, on_turn=on_turn)
    run = tmp_path / "office"
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["stop_reason"] == "interrupted" and metrics["finished"] is False
    assert len(RunDirectory(run).read_turns()) == 2
    message = interrupted_message(config, run)
    assert "after turn 1" in message and "--name office --resume" in message and "--seed 4" in message
    resumed = generate(config.model_copy(update={"resume": True}))
    assert resumed.finished and resumed.turns > 1


def test_messages_before_anything_is_written(tmp_path):
    config = GenerateConfig(prompt="a room")
    assert "nothing was written" in interrupted_message(config, None)
    (tmp_path / "turns").mkdir()
    assert "holds no turn yet" in interrupted_message(config, tmp_path)
