"""Wrappers: everything that is not the core env — images, reward shaping, history windows.

A wrapper holds an env and overrides what it changes; everything else passes through
(`wrapper.unwrapped` is the SceneEnv underneath). They compose:

    env = HistoryWindow(ImageObservation(SceneEnv(cfg)), turns=2)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from agentscene.env.env import SceneEnv
from agentscene.tools.actions import action_message

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
    transformers chat templates and OpenAI-style clients take. `renderer` is a registered
    name (the wrapper makes the renderer and closes it with the env) or a Renderer instance
    shared by many wrappers (closed by its owner). `merge=True` puts the views side by side in
    one image (SceneReVis). For a batch of envs, `reset_batch` / `step_batch` render every
    env's scene in one `render_many` call per renderer.

    `image_format="numpy"`: images are (H, W, 3) uint8 arrays instead (what VLM processors also
    take). From the raster backend they are read-only views of its read-back buffer, no copy and
    no PIL image to make (about 1 ms a step on a CPU); a buffer is reused only once nothing refers
    to it, so holding many observations holds their buffers.
    """

    def __init__(self, env: Any, renderer: str | Any = "raster", *, views: Sequence[str] = ("top", "diagonal"),
                 size: int = 512, overlays: bool = True, merge: bool = True, renderer_settings: dict[str, Any] | None = None,
                 image_format: Literal["pil", "numpy"] = "pil"):
        super().__init__(env)
        if image_format not in ("pil", "numpy"):
            raise ValueError(f"image_format must be 'pil' or 'numpy', got {image_format!r}")
        if isinstance(renderer, str):
            from agentscene.renderers import get_renderer

            self.renderer = get_renderer(renderer, **(renderer_settings or {}))
            self._owns_renderer = True
        else:
            if renderer_settings:
                raise TypeError("renderer_settings only apply when the renderer is given by name")
            if not callable(getattr(renderer, "render", None)):
                raise TypeError(f"renderer must be a name or a Renderer, got {type(renderer).__name__}")
            self.renderer = renderer
            self._owns_renderer = False
        self.views = tuple(views)
        self.size = int(size)
        self.overlays = overlays
        self.merge = merge
        self.image_format = image_format

    def _scene(self) -> Any:
        base = self.unwrapped
        if base.scene is None:
            raise RuntimeError("no scene yet: call reset() first")
        return base.scene

    def _images_of(self, result: Any) -> list[Any]:
        if self.image_format == "numpy":
            if self.merge:
                return [result.merged_array(view=True)]
            arrays = result.arrays()
            return [arrays[v] for v in self.views]
        return [result.merged] if self.merge else [result.images[v] for v in self.views]

    def _render(self, scenes: list[Any]) -> list[Any]:
        """Results for these scenes with this wrapper's settings: one `render_many` call where the renderer has it."""
        mesh_provider = self.unwrapped.mesh_provider
        render_many = getattr(self.renderer, "render_many", None)
        if render_many is None:  # a backend without batching: one call per scene
            return [self.renderer.render(s, views=self.views, size=self.size, overlays=self.overlays, seed=0, mesh_provider=mesh_provider)
                    for s in scenes]
        if self.image_format == "numpy":
            return render_many(scenes, self.views, self.size, self.overlays, seeds=0, mesh_provider=mesh_provider, output="numpy")
        return render_many(scenes, self.views, self.size, self.overlays, seeds=0, mesh_provider=mesh_provider)

    def images(self) -> list[Any]:
        """The current scene rendered (merged or one image per view)."""
        if self.image_format == "numpy":
            return self._images_of(self._render([self._scene()])[0])
        result = self.renderer.render(self._scene(), views=self.views, size=self.size, overlays=self.overlays,
                                      seed=0, mesh_provider=self.unwrapped.mesh_provider)
        return self._images_of(result)

    def _compose(self, obs: Any, images: list[Any]) -> list[dict[str, Any]]:
        parts = [{"type": "image", "image": im} for im in images]
        if isinstance(obs, str):
            return [*parts, {"type": "text", "text": obs}]
        if isinstance(obs, list):
            return [*parts, *obs]
        raise TypeError(f"ImageObservation expects a text or content-part observation, got {type(obs).__name__}")

    def observation(self, obs: Any, info: dict[str, Any]) -> list[dict[str, Any]]:
        return self._compose(obs, self.images())

    def close(self) -> None:
        if self._owns_renderer:
            self.renderer.close()
        self.env.close()


def _image_wrappers(envs: Sequence[Any]) -> list[ImageObservation]:
    if not all(isinstance(e, ImageObservation) for e in envs):
        kinds = sorted({type(e).__name__ for e in envs if not isinstance(e, ImageObservation)})
        raise TypeError(f"reset_batch/step_batch take ImageObservation envs (the outermost wrapper), got {', '.join(kinds)}")
    return list(envs)


def render_batch(envs: Sequence[ImageObservation]) -> list[list[Any]]:
    """Each env's current images, rendered with one `render_many` per shared renderer and settings."""
    wrappers = _image_wrappers(envs)
    out: list[list[Any] | None] = [None] * len(wrappers)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, w in enumerate(wrappers):
        key = (id(w.renderer), w.views, w.size, w.overlays, id(w.unwrapped.mesh_provider), w.image_format)
        groups.setdefault(key, []).append(i)
    for idx in groups.values():
        results = wrappers[idx[0]]._render([wrappers[i]._scene() for i in idx])
        for i, result in zip(idx, results, strict=True):
            out[i] = wrappers[i]._images_of(result)
    return out  # type: ignore[return-value]


def reset_batch(envs: Sequence[ImageObservation], *, seeds: Sequence[int | None] | None = None,
                options: Sequence[dict[str, Any] | None] | None = None) -> list[tuple[list[dict[str, Any]], dict[str, Any]]]:
    """`reset` every env, rendering all first observations together."""
    wrappers = _image_wrappers(envs)
    seeds = list(seeds) if seeds is not None else [None] * len(wrappers)
    options = list(options) if options is not None else [None] * len(wrappers)
    if not len(seeds) == len(options) == len(wrappers):
        raise ValueError("seeds and options need one entry per env")
    raw = [w.env.reset(seed=s, options=o) for w, s, o in zip(wrappers, seeds, options, strict=True)]
    images = render_batch(wrappers)
    return [(w._compose(obs, im), info) for w, (obs, info), im in zip(wrappers, raw, images, strict=True)]


def step_batch(envs: Sequence[ImageObservation], actions: Sequence[Any]) -> list[tuple[list[dict[str, Any]], float, bool, bool, dict[str, Any]]]:
    """`step` every env with its action, rendering all observations together."""
    wrappers = _image_wrappers(envs)
    if len(actions) != len(wrappers):
        raise ValueError(f"got {len(actions)} actions for {len(wrappers)} envs")
    raw = [w.env.step(a) for w, a in zip(wrappers, actions, strict=True)]
    images = render_batch(wrappers)
    return [(w._compose(obs, im), reward, term, trunc, info)
            for w, (obs, reward, term, trunc, info), im in zip(wrappers, raw, images, strict=True)]


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
