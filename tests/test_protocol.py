"""One conversation everywhere: the loop sends at turn k exactly the chat SceneEnv gives at turn k,
SFT export reproduces conversation.jsonl, the offline planner plays SceneEnv to generate's scene,
and tool results read the same in the loop, the env and the MCP server."""

from __future__ import annotations

import json

import pytest

from agentscene import protocol
from agentscene.agents.chat_agent import ChatAgent, ChatAgentConfig
from agentscene.agents.offline_client import OfflineAgent
from agentscene.env import EnvConfig, SceneEnv, check_env
from agentscene.env.play import play
from agentscene.env.sft import read_conversation, to_sample
from agentscene.formats import load_scene
from agentscene.loop import LoopConfig, run_episode
from agentscene.run_dir import RunDirectory
from agentscene.testing import ScriptedModel

PROMPT = "a small bedroom with a bed and a nightstand"
BED = {"description": "double bed", "position": [1.0, 0.0, 1.2], "yaw": 0.0, "size": [1.6, 1.0, 2.0], "category": "bed"}
STAND = {"description": "nightstand", "position": [2.2, 0.0, 0.3], "yaw": 0.0, "size": [0.45, 0.5, 0.4]}
#: turn 1 adds two objects (one call on an unknown id fails), turn 2 is junk, turn 3 clashes and fixes, turn 4 ends
SCRIPT = (
    [("add_object", BED), ("add_object", STAND), ("move_object", {"object_id": "ghost_1", "position": [1, 0, 1]})],
    "I would like to think about it.",
    [("add_object", {**STAND, "description": "lamp", "position": [1.0, 0.0, 1.2]}), ("remove_object", {"object_id": "lamp_1"})],
    [("terminate", {"reason": "done"})],
)


def _text_script() -> list[str]:
    from agentscene.tools import format_reply
    from agentscene.tools.calls import ToolCall

    out: list[str] = []
    for item in SCRIPT:
        if isinstance(item, str):
            out.append(item)
        else:
            calls = [ToolCall(name=n, arguments=a, id=f"tool_{i + 1}") for i, (n, a) in enumerate(item)]
            out.append(format_reply(think="step", conclusion="edit", tool_calls=calls))
    return out


@pytest.mark.parametrize("mode, reply_protocol, judge", [("native", "tools", False), ("text", "text", False), ("native", "tools", True)])
def test_loop_sends_at_every_turn_the_chat_scene_env_gives(tmp_path, mode, reply_protocol, judge):
    script = list(SCRIPT) if mode == "native" else _text_script()
    model = ScriptedModel(script, vision=False)
    # judge: the loop's per-turn rule critic (--vlm-feedback offline) and the env's judge_feedback fill the same slot
    cfg = LoopConfig(max_turns=5, rollback=False, max_history_turns=2, seed=4, vlm_feedback=judge)
    run = RunDirectory(tmp_path / "run")
    episode = run_episode(PROMPT, ChatAgent(model, ChatAgentConfig(mode=mode)), config=cfg, run_dir=run)
    assert episode.stop_reason == "terminated" and len(model.requests) == 4

    env = SceneEnv(EnvConfig(max_turns=5, protocol=reply_protocol, max_history_turns=2, physics_detail="full",
                             judge_feedback=judge))
    _, info = env.reset(seed=4, options={"prompt": PROMPT})
    for k, request in enumerate(model.requests):
        assert request["messages"] == info["messages"], f"turn {k + 1} differs"
        # the action is the assistant message the loop recorded for this turn
        assistant = next(m for m in episode.turns[k + 1].messages if m["role"] == "assistant")
        *_, info = env.step(assistant)
    assert env.done and env.scene.objects == episode.scene.objects
    # the chat carries error codes, the format error and the room in the protocol's words
    second = model.requests[1]["messages"]
    texts = "\n".join(protocol.message_text(m) for m in second)
    assert "Error (unknown_object)" in texts and "<room>bedroom" in texts and "<turn>2 of 5</turn>" in texts
    assert "could not be used" in protocol.message_text(model.requests[2]["messages"][-1])
    assert ("<judge_feedback>\nScores: rationality" in texts) == judge
    if reply_protocol == "tools":
        assert [m["role"] for m in second] == ["system", "user", "assistant", "tool", "tool", "tool", "user"]
    else:
        assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]
        assert "<tool_results>\n1. add_object: Added bed_1" in second[-1]["content"]
    # the system prompt is the protocol's, with the tool list generated from the schemas in the text protocol
    assert second[0]["content"] == protocol.system_prompt(reply_protocol)
    assert ("- terminate(reason: string)" in second[0]["content"]) == (reply_protocol == "text")


@pytest.mark.parametrize("mode", ["native", "text"])
def test_sft_export_reproduces_conversation_jsonl(tmp_path, mode):
    run = RunDirectory(tmp_path / "run")
    agent = OfflineAgent(2, reply_protocol="tools" if mode == "native" else "text", create_scene=mode == "text")
    run_episode("a living room with a sofa and a tv", agent, config=LoopConfig(max_turns=4, seed=2), run_dir=run)
    path = run.root / "conversation.jsonl"
    written = [json.loads(line) for line in path.read_text().splitlines()]
    from_file = to_sample(run.root, "trl")
    path.unlink()  # now the export rebuilds the chat from the turn files
    assert read_conversation(run.root) == written
    assert to_sample(run.root, "trl") == from_file
    roles = [m["role"] for m in written]
    assert roles[0] == "system" and "assistant" in roles and ("tool" in roles) == (mode == "native")
    # the sample is the conversation: same roles, same text, same calls, in order
    sample = from_file["messages"]
    assert [m["role"] for m in sample] == roles
    assert ["".join(p.get("text", "") for p in m["content"]) for m in sample] == [protocol.message_text(m) for m in written]
    calls = [[(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in m.get("tool_calls", [])] for m in written]
    assert [[(c["function"]["name"], c["function"]["arguments"]) for c in m.get("tool_calls", [])] for m in sample] == calls
    assert written[0]["content"] == protocol.system_prompt("tools" if mode == "native" else "text")


@pytest.mark.parametrize("mode", ["native", "text"])
def test_the_planner_in_scene_env_reaches_generates_scene(tmp_path, mode):
    from agentscene.generate import GenerateConfig, generate

    prompt = "a cozy bedroom with two nightstands and a desk"
    summary = generate(GenerateConfig(prompt=prompt, out=tmp_path, seed=3, turns=5, renderer="none", mode=mode))
    made = load_scene(json.loads((summary.run_dir / "scene.json").read_text()))
    reply_protocol = "tools" if mode == "native" else "text"
    result = play(SceneEnv(EnvConfig(max_turns=5, protocol=reply_protocol)), OfflineAgent(3, reply_protocol=reply_protocol),
                  seed=3, options={"prompt": prompt})
    assert result.terminated and len(made.objects) >= 8
    assert made.room == result.scene.room
    # generate also assigns assets; the layout is the same
    assert [o.model_copy(update={"asset": None}) for o in made.objects] == list(result.scene.objects)


def test_check_env_passes_with_the_offline_agent():
    assert check_env(lambda: SceneEnv(EnvConfig(max_turns=6)), agent=OfflineAgent(0)) == []
    assert check_env(lambda: SceneEnv(EnvConfig(max_turns=6, protocol="text")), agent=OfflineAgent(0, reply_protocol="text")) == []


def test_check_env_reports_an_agent_that_cannot_finish():
    class Idle(OfflineAgent):
        def act(self, observation):
            from agentscene.agents.base import action_from_message

            return action_from_message({"role": "assistant", "content": "hmm"}, "tools")

    problems = check_env(lambda: SceneEnv(EnvConfig(max_turns=3)), agent=Idle(0), raise_on_error=False)
    assert any("did not terminate" in p for p in problems)


def test_tool_results_read_the_same_in_the_env_the_loop_and_mcp():
    from agentscene.mcpserver.service import Outcome
    from agentscene.tools import apply_tool

    env = SceneEnv(EnvConfig(max_turns=3))
    _, info = env.reset(seed=0, options={"prompt": PROMPT})
    bad = {"name": "remove_object", "arguments": {"object_id": "nope_1"}}
    obs, *_, info = env.step([bad])
    result = apply_tool(env.scene, "remove_object", {"object_id": "nope_1"})
    expected = protocol.result_text(protocol.result_record(result))
    assert expected.startswith("Error (unknown_object): ") and result.to_message() == expected
    assert info["messages"][3] == {"role": "tool", "tool_call_id": "call_1", "content": expected}
    assert f"1. remove_object: {expected}" in obs
    assert Outcome.refuse("unknown_object", result.message).text == expected


def test_judge_feedback_has_its_slot_beside_physics():
    env = SceneEnv()
    _, info = env.reset(seed=0, options={"prompt": PROMPT})
    view = info["observation"]
    from dataclasses import replace

    text = protocol.observation_text(replace(view, judge_feedback="- nightstand_1 is not beside the bed"), "tools")
    assert text.index("<physics_feedback>") < text.index("<judge_feedback>\n- nightstand_1") < text.index("<current_scene>")
    assert "<judge_feedback>" not in protocol.observation_text(view, "tools")


def test_one_score_from_rollback_to_batch_tables(tmp_path):
    from agentscene.batch.summary import EpisodeRow, aggregate, read_episode_metrics
    from agentscene.generate import GenerateConfig, generate
    from agentscene.rewards import RewardConfig, score
    from agentscene.tasks import task_from_prompt

    prompt = "a living room with a sofa and a tv"
    summary = generate(GenerateConfig(prompt=prompt, out=tmp_path, seed=1, turns=4, renderer="none"))
    metrics = json.loads((summary.run_dir / "metrics.json").read_text())
    scene = load_scene(json.loads((summary.run_dir / "scene.json").read_text()))
    expected = score(None, scene, None, config=RewardConfig(), key_objects=task_from_prompt(prompt).key_objects)
    assert metrics["score"] == pytest.approx(expected.total) and metrics["reward_terms"] == pytest.approx(expected.values())
    assert metrics["per_turn"][-1]["score"] == pytest.approx(expected.total)  # each turn's score, the rollback's
    read = read_episode_metrics(summary.run_dir)
    assert read.score == pytest.approx(expected.total)
    rows = [EpisodeRow(index=i, line=i, prompt=prompt, name=f"r{i}", status="ok", metrics=read.model_copy(update={"score": s}))
            for i, s in enumerate((read.score, 0.25))]
    assert aggregate(rows).mean_score == pytest.approx((read.score + 0.25) / 2)


def test_prompts_share_one_statement_of_the_conventions():
    INSTRUCTIONS = protocol.mcp_instructions()  # what build_server hands the MCP SDK
    conventions = protocol.load_prompt("conventions.md").strip()
    for text in (protocol.system_prompt("tools"), protocol.system_prompt("text"), INSTRUCTIONS):
        assert conventions in text and "$" not in text  # every placeholder filled
    assert "Error (<code>): message" in INSTRUCTIONS


def test_the_mcp_server_announces_the_protocols_instructions(tmp_path):
    import subprocess
    import sys

    pytest.importorskip("mcp")
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}
    proc = subprocess.Popen([sys.executable, "-m", "agentscene", "mcp", "--workdir", str(tmp_path)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        proc.stdin.write((json.dumps(init) + "\n").encode())
        proc.stdin.flush()
        reply = json.loads(proc.stdout.readline())
    finally:
        proc.kill()
        proc.wait()
    assert reply["result"]["instructions"] == protocol.mcp_instructions()
