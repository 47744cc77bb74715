"""`compute_score` for verl's reward loop (`reward.custom_reward_function`), no verl import needed.

verl calls `compute_score(data_source, solution_str, ground_truth, extra_info)` per rollout,
with `extra_info` holding the row's extra_info plus the agent loop's `extra_fields`. When the
rollout ran in our agent loop, the env already scored it (`agentscene_reward` in extra_info)
and that is returned. Otherwise the rollout text is replayed on a fresh SceneEnv built from
`ground_truth` (the task JSON): each Hermes `<tool_call>` block or text-protocol
`<tool_calls>` block is one turn, then the episode is finished with the final-turn terms.
"""

from __future__ import annotations

import re
from typing import Any

from agentscene.env.env import EnvConfig, SceneEnv
from agentscene.tasks import DATA_SOURCE, SceneTask

#: Keys of every result (verl stacks reward_extra_info per key, so all rollouts need the same ones).
RESULT_KEYS = ("score", "turns", "n_objects", "collision_rate", "oob_rate", "pbl", "replayed")

_HERMES_BLOCK = re.compile(r"<tool_call>.*?(?:</tool_call>|$)", re.DOTALL)
_TEXT_TURN = re.compile(r".*?</tool_calls>", re.DOTALL)


def split_turns(solution_str: str) -> list[str]:
    """The rollout text cut into the replies to replay, in order."""
    if "<tool_call>" in solution_str:
        return _HERMES_BLOCK.findall(solution_str)
    if "</tool_calls>" in solution_str:
        return [m.group(0) for m in _TEXT_TURN.finditer(solution_str)]
    return [solution_str]


def replay(task: SceneTask, solution_str: str, config: EnvConfig | None = None) -> SceneEnv:
    """A finished env after replaying the rollout text on the task (junk turns score as junk)."""
    env = SceneEnv(config)
    env.reset(seed=0, options={"task": task})
    for turn in split_turns(solution_str):
        if env.done:
            break
        env.step(turn)
    env.finish()
    return env


def compute_score(data_source: str, solution_str: str, ground_truth: Any, extra_info: dict[str, Any] | None = None,
                  **_: Any) -> dict[str, float]:
    """The rollout's reward as verl expects it: {"score": float, ...} with fixed keys."""
    if data_source != DATA_SOURCE:
        raise ValueError(f"compute_score scores agentscene rows (data_source {DATA_SOURCE!r}), got {data_source!r}")
    info = extra_info or {}
    if "agentscene_reward" in info:
        metrics = info.get("agentscene_metrics") or {}
        return {"score": float(info["agentscene_reward"]), "turns": float(info.get("agentscene_turns", 0)),
                "n_objects": float(metrics.get("n_objects", 0.0)), "collision_rate": float(metrics.get("collision_rate", 0.0)),
                "oob_rate": float(metrics.get("oob_rate", 0.0)), "pbl": float(metrics.get("pbl", 0.0)), "replayed": 0.0}
    task = SceneTask.from_json(ground_truth)
    text = solution_str if isinstance(solution_str, str) else ""
    env = replay(task, text)
    report = env.report
    assert report is not None
    out = {"score": env.episode_reward(), "turns": float(env.turn), "n_objects": float(report.n_objects),
           "collision_rate": report.collision_rate, "oob_rate": report.oob_rate, "pbl": report.pbl, "replayed": 1.0}
    env.close()
    return out
