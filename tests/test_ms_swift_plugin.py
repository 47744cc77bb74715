"""ms-swift adapter against a real ms-swift 4.6, in its own venv (it pins trl<1 and older transformers).

A full CPU GRPO step through `swift rlhf` needs a model ms-swift can load by its hub
registry and a vLLM or transformers engine set-up well past CI's time, so this is a plugin
contract test that does what ms-swift does: `import_external_file` on our module, the
registries `orms` / `multi_turns`, the scheduler built with the trainer's kwargs and run by
ms-swift's own `MultiTurnScheduler.run` against a scripted engine (real RolloutInferRequest /
ChatCompletionResponse types), and the ORM called as `compute_rewards_per_func` calls it.
"""

from __future__ import annotations

import json

import pytest

from agentscene.env import SceneTask, task_row
from tests.test_env_venvs import REPO, run_in_venv, venv_or_skip

SWIFT = [["ms-swift==4.6.0"]]
PLUGIN = REPO / "agentscene" / "env" / "ms_swift.py"

SCRIPT = r'''
import asyncio, json, sys, time
t0 = time.monotonic()
from swift.utils import import_external_file
from swift.rewards import orms
from swift.rollout import multi_turns, MultiTurnScheduler
from swift.rewards.orm import ORM
from swift.infer_engine.protocol import (ChatCompletionResponse, ChatCompletionResponseChoice, ChatMessage,
                                         RequestConfig, RolloutInferRequest, UsageInfo)
plugin_path, rows_json = sys.argv[1], sys.argv[2]
rows = json.loads(rows_json)
import_external_file(plugin_path)
out = {"import_seconds": time.monotonic() - t0, "orm_registered": "agentscene" in orms,
       "scheduler_registered": "agentscene" in multi_turns}
Scheduler, Reward = multi_turns["agentscene"], orms["agentscene"]
out["scheduler_is_multi_turn"] = issubclass(Scheduler, MultiTurnScheduler)
out["orm_is_orm"] = issubclass(Reward, ORM)

class CharTokenizer:
    def encode(self, text, add_special_tokens=False):
        return [ord(c) for c in text]
    def decode(self, ids, skip_special_tokens=False):
        return "".join(chr(i) for i in ids)

class ScriptedEngine:
    """Answers each request with the next reply of its trajectory's script."""
    template = None
    def __init__(self, scripts):
        self.tokenizer = CharTokenizer()
        self.scripts = scripts
        self.seen = {}
    async def infer_async(self, infer_request, request_config, **kwargs):
        k = self.seen.get(infer_request.uuid, 0)
        self.seen[infer_request.uuid] = k + 1
        text = self.scripts[infer_request.uuid][k]
        choice = ChatCompletionResponseChoice(index=0, message=ChatMessage(role="assistant", content=text),
                                              finish_reason="stop", token_ids=self.tokenizer.encode(text))
        return ChatCompletionResponse(model="scripted", choices=[choice], usage=UsageInfo(prompt_tokens=0, completion_tokens=len(text), total_tokens=len(text)))

bed = {"name": "add_object", "arguments": {"description": "oak double bed", "position": [2.0, 0.0, 2.0], "yaw": 0, "size": [1.6, 1.0, 2.0]}}
move = {"name": "move_object", "arguments": {"object_id": "bed_1", "position": [2.5, 0.0, 2.0]}}
term = {"name": "terminate", "arguments": {"reason": "done"}}
tc = lambda *calls: "<think>plan</think><tool_calls>" + json.dumps(list(calls)) + "</tool_calls>"
scripts = {
    "good": [tc(bed), "<tool_call>\n" + json.dumps(move) + "\n</tool_call>", tc(term)],
    "junk": ["lol", "", tc({"name": "fly"}), "<tool_calls>[{]</tool_calls>", tc(term)],
    "long": [tc(bed)] * 10,
}
engine = ScriptedEngine(scripts)
# as ms-swift's trainer builds it: multi_turns[name](max_turns=..., tokenizer=..., template=...), engine attached
scheduler = Scheduler(infer_engine=engine, max_turns=4, tokenizer=engine.tokenizer, template=None)

async def main():
    results = {}
    for uuid in scripts:
        row = rows[0] if uuid != "junk" else rows[1]
        req = RolloutInferRequest(messages=[dict(m) for m in row["messages"]], data_dict={"task": row["task"]}, uuid=uuid)
        res = await scheduler.run(req, RequestConfig(max_tokens=64))
        results[uuid] = {"infos": res.rollout_infos, "roles": [m["role"] for m in res.messages],
                         "user_turns": [m["content"] for m in res.messages if m["role"] == "user"][1:]}
    return results

results = asyncio.run(main())
out["runs"] = results
out["envs_left"] = scheduler.active
orm = Reward(args=None)
infos = [results[u]["infos"] for u in scripts]
out["orm_from_infos"] = orm(["x"] * 3, rollout_infos=infos, task=[rows[0]["task"]] * 3, messages=[None] * 3, trainer_state=None)
msgs = rows[0]["messages"] + [{"role": "assistant", "content": tc(bed)}, {"role": "user", "content": "ok"},
                              {"role": "assistant", "content": tc(term)}]
out["orm_replay"] = orm([tc(term)], rollout_infos=[{}], task=[rows[0]["task"]], messages=[msgs])
try:
    orm(["x"], rollout_infos=[{}], messages=[None])
except ValueError as e:
    out["orm_no_task"] = str(e)
print(json.dumps(out, default=str))
'''


@pytest.mark.slow
def test_ms_swift_plugin_registers_and_drives_scene_env():
    python, build = venv_or_skip("ms-swift", SWIFT)
    rows = [task_row(SceneTask.from_prompt(p), "ms-swift") for p in ("a cozy bedroom with a bed", "a small office with a desk")]
    res = run_in_venv(python, SCRIPT, str(PLUGIN), json.dumps(rows), timeout=900)
    print(f"ms-swift venv build {build['build_seconds']:.0f} s (reused={build['reused']}); imports {res['import_seconds']:.1f} s")
    assert res["orm_registered"] and res["scheduler_registered"] and res["scheduler_is_multi_turn"] and res["orm_is_orm"]
    good, junk, long = (res["runs"][k] for k in ("good", "junk", "long"))
    assert good["infos"]["agentscene_done"] and good["infos"]["agentscene_turns"] == 3 and good["infos"]["num_turns"] == 3
    assert good["roles"] == ["system", "user", "assistant", "user", "assistant", "user", "assistant"]
    assert "Added bed_1" in good["user_turns"][0] and "Moved bed_1" in good["user_turns"][1]
    assert junk["infos"]["agentscene_turns"] == 4 and junk["infos"]["agentscene_done"]  # max_turns 4, never raised
    assert all(r <= 0 for r in junk["infos"]["agentscene_step_rewards"])
    assert "could not be used" in junk["user_turns"][0]
    assert long["infos"]["agentscene_turns"] == 4 and len(long["infos"]["agentscene_step_rewards"]) == 4
    assert res["envs_left"] == 0  # every trajectory's env was released
    rewards = res["orm_from_infos"]
    assert rewards == [good["infos"]["agentscene_reward"], junk["infos"]["agentscene_reward"], long["infos"]["agentscene_reward"]]
    assert isinstance(res["orm_replay"][0], float)
    assert "task" in res["orm_no_task"]


def test_ms_swift_rows_carry_messages_and_task():
    row = task_row(SceneTask.from_prompt("a cozy bedroom with a bed"), "ms-swift")
    assert set(row) == {"messages", "task"} and [m["role"] for m in row["messages"]] == ["system", "user"]
    assert SceneTask.from_json(row["task"]).key_objects == ("bed",)
