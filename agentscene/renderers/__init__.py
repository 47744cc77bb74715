"""Renderers: the Renderer protocol, shared cameras, and the raster (fast, CPU) and blender (bpy) backends.

    from agentscene.renderers import get_renderer
    with get_renderer("raster") as renderer:
        result = renderer.render(scene)            # top + diagonal views, overlays on
    result.save("renders", "bedroom")              # bedroom_top.png, bedroom_diagonal.png, bedroom_merged.png

Backends import their heavy dependencies (moderngl, bpy) only when first used.
"""

from agentscene.renderers.base import (
    Renderer,
    RenderError,
    RendererUnavailableError,
    RenderResult,
    merge_side_by_side,
)
from agentscene.renderers.cameras import (
    VIEW_NAMES,
    Camera,
    CameraSettings,
    diagonal_camera,
    orbit_camera,
    ring_cameras,
    scene_cameras,
    top_camera,
)
from agentscene.renderers.overlays import OverlaySettings, draw_overlays
from agentscene.renderers.registry import (
    DEFAULT_RENDERER,
    get_renderer,
    register_renderer,
    renderer_names,
)
from agentscene.renderers.view_parts import build_scene_meshes
from agentscene.scene_meshes import StyleSettings

__all__ = [
    "DEFAULT_RENDERER", "VIEW_NAMES", "Camera", "CameraSettings", "OverlaySettings", "RenderError", "RenderResult",
    "Renderer", "RendererUnavailableError", "StyleSettings", "build_scene_meshes", "diagonal_camera",
    "draw_overlays", "get_renderer", "merge_side_by_side", "orbit_camera", "register_renderer", "renderer_names",
    "ring_cameras", "scene_cameras", "top_camera",
]
