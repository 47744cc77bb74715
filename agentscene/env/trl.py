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
    """One rollout's scene with the seven scene tools as methods."""

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

    # -- tools -------------------------------------------------------------------------------

    def add_object(self, description: str, position: list[float], yaw: float, size: list[float],
                   category: str | None = None, support: str | None = None) -> str:
        """Add a new piece of furniture or decor to the room.

        Args:
            description: What the object is, with style and material, e.g. 'oak double bed with upholstered headboard'.
            position: [x, y, z] in metres: the centre of the object's bottom face; y is up and the floor is y = 0.
            yaw: Degrees about the vertical axis; 0 faces +z, 90 faces +x.
            size: [width, height, depth] in metres along the object's own axes.
            category: A normalised noun such as bed, nightstand or sofa; null to infer it from the description.
            support: floor, wall, ceiling, or the id of the object it rests on; null for the category's default.
        """
        args: dict[str, Any] = {"description": description, "position": position, "yaw": yaw, "size": size}
        if category is not None:
            args["category"] = category
        if support is not None:
            args["support"] = support
        return self._call("add_object", args)

    def move_object(self, object_id: str, position: list[float]) -> str:
        """Move an existing object to a new absolute position.

        Args:
            object_id: Id of an object in the scene, e.g. bed_1.
            position: [x, y, z] in metres: the new centre of the object's bottom face.
        """
        return self._call("move_object", {"object_id": object_id, "position": position})

    def rotate_object(self, object_id: str, yaw: float) -> str:
        """Set an existing object's absolute yaw.

        Args:
            object_id: Id of an object in the scene, e.g. bed_1.
            yaw: Degrees about the vertical axis; 0 faces +z, 90 faces +x.
        """
        return self._call("rotate_object", {"object_id": object_id, "yaw": yaw})

    def scale_object(self, object_id: str, size: list[float]) -> str:
        """Set an existing object's absolute size.

        Args:
            object_id: Id of an object in the scene, e.g. bed_1.
            size: [width, height, depth] in metres.
        """
        return self._call("scale_object", {"object_id": object_id, "size": size})

    def replace_object(self, object_id: str, description: str) -> str:
        """Replace an object with a different one described in words, keeping its position, yaw and size.

        Args:
            object_id: Id of an object in the scene, e.g. chair_2.
            description: What the new object is.
        """
        return self._call("replace_object", {"object_id": object_id, "description": description})

    def remove_object(self, object_id: str) -> str:
        """Remove an object from the room.

        Args:
            object_id: Id of an object in the scene, e.g. rug_1.
        """
        return self._call("remove_object", {"object_id": object_id})

    def terminate(self, reason: str) -> str:
        """Finish editing: the room is complete and physically valid.

        Args:
            reason: Why the room is finished.
        """
        return self._call("terminate", {"reason": reason})


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
