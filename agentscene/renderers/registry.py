"""Renderers by name: choosing a backend is a string in config or on the CLI.

Built-in backends are registered as small factories that import their module only when
called, so `import agentscene.renderers` stays light (no moderngl, no bpy).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentscene.registry import Registry
from agentscene.renderers.base import Renderer

RendererFactory = Callable[..., Renderer]


def _raster(**settings: Any) -> Renderer:
    from agentscene.renderers.raster import RasterRenderer

    return RasterRenderer(**settings)


def _raster_pool(**settings: Any) -> Renderer:
    from agentscene.renderers.raster_pool import RasterPool

    return RasterPool(**settings)


def _blender(**settings: Any) -> Renderer:
    from agentscene.renderers.blender import BlenderRenderer

    return BlenderRenderer(**settings)


RENDERERS: Registry[RendererFactory] = Registry("renderer")
RENDERERS.register("raster", _raster)
RENDERERS.register("raster-pool", _raster_pool)
RENDERERS.register("blender", _blender)

#: The renderer used when none is named: fast, CPU only, for RL and previews.
DEFAULT_RENDERER = "raster"


def register_renderer(name: str, factory: RendererFactory, *, replace: bool = False) -> None:
    """Make `get_renderer(name, **settings)` call `factory(**settings)`."""
    RENDERERS.register(name, factory, replace=replace)


def renderer_names() -> list[str]:
    return sorted(RENDERERS.names())


def get_renderer(name: str = DEFAULT_RENDERER, **settings: Any) -> Renderer:
    """Build the renderer registered as `name` with these settings (fields, or `settings=<Settings>`)."""
    return RENDERERS.get(name)(**settings)
