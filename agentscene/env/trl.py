"""TRL adapter: an environment class for `GRPOTrainer(environment_factory=...)`.

    from trl import GRPOConfig, GRPOTrainer
    from agentscene.env.trl import SceneToolEnv, environment_factory

    trainer = GRPOTrainer(model=..., train_dataset=rows,           # rows from `agentscene rl dataset --format trl`
                          environment_factory=environment_factory(EnvConfig(max_turns=8)), args=GRPOConfig(...))

TRL's contract (trl 1.x): every public method of the class becomes a tool, its JSON schema
generated from the type hints and the docstring's `Args:`; `reset(**row)` starts a rollout with
the dataset row (its `task` column); `get_reward()` scores a finished rollout and is added as a
reward source. Instances are pooled and reused, one per concurrent rollout, so all state is
per instance. Each tool call is one env step; the string it returns is what the model reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentscene.env.env import EnvConfig, SceneEnv
from agentscene.tasks import task_from_row

OVER = "The episode is over; no more edits are applied."


class SceneToolEnv:
    """One rollout's scene with the scene tools as methods (generated from `tool_schemas()`, below)."""

    def __init__(self, config: EnvConfig | None = None):
        self._env = SceneEnv(config)
        self._started = False

    # -- trainer hooks (not tools) ------------------------------------------------------------

    def reset(self, **row: Any) -> str | None:
        """Start a rollout from a dataset row (`task` column). Returns text appended to the prompt, or None.

        Rows made by `agentscene rl dataset` already hold the opening message in `prompt`, so
        nothing is appended; a row with only a `task` gets the opening observation.
        """
        obs, _ = self._env.reset(options={"task": task_from_row(row)})
        self._started = True
        return None if row.get("prompt") else obs

    def get_reward(self) -> float:
        """The rollout's reward: the episode ends here (final-turn terms) if the model did not terminate."""
        if not self._started:
            return 0.0
        return self._env.finish()

    # -- private -----------------------------------------------------------------------------

    def _call(self, name: str, arguments: dict[str, Any]) -> str:
        env = self._env
        if not self._started or env.scene is None:
            return "Error: the episode has not started."
        if env.done:
            return OVER
        obs, _, _, _, _ = env.step([{"name": name, "arguments": arguments}])
        return obs



_TYPES: dict[str, Any] = {"string": str, "number": float, "integer": int, "boolean": bool}


def _python_type(prop: dict[str, Any]) -> tuple[Any, bool]:
    """(the Python type TRL reads back into this JSON schema, whether the field is nullable)."""
    if "anyOf" in prop:
        kinds = [p for p in prop["anyOf"] if p.get("type") != "null"]
        inner, _ = _python_type(kinds[0])
        return inner | None, True
    if prop.get("type") == "array":
        inner, _ = _python_type(prop.get("items", {}))
        return list[inner], False  # type: ignore[valid-type]
    return _TYPES[prop["type"]], False


def _tool_method(name: str) -> Callable[..., str]:
    """A SceneToolEnv method for one scene tool, its signature and docstring generated from `tool_schemas()`.

    TRL builds each tool's schema from the type hints and the docstring's `Args:` section, so the
    model is shown the same descriptions the strict schemas carry.
    """
    import inspect

    from agentscene.tools import tool_schemas

    fn = tool_schemas([name])[0]["function"]
    props: dict[str, Any] = fn["parameters"]["properties"]
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    hints: dict[str, Any] = {}
    nullable: set[str] = set()
    for arg, prop in props.items():
        kind, optional = _python_type(prop)
        hints[arg] = kind
        if optional:
            nullable.add(arg)
        params.append(inspect.Parameter(arg, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=kind,
                                        default=None if optional else inspect.Parameter.empty))
    hints["return"] = str
    signature = inspect.Signature(params, return_annotation=str)

    def method(self: SceneToolEnv, *args: Any, **kwargs: Any) -> str:
        bound = signature.bind(self, *args, **kwargs)
        arguments = {k: v for k, v in bound.arguments.items() if k != "self" and not (k in nullable and v is None)}
        return self._call(name, arguments)

    lines = [fn["description"], "", "Args:"]
    lines += [f"    {arg}: {prop.get('description', arg)}" for arg, prop in props.items()]
    method.__name__ = method.__qualname__ = name
    method.__doc__ = "\n".join(lines)
    method.__signature__ = signature  # type: ignore[attr-defined]
    method.__annotations__ = hints
    return method


def _add_tools(cls: type) -> type:
    from agentscene.tools import tool_names

    for name in tool_names():
        setattr(cls, name, _tool_method(name))
    return cls


SceneToolEnv = _add_tools(SceneToolEnv)


def environment_factory(config: EnvConfig | None = None) -> Callable[[], SceneToolEnv]:
    """A zero-argument factory for `GRPOTrainer(environment_factory=...)` with these settings."""

    def make() -> SceneToolEnv:
        return SceneToolEnv(config)

    return make


def env_reward(environments: list[SceneToolEnv] | None = None, **_: Any) -> list[float | None]:
    """A reward function reading the env (for `reward_funcs=` when you want it listed by name).

    GRPOTrainer passes `environments` to reward functions. Not needed when you rely on
    `get_reward`, which TRL adds by itself.
    """
    if environments is None:
        raise ValueError("env_reward needs GRPOTrainer's `environments` (use it with environment_factory)")
    return [e.get_reward() for e in environments]
