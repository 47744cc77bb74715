"""Wrappers: everything that is not the core env — images, reward shaping, history windows.

A wrapper holds an env and overrides what it changes; everything else passes through
(`wrapper.unwrapped` is the SceneEnv underneath). They compose:

    env = HistoryWindow(ImageObservation(SceneEnv(cfg)), turns=2)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from agentscene.env.env import SceneEnv


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


def action_message(action: Any) -> dict[str, Any]:
    """An action as the assistant message that produced it (for histories and SFT data)."""
    if isinstance(action, str):
        return {"role": "assistant", "content": action}
    if isinstance(action, dict) and action.get("role") == "assistant":
        return dict(action)
    if isinstance(action, (list, tuple)):
        from agentscene.tools import coerce_call

        calls = []
        for raw in action:
            call = coerce_call(raw)
            calls.append(call.to_openai() if not isinstance(call, str) else {"type": "function", "function": {"name": "(invalid)", "arguments": "{}"}})
        return {"role": "assistant", "content": "", "tool_calls": calls}
    return {"role": "assistant", "content": json.dumps(action, default=str)[:2000]}


class HistoryWindow(Wrapper):
    """Observations become the chat so far: the opening message plus the last `turns` exchanges.

    For models with a short context: older turns drop out, the task statement stays. The
    system prompt leads when `system=True`.
    """

    def __init__(self, env: Any, turns: int = 3, *, system: bool = True):
        super().__init__(env)
        if turns < 0:
            raise ValueError("turns must be >= 0")
        self.turns = int(turns)
        self.system = system
        self._opening: list[dict[str, Any]] = []
        self._exchanges: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def _messages(self) -> list[dict[str, Any]]:
        recent = self._exchanges[-self.turns:] if self.turns else []
        out = list(self._opening)
        for assistant, user in recent:
            out += [assistant, user]
        return out

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        self._opening = []
        if self.system:
            self._opening.append({"role": "system", "content": self.unwrapped.system_prompt})
        self._opening.append({"role": "user", "content": obs})
        self._exchanges = []
        return self._messages(), info

    def step(self, action: Any) -> tuple[list[dict[str, Any]], float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._exchanges.append((action_message(action), {"role": "user", "content": obs}))
        if len(self._exchanges) > max(self.turns, 1):
            self._exchanges = self._exchanges[-max(self.turns, 1):]
        return self._messages(), reward, terminated, truncated, info
