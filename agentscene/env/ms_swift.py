"""ms-swift adapter: an `--external_plugins` module with a multi-turn scheduler and a reward (ORM).

    swift rlhf --rlhf_type grpo ... \\
        --external_plugins $(python -c "import agentscene.env.ms_swift as m; print(m.__file__)") \\
        --multi_turn_scheduler agentscene --max_turns 8 --reward_funcs agentscene \\
        --dataset train.jsonl            # from `agentscene rl dataset --format ms-swift`

ms-swift imports this file and reads its registries: `multi_turns["agentscene"]` drives one
SceneEnv per trajectory (keyed by the request's uuid) through the scheduler hooks
(`on_trajectory_start`, `on_turn_end`, `step`), and `orms["agentscene"]` returns each
trajectory's episode reward from the scheduler's `rollout_infos`, or replays the conversation on
a fresh env when the rollout did not go through the scheduler. Subclass `SceneScheduler` and
set `env_config` to change the env's settings. Needs ms-swift (which pins its own trl and
transformers; install it in its own environment).
"""

from __future__ import annotations

from typing import Any

from swift.rewards import ORM, orms
from swift.rollout import MultiTurnScheduler, multi_turns

from agentscene.env.env import EnvConfig, SceneEnv
from agentscene.tasks import task_from_row

NAME = "agentscene"


def _action(infer_request: Any, response_choice: Any) -> Any:
    """The assistant turn to step with: native tool calls when the engine parsed them, else the text."""
    message = getattr(response_choice, "message", None)
    calls = getattr(message, "tool_calls", None)
    if calls:
        return [c if isinstance(c, dict) else {"name": c.function.name, "arguments": c.function.arguments} for c in calls]
    content = infer_request.messages[-1].get("content") if infer_request.messages else None
    return content if isinstance(content, str) else getattr(message, "content", None)


class SceneScheduler(MultiTurnScheduler):
    """One SceneEnv per trajectory: every assistant turn is one env step, the observation the next user turn."""

    env_config: EnvConfig | None = None

    def __init__(self, infer_engine: Any = None, max_turns: int | None = None, *args: Any, **kwargs: Any):
        super().__init__(infer_engine, max_turns, *args, **kwargs)
        base = self.env_config or EnvConfig()
        self._config = base.model_copy(update={"max_turns": max_turns}) if max_turns else base
        self._envs: dict[str, SceneEnv] = {}
        self._pending: dict[str, str] = {}

    @property
    def active(self) -> int:
        """Trajectories whose env is still held (for leak checks)."""
        return len(self._envs)

    def _release(self, uuid: str) -> None:
        env = self._envs.pop(uuid, None)
        if env is not None:
            env.close()
        self._pending.pop(uuid, None)

    async def on_trajectory_start(self, requests: list[Any]) -> None:
        for req in requests:
            self._release(req.uuid)
            env = SceneEnv(self._config)
            env.reset(seed=0, options={"task": task_from_row(req.data_dict or {})})
            self._envs[req.uuid] = env

    async def on_turn_end(self, infer_request: Any, response_choice: Any, current_turn: int) -> dict[str, Any]:
        env = self._envs.get(infer_request.uuid)
        if env is None:
            return {"done": True, "rollout_infos": {}}
        obs, _, terminated, truncated, info = env.step(_action(infer_request, response_choice))
        done = terminated or truncated
        stopping = getattr(response_choice, "finish_reason", None) == "length" or bool(self.max_turns and current_turn >= self.max_turns)
        if stopping and not done:
            env.finish()  # the rollout ends here: score it as the last turn
            done = True
        infos = {"agentscene_reward": env.episode_reward(), "total_reward": env.episode_reward(),
                 "agentscene_step_rewards": list(env.rewards), "agentscene_turns": env.turn, "agentscene_done": done,
                 "agentscene_metrics": info["metrics"]}
        if done:
            self._release(infer_request.uuid)
        else:
            self._pending[infer_request.uuid] = obs
        return {"done": done, "rollout_infos": infos}

    def step(self, infer_request: Any, response_choice: Any, current_turn: int) -> dict[str, Any]:
        obs = self._pending.pop(infer_request.uuid, None)
        if obs is not None:
            infer_request.messages.append({"role": "user", "content": obs})
        return {"infer_request": infer_request}


class SceneReward(ORM):
    """The trajectory's episode reward: from the scheduler's rollout_infos, else by replaying the chat."""

    env_config: EnvConfig | None = None

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float]:
        n = len(completions)
        infos = kwargs.get("rollout_infos") or [None] * n
        tasks = kwargs.get("task") or [None] * n
        messages = kwargs.get("messages") or [None] * n
        out = []
        for i in range(n):
            info = infos[i] or {}
            if info.get("agentscene_done") and "agentscene_reward" in info:
                out.append(float(info["agentscene_reward"]))
            else:
                out.append(self.replay(tasks[i], messages[i], completions[i]))
        return out

    def replay(self, task: Any, messages: list[dict[str, Any]] | None, completion: Any) -> float:
        """Score a conversation that did not run in the scheduler: each assistant turn is one step."""
        if task is None:
            raise ValueError("the agentscene reward needs the dataset's 'task' column (rows from `agentscene rl dataset --format ms-swift`)")
        env = SceneEnv(self.env_config)
        env.reset(seed=0, options={"task": task_from_row({"task": task})})
        turns = [m.get("content") for m in (messages or []) if m.get("role") == "assistant"] or [completion]
        for content in turns:
            if env.done:
                break
            if isinstance(content, list) and all(isinstance(t, int) for t in content):
                raise ValueError("assistant turns are token ids; score them with the agentscene multi-turn scheduler")
            env.step(content)
        reward = env.finish()
        env.close()
        return reward


orms[NAME] = SceneReward
multi_turns[NAME] = SceneScheduler
