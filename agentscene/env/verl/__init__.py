"""verl adapter: scene tools as verl `BaseTool`s, an agent loop, a tool config and `compute_score`.

- `agentscene.env.verl.tools.SceneTool`: one verl tool per scene tool (name in its config);
  the trajectory's SceneEnv comes from our agent loop, or from `create_kwargs.task`.
- `agentscene.env.verl.agent_loop.SceneAgentLoop`: verl's tool agent loop plus one SceneEnv per
  trajectory; registered as `agentscene_agent` (the rows' `agent_name`).
- `agentscene.env.verl.reward.compute_score`: the reward function for
  `reward.custom_reward_function.path` / `name`.
- `data/tool_config.yaml`, `data/agent_loop.yaml`: pass their paths (see `config_path`) to
  `actor_rollout_ref.rollout.multi_turn.tool_config_path` and `...agent.agent_loop_config_path`.

Only `reward` imports without verl installed; `tools` and `agent_loop` need `pip install verl`.
"""

from __future__ import annotations

from pathlib import Path

from agentscene.env.verl.reward import compute_score

DATA = Path(__file__).parent / "data"


def config_path(name: str) -> Path:
    """Path of a shipped config file: 'tool_config.yaml' or 'agent_loop.yaml'."""
    path = DATA / name
    if not path.is_file():
        raise FileNotFoundError(f"no shipped verl config {name!r}; have: {', '.join(sorted(p.name for p in DATA.glob('*.yaml')))}")
    return path


__all__ = ["DATA", "compute_score", "config_path"]
