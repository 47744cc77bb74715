"""`play(env, agent)`: an `Agent` (the offline planner, a ChatAgent over any model) runs an episode in `SceneEnv`.

Each turn the agent gets the env's observation as data (`info["observation"]`) and the chat
(`info["messages"]`), the same `Observation` the loop gives it; its assistant message is the
action. The env made the task's room at reset, the room the agent would have created, so turn 0
is not played here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agentscene.agents.base import Agent, Observation
from agentscene.scene import Scene


class PlayResult(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    scene: Scene
    rewards: list[float]
    episode_reward: float
    terminated: bool
    #: the chat of every turn as the agent got it (`info["messages"]` before each step)
    sent: list[list[dict[str, Any]]] = Field(default_factory=list)


def play(env: Any, agent: Agent, *, seed: int | None = None, options: dict[str, Any] | None = None) -> PlayResult:
    """Reset `env` and let `agent` act until the episode ends; returns the final scene and the rewards."""
    _, info = env.reset(seed=seed, options=options)
    base = env.unwrapped
    sent: list[list[dict[str, Any]]] = []
    terminated = truncated = False
    while not (terminated or truncated):
        sent.append(info["messages"])
        action = agent.act(Observation(view=info["observation"], messages=info["messages"]))
        reply = action.messages[-1] if action.messages else [c.model_dump() for c in action.calls]
        _, _, terminated, truncated, info = env.step(reply)
    assert base.scene is not None
    return PlayResult(scene=base.scene, rewards=list(base.rewards), episode_reward=base.episode_reward(),
                      terminated=terminated, sent=sent)
