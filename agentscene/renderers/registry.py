"""Renderers by name: choosing a backend is a string in config or on the CLI.

Built-in backends are registered as small factories that import their module only when
called, so `import agentscene.renderers` stays light (no moderngl, no bpy).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentscene.renderers.base import Renderer

RendererFactory = Callable[..., Renderer]


def _raster(**settings: Any) -> Renderer:
    from agentscene.renderers.raster import RasterRenderer

    return RasterRenderer(**settings)


def _blender(**settings: Any) -> Renderer:
    from agentscene.renderers.blender import BlenderRenderer

    return BlenderRenderer(**settings)


_RENDERERS: dict[str, RendererFactory] = {"raster": _raster, "blender": _blender}

#: The renderer used when none is named: fast, CPU only, for RL and previews.
DEFAULT_RENDERER = "raster"


def register_renderer(name: str, factory: RendererFactory, *, replace: bool = False) -> None:
    """Make `get_renderer(name, **settings)` call `factory(**settings)`."""
    if not name or not name.strip():
        raise ValueError("a renderer name must be a non-empty string")
    if name in _RENDERERS and not replace:
        raise ValueError(f"renderer {name!r} is already registered (pass replace=True to override)")
    _RENDERERS[name] = factory


def renderer_names() -> list[str]:
    return sorted(_RENDERERS)


def get_renderer(name: str = DEFAULT_RENDERER, **settings: Any) -> Renderer:
    """Build the renderer registered as `name` with these settings (fields, or `settings=<Settings>`)."""
    try:
        factory = _RENDERERS[name]
    except KeyError:
        raise ValueError(f"unknown renderer {name!r}; known: {', '.join(renderer_names())}") from None
    return factory(**settings)
