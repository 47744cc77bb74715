"""Blender .blend through the Blender render backend's worker (agentscene.renderers.blender).

The worker builds exactly what it renders (floor, walls, one mesh object per scene object named by
its id, with per-face colours in a colour attribute and one material that shows them, plus the
cameras) and saves the .blend without rendering an image. Walls are built at the room's full
height here. Needs `pip install 'agentscene[blender]'`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentscene.exporters.base import ExportError
from agentscene.exporters.parts import MAX_WALL_HEIGHT, ExportScene


class BlendExporter:
    name = "blend"
    suffix = ".blend"
    description = "Blender scene file with meshes, colours and cameras (bpy, via the blender renderer's worker)"

    def export(self, parts: ExportScene, path: Path, *, mesh_provider: Any = None, python: str | None = None,
               **settings: Any) -> Path:
        from agentscene.fileio import resolve_target
        from agentscene.renderers.base import RenderError, RendererUnavailableError
        from agentscene.renderers.blender import BlenderRenderer, BlenderSettings
        from agentscene.scene_meshes import StyleSettings

        resolve_target(path)  # refuse a pipe or device node before Blender opens it
        scene = parts.scene
        style = StyleSettings(wall_height=min(scene.room.height, MAX_WALL_HEIGHT))
        try:
            renderer = BlenderRenderer(BlenderSettings(style=style, python=python))
        except RendererUnavailableError as e:
            raise ExportError(str(e)) from None
        try:
            renderer.save_blend(scene, path, views=("top", "diagonal"), mesh_provider=mesh_provider)
        except RenderError as e:
            raise ExportError(f"Blender could not write {path}: {e}") from None
        finally:
            renderer.close()
        return path
