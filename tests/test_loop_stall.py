"""The loop stops when a turn repeats the rolled-back calls of the turn before (no stalling until max_turns)."""

from __future__ import annotations

from agentscene.agents.chat_agent import ChatAgent, ChatAgentConfig
from agentscene.loop import LoopConfig, run_episode
from agentscene.testing import ScriptedModel

BED = {"description": "double bed", "position": [2.0, 0.0, 1.2], "yaw": 0.0, "size": [1.6, 1.0, 2.0], "category": "bed"}
CLASH = {**BED, "description": "second bed", "position": [2.2, 0.0, 1.4]}
STAND = {"description": "nightstand", "position": [0.4, 0.0, 0.4], "yaw": 0.0, "size": [0.4, 0.5, 0.4], "category": "nightstand"}
FIRST = [("add_object", BED), ("add_object", STAND), ("add_object", {**STAND, "position": [0.4, 0.0, 2.6]})]


def test_repeated_rolled_back_calls_stop_the_episode():
    model = ScriptedModel([FIRST] + [[("add_object", CLASH)]] * 8)
    ep = run_episode("a bedroom", ChatAgent(model, ChatAgentConfig(mode="native")), config=LoopConfig(max_turns=9))
    assert ep.stop_reason == "stalled" and ep.finished
    assert len(ep.turns) == 4  # turn 0, the bed, and two identical rolled-back turns
    assert all(t.rolled_back for t in ep.turns[2:]) and len(ep.scene.objects) == 3


def test_different_rolled_back_calls_go_on():
    other = {**CLASH, "position": [2.4, 0.0, 1.5]}
    model = ScriptedModel([FIRST, [("add_object", CLASH)], [("add_object", other)],
                           [("terminate", {"reason": "done"})]])
    ep = run_episode("a bedroom", ChatAgent(model, ChatAgentConfig(mode="native")), config=LoopConfig(max_turns=9))
    assert ep.stop_reason == "terminated" and len(ep.turns) == 5
    assert ep.turns[2].rolled_back and ep.turns[3].rolled_back
