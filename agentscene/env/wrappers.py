"""Wrappers: everything that is not the core env — images, reward shaping, history windows.

A wrapper holds an env and overrides what it changes; everything else passes through
(`wrapper.unwrapped` is the SceneEnv underneath). They compose:

    env = HistoryWindow(ImageObservation(SceneEnv(cfg)), turns=2)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from agentscene.env.actions import action_message
from agentscene.env.env import SceneEnv

__all__ = ["HistoryWindow", "ImageObservation", "ObservationWrapper", "TransformReward", "Wrapper", "action_message"]


class Wrapper:
    """Passes reset / step / close to the wrapped env; subclasses override what they change."""

    def __init__(self, env: Any):
        if not (callable(getattr(env, "reset", None)) and callable(getattr(env, "step", None))):
            raise TypeError(f"a wrapper needs an env with reset() and step(), got {type(env).__name__}")
        self.env = env

    @property
    def unwrapped(self) -> SceneEnv:
        return self.env.unwrapped

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.env, name)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        return self.env.reset(seed=seed, options=options)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        return self.env.step(action)

    def close(self) -> None:
        self.env.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.env!r})"


class ObservationWrapper(Wrapper):
    """Changes every observation through `observation(obs, info)`."""

    def observation(self, obs: Any, info: dict[str, Any]) -> Any:
        raise NotImplementedError

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        return self.observation(obs, info), info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        return self.observation(obs, info), reward, terminated, truncated, info


class TransformReward(Wrapper):
    """Reward shaping: `fn(reward, info) -> float`; the env's own total stays in info["env_reward"]."""

    def __init__(self, env: Any, fn: Callable[[float, dict[str, Any]], float]):
        super().__init__(env)
        if not callable(fn):
            raise TypeError("TransformReward needs a callable fn(reward, info) -> float")
        self.fn = fn

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        info["env_reward"] = reward
        shaped = float(self.fn(reward, info))
        return obs, shaped, terminated, truncated, info


class ImageObservation(ObservationWrapper):
    """Adds a rendered image of the scene: observations become chat content parts.

    `[{"type": "image", "image": PIL.Image}, {"type": "text", "text": ...}]`, the layout TRL,
    transformers chat templates and OpenAI-style clients take. The renderer is made once and
    closed with the env; `merge=True` puts the views side by side in one image (SceneReVis).
    """

    def __init__(self, env: Any, renderer: str = "raster", *, views: Sequence[str] = ("top", "diagonal"),
                 size: int = 512, overlays: bool = True, merge: bool = True, renderer_settings: dict[str, Any] | None = None):
        super().__init__(env)
        from agentscene.renderers import get_renderer

        self.renderer = get_renderer(renderer, **(renderer_settings or {}))
        self.views = tuple(views)
        self.size = int(size)
        self.overlays = overlays
        self.merge = merge

    def images(self) -> list[Any]:
        """The current scene rendered (merged or one image per view)."""
        base = self.unwrapped
        if base.scene is None:
            raise RuntimeError("no scene yet: call reset() first")
        result = self.renderer.render(base.scene, views=self.views, size=self.size, overlays=self.overlays,
                                      seed=0, mesh_provider=base.mesh_provider)
        return [result.merged] if self.merge else [result.images[v] for v in self.views]

    def observation(self, obs: Any, info: dict[str, Any]) -> list[dict[str, Any]]:
        parts = [{"type": "image", "image": im} for im in self.images()]
        if isinstance(obs, str):
            return [*parts, {"type": "text", "text": obs}]
        if isinstance(obs, list):
            return [*parts, *obs]
        raise TypeError(f"ImageObservation expects a text or content-part observation, got {type(obs).__name__}")

    def close(self) -> None:
        self.renderer.close()
        self.env.close()


class HistoryWindow(Wrapper):
    """Observations become the chat so far: the system prompt (with `system=True`) and the last
    `turns` turns before the current user message, laid out by agentscene.protocol.

    For models with a short context: older turns drop out; every user message restates the request.
    """

    def __init__(self, env: Any, turns: int = 3, *, system: bool = True):
        super().__init__(env)
        if turns < 0:
            raise ValueError("turns must be >= 0")
        self.turns = int(turns)
        self.system = system

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        _, info = self.env.reset(seed=seed, options=options)
        return self.unwrapped.messages(self.turns, system=self.system), info

    def step(self, action: Any) -> tuple[list[dict[str, Any]], float, bool, bool, dict[str, Any]]:
        _, reward, terminated, truncated, info = self.env.step(action)
        return self.unwrapped.messages(self.turns, system=self.system), reward, terminated, truncated, info
