"""The loop with scripted models: model mistakes are fed back, provider failures stop cleanly and
resume, Ctrl-C keeps a resumable run, rollback, history window, physics optimisation, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentscene.agents.chat_agent import ChatAgent, ChatAgentConfig
from agentscene.agents.client import ProviderError, ProviderUnavailable, get_client
from agentscene.formats import load_scene
from agentscene.loop import LoopConfig, TurnRecord, run_episode
from agentscene.rewards import RewardConfig, score
from agentscene.run_dir import RunDirectory
from agentscene.testing import ScriptedModel

SCENES = Path(__file__).parent / "data" / "scenes"
BED = {"description": "double bed", "position": [2.0, 0.0, 1.2], "yaw": 0.0, "size": [1.6, 1.0, 2.0], "category": "bed"}
TERMINATE = [("terminate", {"reason": "done"})]


def scripted(*replies, mode="native", **kw) -> tuple[ChatAgent, ScriptedModel]:
    model = ScriptedModel(list(replies), **kw)
    return ChatAgent(model, ChatAgentConfig(mode=mode)), model


def user_text(model: ScriptedModel, k: int) -> str:
    content = model.requests[k]["messages"][-1]["content"]
    return content if isinstance(content, str) else content[0]["text"]


def test_model_mistakes_are_fed_back_and_the_loop_goes_on():
    agent, model = scripted(
        "just some prose, no tool calls",
        [("add_object", '{"description": "bed", "position": [1, 0,'), ("fly_away", {}), ("move_object", {"object_id": "ghost_9", "position": [1, 0, 1]})],
        [("add_object", BED), ("terminate", {"reason": "done"}), ("add_object", BED)],
    )
    ep = run_episode("a bedroom", agent, config=LoopConfig(max_turns=5))
    assert ep.stop_reason == "terminated" and len(ep.turns) == 4
    t1, t2, t3 = ep.turns[1:]
    assert t1.format_error and "no tool" in t1.format_error
    assert [r["error"] for r in t2.results] == ["invalid_json", "unknown_tool", "unknown_object"]
    assert [r["ok"] for r in t3.results] == [True, True, False] and t3.results[2]["error"] == "after_terminate"
    assert len(ep.scene.objects) == 1
    # turn 2 was told about turn 1's unusable reply; turn 3 got tool messages for turn 2's calls
    assert "could not be used" in user_text(model, 1)
    tool_msgs = [m for m in model.requests[2]["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_msgs] == ["call_1", "call_2", "call_3"]
    assert "invalid_json" in tool_msgs[0]["content"]
    # the malformed arguments are replayed to the provider as {} so strict providers accept the history
    replayed = [m for m in model.requests[2]["messages"] if m["role"] == "assistant" and m.get("tool_calls")][0]
    assert replayed["tool_calls"][0]["function"]["arguments"] == "{}"


def test_fifty_calls_in_one_turn_are_capped_with_errors():
    calls = [("add_object", {**BED, "description": f"stool {i}", "size": [0.3, 0.4, 0.3],
                             "position": [0.3 + 0.35 * (i % 10), 0.0, 0.3 + 0.35 * (i // 10)], "category": "stool"})
             for i in range(50)]
    agent, model = scripted(calls, TERMINATE)
    ep = run_episode("a room", agent, config=LoopConfig(max_turns=3, max_calls_per_turn=32, rollback=False))
    t1 = ep.turns[1]
    assert len(t1.results) == 50 and sum(r["ok"] for r in t1.results) == 32
    assert all("at most 32 calls" in r["message"] for r in t1.results[32:])
    assert ep.stop_reason == "terminated" and len(ep.scene.objects) == 32
    assert len([m for m in model.requests[1]["messages"] if m["role"] == "tool"]) == 50


def test_text_protocol_mode_feeds_results_in_the_user_message():
    agent, model = scripted(
        "<think>x</think><tool_calls>[{\"name\": \"add_object\", \"arguments\": " + json.dumps(BED) + "}]</tool_calls>",
        "<tool_calls>not json</tool_calls>",
        "<tool_calls>[{\"name\": \"terminate\", \"arguments\": {\"reason\": \"ok\"}}]</tool_calls>",
        mode="text",
    )
    ep = run_episode("a bedroom", agent, config=LoopConfig(max_turns=5))
    assert ep.stop_reason == "terminated" and ep.turns[1].think == "x"
    assert "<tool_results>" in user_text(model, 1) and "Added bed_1" in user_text(model, 1)
    assert ep.turns[2].format_error and "invalid" in ep.turns[2].format_error
    assert "could not be used" in user_text(model, 2)
    assert model.requests[0]["tools"] is None


def test_provider_down_stops_cleanly_and_resume_continues(tmp_path):
    rd = RunDirectory(tmp_path / "run")
    agent, _ = scripted([("add_object", BED)], ProviderUnavailable("down for maintenance"))
    ep = run_episode("a bedroom", agent, config=LoopConfig(max_turns=4), run_dir=rd)
    assert ep.stop_reason == "provider_unavailable" and "maintenance" in ep.error
    metrics = json.loads((rd.root / "metrics.json").read_text())
    assert metrics["stop_reason"] == "provider_unavailable" and not metrics["finished"]
    assert [t["turn"] for t in rd.read_turns()] == [0, 1]
    assert len(load_scene(rd.root / "scene.json").objects) == 1

    agent2, model2 = scripted(TERMINATE)
    ep2 = run_episode("a bedroom", agent2, config=LoopConfig(max_turns=4), run_dir=rd)
    assert ep2.stop_reason == "terminated" and [t.turn for t in ep2.turns] == [0, 1, 2]
    # the resumed model saw turn 1 in its history window
    assert any(m["role"] == "assistant" for m in model2.requests[0]["messages"])
    assert json.loads((rd.root / "metrics.json").read_text())["finished"]
    lines = (rd.root / "conversation.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["role"] == "system" and json.loads(lines[-1])["turn"] == 2


def test_provider_error_stops_without_retry():
    agent, _ = scripted(ProviderError("401 bad key"))
    ep = run_episode("a bedroom", agent, config=LoopConfig(max_turns=3))
    assert ep.stop_reason == "provider_error" and len(ep.turns) == 1


def test_keyboard_interrupt_keeps_a_resumable_run(tmp_path):
    rd = RunDirectory(tmp_path / "run")
    agent, _ = scripted([("add_object", BED)], KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run_episode("a bedroom", agent, config=LoopConfig(max_turns=4), run_dir=rd)
    assert json.loads((rd.root / "metrics.json").read_text())["stop_reason"] == "interrupted"
    assert (rd.root / "scene.json").exists() and len(rd.read_turns()) == 2
    agent2, _ = scripted(TERMINATE)
    ep = run_episode("a bedroom", agent2, config=LoopConfig(max_turns=4), run_dir=rd)
    assert ep.stop_reason == "terminated" and len(ep.scene.objects) == 1


def test_rollback_undoes_a_turn_that_lowers_the_score():
    clash = {**BED, "description": "second bed", "position": [2.2, 0.0, 1.4]}
    stand = {"description": "nightstand", "position": [0.4, 0.0, 0.4], "yaw": 0.0, "size": [0.4, 0.5, 0.4], "category": "nightstand"}
    first = [("add_object", BED), ("add_object", stand), ("add_object", {**stand, "position": [0.4, 0.0, 2.6]})]
    agent, model = scripted(first, [("add_object", clash)], TERMINATE)
    ep = run_episode("a bedroom", agent, config=LoopConfig(max_turns=4))
    t1, t2 = ep.turns[1], ep.turns[2]
    assert t2.rolled_back and t2.rejected_metrics["collision_rate"] > 0
    # the score compared is rewards.score with the loop's RewardConfig ("a bedroom" names no key object)
    assert t1.score == pytest.approx(score(None, t1.scene, None, config=RewardConfig(), key_objects=()).total)
    assert t2.rejected_metrics["score"] < t1.score - 0.05
    assert len(t2.scene.objects) == 3 and ep.evaluation.clean
    assert "rolled back" in user_text(model, 2)
    off, _ = scripted(first, [("add_object", clash)], TERMINATE)
    ep_off = run_episode("a bedroom", off, config=LoopConfig(max_turns=4, rollback=False))
    assert len(ep_off.scene.objects) == 4 and not ep_off.evaluation.clean


def test_physics_optimisation_separates_objects():
    box = {"description": "cabinet", "position": [2.0, 0.0, 1.8], "yaw": 0.0, "size": [0.6, 0.8, 0.5], "category": "cabinet"}
    clash = {**box, "description": "second cabinet", "position": [2.3, 0.0, 1.9]}
    agent, _ = scripted([("add_object", box), ("add_object", clash)], TERMINATE)
    scene = load_scene(SCENES / "bedroom_basic.json").with_objects([])
    ep = run_episode(scene, agent, config=LoopConfig(max_turns=3, physics_optimization=True), prompt="two beds")
    assert ep.turns[1].resolve_moves and ep.turns[1].metrics["collision_rate"] == 0.0


def test_history_window_and_physics_feedback_switch():
    replies = [[("add_object", {**BED, "description": f"lamp {i}", "size": [0.2, 0.4, 0.2], "category": "floor_lamp",
                                "position": [0.3 + 0.3 * i, 0.0, 0.3]})] for i in range(4)]
    agent, model = scripted(*replies, TERMINATE)
    run_episode("lamps", agent, config=LoopConfig(max_turns=6, max_history_turns=2, physics_feedback=False))
    last = model.requests[-1]["messages"]
    assert sum(1 for m in last if m["role"] == "user") == 3  # two past turns + the current one
    assert "<physics_feedback>" not in user_text(model, 0)
    agent2, model2 = scripted(TERMINATE)
    run_episode("lamps", agent2, config=LoopConfig(max_turns=2))
    assert "<physics_feedback>" in user_text(model2, 0)
    assert "<physics_issues>" not in user_text(model2, 0)  # the issues are data for programs, not text for models


def test_given_scene_is_revised_by_the_offline_agent():
    scene = load_scene(SCENES / "bedroom_problems.json")
    agent = ChatAgent(get_client("offline"))
    ep = run_episode(scene, agent, config=LoopConfig(max_turns=5), prompt="fix it")
    assert ep.stop_reason == "terminated" and ep.evaluation.clean
    assert ep.turns[0].metrics["n_colliding_pairs"] > 0 or ep.turns[0].metrics["oob_rate"] > 0


def _offline_run(tmp_path: Path, name: str, mode: str = "native", interrupt_after: int | None = None):
    client = get_client("offline", seed=7)
    agent = ChatAgent(client, ChatAgentConfig(mode=mode))
    rd = RunDirectory(tmp_path / name)
    if interrupt_after is not None:
        calls = {"n": 0}
        real = client.complete

        def flaky(*a, **kw):
            calls["n"] += 1
            if calls["n"] > interrupt_after:
                raise KeyboardInterrupt
            return real(*a, **kw)

        client.complete = flaky
        with pytest.raises(KeyboardInterrupt):
            run_episode("a cozy living room", agent, config=LoopConfig(max_turns=5, seed=7), run_dir=rd)
        agent = ChatAgent(get_client("offline", seed=7), ChatAgentConfig(mode=mode))
    return run_episode("a cozy living room", agent, config=LoopConfig(max_turns=5, seed=7), run_dir=rd), rd


def _strip_timings(rd: RunDirectory) -> list[dict]:
    out = []
    for t in rd.read_turns():
        t.pop("timings")
        t["usage"].pop("cost_usd", None)
        out.append(t)
    return out


def test_same_seed_offline_runs_are_identical_and_resume_matches(tmp_path):
    a, rda = _offline_run(tmp_path, "a")
    b, rdb = _offline_run(tmp_path, "b")
    c, rdc = _offline_run(tmp_path, "c", interrupt_after=1)
    assert a.stop_reason == b.stop_reason == c.stop_reason == "terminated"
    assert (rda.root / "scene.json").read_bytes() == (rdb.root / "scene.json").read_bytes() == (rdc.root / "scene.json").read_bytes()
    assert _strip_timings(rda) == _strip_timings(rdb) == _strip_timings(rdc)
    assert (rda.root / "conversation.jsonl").read_text() == (rdc.root / "conversation.jsonl").read_text()


def test_turn_record_round_trips():
    agent, _ = scripted([("add_object", BED)], TERMINATE)
    ep = run_episode("a bedroom", agent, config=LoopConfig(max_turns=3))
    for rec in ep.turns:
        again = TurnRecord.from_json(json.loads(json.dumps(rec.to_json())))
        assert again.scene == rec.scene and again.results == rec.results
