"""The scene tools as verl `BaseTool`s (one instance per tool name, shared by all trajectories).

verl's tool agent loop calls `create` → `execute` → `release` around every single call, so a
trajectory's scene cannot live in a tool instance. It lives in the trajectory's SceneEnv:
- with our agent loop (`agentscene_agent`), on the loop's `AgentData` (`agentscene_env`),
  which verl passes to `execute` as `agent_data`;
- otherwise in this tool, keyed by instance id, made from `create_kwargs={"task": ...}`
  (rollouts that keep one instance per trajectory) and freed by `release`.
Either way two trajectories never share a scene. Needs `pip install verl`.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from verl.tools.base_tool import BaseTool
from verl.tools.schemas import OpenAIFunctionToolSchema, ToolResponse

from agentscene.env.env import EnvConfig, SceneEnv
from agentscene.tasks import SceneTask
from agentscene.tools import tool_names, tool_schemas

#: Attribute of verl's AgentData that holds the trajectory's env (set by SceneAgentLoop).
ENV_ATTRIBUTE = "agentscene_env"
OVER = "The episode is over; no more edits are applied."


def _verl_property(prop: dict[str, Any]) -> dict[str, Any]:
    """A strict-schema property in the flat form verl's schema model holds (type, description, enum)."""
    out = {k: v for k, v in prop.items() if k in ("type", "description", "enum", "items")}
    if "anyOf" in prop:  # a nullable field: {"anyOf": [{"type": "string"}, {"type": "null"}]}
        out["type"] = [t["type"] for t in prop["anyOf"] if "type" in t]
        out["description"] = prop.get("description") or next((t.get("description") for t in prop["anyOf"] if t.get("description")), None)
    if out.get("description") is None:
        out.pop("description", None)
    return out


def verl_schema(name: str) -> OpenAIFunctionToolSchema:
    """verl's schema object for one scene tool, generated from agentscene's argument models."""
    if name not in tool_names():
        raise ValueError(f"unknown scene tool {name!r}; the tools are {', '.join(tool_names())}")
    fn = tool_schemas([name])[0]["function"]
    params = fn["parameters"]
    return OpenAIFunctionToolSchema.model_validate({
        "type": "function",
        "function": {
            "name": name, "description": fn["description"],
            "parameters": {"type": "object", "required": list(params["required"]),
                           "properties": {k: _verl_property(v) for k, v in params["properties"].items()}},
        },
    })


class SceneTool(BaseTool):
    """One scene tool; its config names it: `{type: native, tool_name: move_object, env: {...}}`."""

    def __init__(self, config: dict[str, Any], tool_schema: OpenAIFunctionToolSchema | None = None):
        name = config.get("tool_name")
        if name not in tool_names():
            raise ValueError(f"SceneTool config needs tool_name, one of {', '.join(tool_names())}; got {name!r}")
        self._env_config = EnvConfig(**(config.get("env") or {}))
        self._instances: dict[str, SceneEnv | None] = {}
        super().__init__(config, tool_schema)

    def get_openai_tool_schema(self) -> OpenAIFunctionToolSchema:
        if getattr(self, "tool_schema", None) is not None:
            return self.tool_schema
        return verl_schema(self.config["tool_name"])

    async def create(self, instance_id: str | None = None, **kwargs: Any) -> tuple[str, ToolResponse]:
        """Register an instance; with `create_kwargs={"task": ...}` it owns a new SceneEnv for that task."""
        instance_id = instance_id or str(uuid4())
        task = (kwargs.get("create_kwargs") or {}).get("task")
        env = None
        if task is not None:
            env = SceneEnv(self._env_config)
            env.reset(seed=0, options={"task": SceneTask.from_json(task)})
        self._instances[instance_id] = env
        return instance_id, ToolResponse()

    def _env_for(self, instance_id: str, agent_data: Any) -> SceneEnv:
        env = getattr(agent_data, ENV_ATTRIBUTE, None) if agent_data is not None else None
        if env is None:
            env = self._instances.get(instance_id)
        if env is None:
            raise RuntimeError(f"{self.name}: no scene for this trajectory; run rollouts with the agentscene_agent loop "
                               "or pass create_kwargs={'task': ...} in tools_kwargs")
        return env

    async def execute(self, instance_id: str, parameters: dict[str, Any], **kwargs: Any) -> tuple[ToolResponse, float, dict]:
        """Apply the call: the next observation, this step's reward and its reward terms as metrics."""
        env = self._env_for(instance_id, kwargs.get("agent_data"))
        if env.done:
            return ToolResponse(text=OVER), 0.0, {"episode_over": 1.0}
        obs, reward, terminated, truncated, info = env.step([{"name": self.name, "arguments": parameters}])
        metrics = {f"reward/{k}": v for k, v in info["reward_terms"].items()}
        metrics.update({"turn": float(info["turn"]), "terminated": float(terminated), "truncated": float(truncated)})
        if isinstance(obs, list):  # an ImageObservation-wrapped env: content parts
            text = "\n".join(p["text"] for p in obs if p.get("type") == "text")
            images = [p["image"] for p in obs if p.get("type") == "image"]
            return ToolResponse(text=text, image=images), float(reward), metrics
        return ToolResponse(text=obs), float(reward), metrics

    async def calc_reward(self, instance_id: str, **kwargs: Any) -> float:
        """The trajectory's reward so far (`SceneEnv.episode_reward`)."""
        return self._env_for(instance_id, kwargs.get("agent_data")).episode_reward()

    async def release(self, instance_id: str, **kwargs: Any) -> None:
        """Forget the instance; an env it owns is closed (an agent loop's env is the loop's to close)."""
        env = self._instances.pop(instance_id, None)
        if env is not None:
            env.close()
