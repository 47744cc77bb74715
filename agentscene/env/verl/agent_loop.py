"""`SceneAgentLoop`: verl's tool agent loop with one SceneEnv per trajectory.

Registered as `agentscene_agent`, both with verl's `@register` decorator and through the
shipped `data/agent_loop.yaml` (`actor_rollout_ref.rollout.agent.agent_loop_config_path`),
which is how verl's workers find it. verl instantiates one loop per trajectory; the loop
makes the env from the row's task, hands it to the tools through `AgentData`, and when the
rollout ends finishes the episode (final-turn terms) and reports the reward in the output's
`extra_fields` (`agentscene_reward`, read by `compute_score`). With `set_reward_score: true`
in the loop config it also sets verl's `reward_score` directly. Needs `pip install verl`.
"""

from __future__ import annotations

from typing import Any

from verl.experimental.agent_loop.agent_loop import AgentLoopOutput, register
from verl.experimental.agent_loop.tool_agent_loop import AgentData, AgentState, ToolAgentLoop

from agentscene.env.env import EnvConfig, SceneEnv
from agentscene.env.verl.tools import ENV_ATTRIBUTE
from agentscene.tasks import AGENT_NAME, task_from_row


@register(AGENT_NAME)
class SceneAgentLoop(ToolAgentLoop):
    """ToolAgentLoop + a per-trajectory SceneEnv."""

    def __init__(self, *args: Any, env: dict[str, Any] | None = None, set_reward_score: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.env_config = EnvConfig(**dict(env or {}))
        self.set_reward_score = bool(set_reward_score)
        self.scene_env: SceneEnv | None = None

    def start_episode(self, row: dict[str, Any]) -> SceneEnv:
        """The trajectory's env, reset on the row's task (extra_info.task or reward_model.ground_truth)."""
        env = SceneEnv(self.env_config)
        index = (row.get("extra_info") or {}).get("index", 0)
        env.reset(seed=int(index) if isinstance(index, int) else 0, options={"task": task_from_row(row)})
        self.scene_env = env
        return env

    def end_episode(self, output: AgentLoopOutput) -> AgentLoopOutput:
        """Finish the episode, put its reward and metrics in the output and free the env."""
        env = self.scene_env
        if env is None:
            raise RuntimeError("end_episode() without start_episode()")
        reward = env.finish()
        report = env.report
        output.extra_fields.update({
            "agentscene_reward": reward,
            "agentscene_turns": env.turn,
            "agentscene_step_rewards": list(env.rewards),
            "agentscene_metrics": report.headline() if report is not None else {},
        })
        if self.set_reward_score:
            output.reward_score = reward
        env.close()
        self.scene_env = None
        return output

    async def _handle_pending_state(self, agent_data: AgentData, sampling_params: dict[str, Any]) -> AgentState:
        setattr(agent_data, ENV_ATTRIBUTE, self.scene_env)
        return await super()._handle_pending_state(agent_data, sampling_params)

    async def run(self, sampling_params: dict[str, Any], **kwargs: Any) -> AgentLoopOutput:
        self.start_episode(kwargs)
        try:
            output = await super().run(sampling_params, **kwargs)
        except BaseException:
            if self.scene_env is not None:
                self.scene_env.close()
                self.scene_env = None
            raise
        return self.end_episode(output)
