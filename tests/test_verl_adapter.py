"""verl adapter against a real verl 0.9.1, in its own venv (verl needs numpy 2).

The venv (`.venvs/verl`, built once: torch CPU, then verl and the packages its tool stack
imports) runs a script that loads our tool config the way verl's workers do
(`initialize_tools_from_config`), resolves our agent loop from the shipped agent-loop YAML as
verl's registry does, and drives create / execute / calc_reward / release and
`compute_score` with real verl types. `compute_score` is also tested here in the main venv.
"""

from __future__ import annotations

import json

import pytest

from agentscene.env import SceneTask, task_row
from agentscene.env.verl import compute_score, config_path
from tests.test_env_venvs import run_in_venv, venv_or_skip

VERL = [["verl==0.9.1", "cachetools", "uvicorn", "fastapi"]]
BED = {"description": "oak double bed", "position": [2.0, 0.0, 2.0], "yaw": 0, "size": [1.6, 1.0, 2.0]}

SCRIPT = r'''
import asyncio, json, math, sys, time
t0 = time.monotonic()
from omegaconf import OmegaConf
from verl.tools.tool_registry import initialize_tools_from_config
from verl.tools.schemas import ToolResponse
from verl.experimental.agent_loop.agent_loop import _agent_loop_registry
from verl.experimental.agent_loop.tool_agent_loop import ToolAgentLoop, AgentData
import hydra.utils
from agentscene.env.verl import config_path, compute_score
from agentscene.env import SceneTask, SceneEnv
import agentscene.env.verl.agent_loop as loop_module

out = {"import_seconds": time.monotonic() - t0}
task = SceneTask.from_prompt("a cozy bedroom with a bed and two nightstands")
other = SceneTask.from_prompt("a small office with a desk")
bed = json.loads(sys.argv[1])

tools = {t.name: t for t in initialize_tools_from_config(str(config_path("tool_config.yaml")))}
out["tools"] = sorted(tools)
out["schemas"] = {n: t.tool_schema.model_dump(exclude_unset=True, exclude_none=True) for n, t in tools.items()}

for cfg in OmegaConf.load(str(config_path("agent_loop.yaml"))):
    _agent_loop_registry[cfg.name] = cfg
target = _agent_loop_registry["agentscene_agent"]["_target_"]
cls = hydra.utils.get_class(target)
out["loop_target"] = target
out["loop_is_tool_agent_loop"] = issubclass(cls, ToolAgentLoop)

async def main():
    add, move, term = tools["add_object"], tools["move_object"], tools["terminate"]
    # trajectories owned by tool instances (create_kwargs): two of them, isolated
    a, _ = await add.create("traj-a", create_kwargs={"task": task.to_json()})
    b, _ = await add.create("traj-b", create_kwargs={"task": other.to_json()})
    resp, reward, metrics = await add.execute(a, bed)
    out["add_text"] = resp.text
    out["add_reward"] = reward
    out["add_metrics"] = metrics
    out["b_objects_after_a_add"] = len(add._instances[b].scene.objects)
    junk = await add.execute(a, {"description": "x", "position": [float("nan"), 0, 0], "yaw": "north", "size": [1, 1]})
    out["junk_text"] = junk[0].text
    out["junk_reward"] = junk[1]
    out["calc_reward"] = await add.calc_reward(a)
    await add.release(a)
    await add.release(b)
    out["instances_after_release"] = len(add._instances)

    # the agent loop's way: the env rides on AgentData, tools are created/released per call
    loop = object.__new__(cls)
    loop.env_config = loop_module.EnvConfig(max_turns=5)
    loop.set_reward_score = True
    loop.scene_env = None
    row = {"extra_info": {"index": 3, "task": task.to_json()}}
    env = loop.start_episode(row)
    agent_data = AgentData(messages=[], image_data=None, video_data=None, audio_data=None, mm_processor_kwargs=None,
                           metrics={}, request_id="r1", tools_kwargs={})
    setattr(agent_data, "agentscene_env", env)
    for tool, args in ((add, bed), (move, {"object_id": "bed_1", "position": [2.5, 0.0, 2.0]}), (term, {"reason": "done"})):
        iid, _ = await tool.create()
        resp, reward, metrics = await tool.execute(iid, args, agent_data=agent_data)
        await tool.release(iid)
        out.setdefault("loop_texts", []).append(resp.text)
    out["loop_turns"] = env.turn
    out["loop_done"] = env.done
    after = await move.execute("late", {"object_id": "bed_1", "position": [1, 0, 1]}, agent_data=agent_data)
    out["after_end_text"] = after[0].text
    from verl.experimental.agent_loop.agent_loop import AgentLoopOutput, AgentLoopMetrics
    output = AgentLoopOutput(prompt_ids=[1], response_ids=[2], response_mask=[1], metrics=AgentLoopMetrics())
    output = loop.end_episode(output)
    out["loop_reward_score"] = output.reward_score
    out["loop_extra"] = {k: v for k, v in output.extra_fields.items() if k.startswith("agentscene")}
    out["loop_env_freed"] = loop.scene_env is None and env.scene is None
    try:
        await add.execute("nobody", bed)
    except RuntimeError as e:
        out["no_env_error"] = str(e)

asyncio.run(main())
solution = "<tool_call>\n" + json.dumps({"name": "add_object", "arguments": bed}) + "\n</tool_call>"
out["score_replayed"] = compute_score("agentscene", solution, task.to_json(), {"index": 0})
out["score_from_loop"] = compute_score("agentscene", "", task.to_json(), {"agentscene_reward": 0.25, "agentscene_turns": 2})
print(json.dumps(out, default=str))
'''


@pytest.mark.slow
def test_verl_tools_agent_loop_and_compute_score_in_real_verl():
    python, build = venv_or_skip("verl", VERL)
    res = run_in_venv(python, SCRIPT, json.dumps(BED), timeout=900)
    print(f"verl venv build {build['build_seconds']:.0f} s (reused={build['reused']}); imports {res['import_seconds']:.1f} s")
    assert res["tools"] == sorted(["add_object", "move_object", "rotate_object", "scale_object", "replace_object",
                                   "remove_object", "terminate"])
    add_schema = res["schemas"]["add_object"]["function"]
    assert add_schema["parameters"]["required"] == ["description", "position", "yaw", "size", "category", "support"]
    assert add_schema["parameters"]["properties"]["category"]["type"] == ["string", "null"]
    assert res["loop_target"] == "agentscene.env.verl.agent_loop.SceneAgentLoop" and res["loop_is_tool_agent_loop"]
    assert "Added bed_1" in res["add_text"] and res["add_metrics"]["reward/format"] == 1.0
    assert res["b_objects_after_a_add"] == 0  # trajectories are isolated
    assert "Error (invalid_arguments)" in res["junk_text"] and res["junk_reward"] < res["add_reward"]
    assert isinstance(res["calc_reward"], float)
    assert res["instances_after_release"] == 0  # release frees the trajectory
    assert "Added bed_1" in res["loop_texts"][0] and "Moved bed_1" in res["loop_texts"][1]
    assert res["loop_turns"] == 3 and res["loop_done"] and "episode is over" in res["after_end_text"]
    extra = res["loop_extra"]
    assert res["loop_reward_score"] == extra["agentscene_reward"] and extra["agentscene_turns"] == 3
    assert len(extra["agentscene_step_rewards"]) == 3 and res["loop_env_freed"]
    assert "agentscene_agent loop" in res["no_env_error"]
    assert res["score_replayed"]["replayed"] == 1.0 and res["score_replayed"]["n_objects"] == 1.0
    assert res["score_from_loop"]["score"] == 0.25 and res["score_from_loop"]["replayed"] == 0.0
    assert set(res["score_replayed"]) == set(res["score_from_loop"])  # verl stacks extra info per key


# -- compute_score in the main venv ----------------------------------------------------------


def _task() -> SceneTask:
    return SceneTask.from_prompt("a cozy bedroom with a bed and two nightstands")


def test_compute_score_replays_hermes_and_text_protocol_rollouts():
    task = _task()
    call = {"name": "add_object", "arguments": BED}
    hermes = "I'll add a bed.\n<tool_call>\n" + json.dumps(call) + "\n</tool_call>\nuser\nTool results: ...\n" \
             "<tool_call>\n" + json.dumps({"name": "terminate", "arguments": {"reason": "done"}}) + "\n</tool_call>"
    text = f"<think>bed first</think><tool_calls>[{json.dumps(call)}]</tool_calls> observation text " \
           "<think>done</think><tool_calls>[{\"name\": \"terminate\", \"arguments\": {\"reason\": \"ok\"}}]</tool_calls>"
    for solution in (hermes, text):
        res = compute_score("agentscene", solution, task.to_json(), None)
        assert res["replayed"] == 1.0 and res["turns"] == 2.0 and res["n_objects"] == 1.0


def test_compute_score_takes_junk_and_refuses_foreign_rows():
    task = _task()
    for junk in ("", "no tools here", "<tool_call>{broken", "<tool_calls>[{]</tool_calls>", "x" * 100_000):
        res = compute_score("agentscene", junk, task.to_json(), {})
        assert res["score"] <= 0 and res["n_objects"] == 0.0
    with pytest.raises(ValueError, match="agentscene rows"):
        compute_score("gsm8k", "42", "42", {})
    from agentscene.env import TaskError

    with pytest.raises(TaskError):
        compute_score("agentscene", "", '{"not": "a task"}', {})


def test_verl_rows_and_shipped_configs():
    row = task_row(_task(), "verl", index=7)
    assert row["data_source"] == "agentscene" and row["agent_name"] == "agentscene_agent"
    assert row["extra_info"]["index"] == 7 and SceneTask.from_json(row["reward_model"]["ground_truth"]).task_id == row["extra_info"]["task_id"]
    assert [m["role"] for m in row["prompt"]] == ["system", "user"]
    assert "SceneTool" in config_path("tool_config.yaml").read_text()
    assert "SceneAgentLoop" in config_path("agent_loop.yaml").read_text()
    with pytest.raises(FileNotFoundError, match="tool_config.yaml"):
        config_path("nope.yaml")
