"""Scene exporters: glTF binary, USD, MuJoCo MJCF, Blender .blend and SceneEval scene state.

    from agentscene.exporters import export_scene
    export_scene(scene, "glb", "bedroom.glb")                          # procedural meshes, palette colours
    export_scene(scene, "mjcf", "bedroom.xml", dynamic=True)           # free bodies for a physics rollout
    export_scene(scene, "usd", "bedroom.usda", mesh_provider=None)     # oriented boxes

Meshes come from an asset backend's mesh provider (default: procedural) and are posed by
agentscene.meshes; heavy libraries (pxr, bpy) are imported only by their exporter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentscene.exporters.base import (
    Exporter,
    ExportError,
    exporter_info,
    exporter_names,
    get_exporter,
    register_exporter,
)
from agentscene.exporters.parts import ExportScene, ObjectMesh, export_scene_parts
from agentscene.formats import SceneFormatError, load_scene

_DEFAULT = object()


def _factory(module: str, cls: str):
    def make():
        import importlib

        return getattr(importlib.import_module(f"agentscene.exporters.{module}"), cls)()

    return make


register_exporter("glb", ".glb", "glTF binary: meshes, colours, a node per object (trimesh)", _factory("glb", "GlbExporter"))
register_exporter("usd", ".usd", "USD (.usd/.usdc/.usda) with per-face colours (pip install 'agentscene[usd]')",
                  _factory("usd", "UsdExporter"))
register_exporter("mjcf", ".xml", "MuJoCo MJCF: a body per object, mesh + collision box geoms, static by default",
                  _factory("mjcf", "MjcfExporter"))
register_exporter("blend", ".blend", "Blender .blend via the blender renderer's worker (pip install 'agentscene[blender]')",
                  _factory("blend", "BlendExporter"))
register_exporter("scene-eval", ".json", "SceneEval / SSTK scene state JSON", _factory("scene_eval", "SceneEvalExporter"))


def default_mesh_provider(assets: str | None = "procedural", **settings: Any):
    """A mesh provider over the named asset backend; None or "none" gives oriented boxes."""
    if assets in (None, "none"):
        return None
    from agentscene.assets import get_backend, mesh_provider

    return mesh_provider(get_backend(assets, **settings))


def export_scene(scene: Any, format: str, out: str | Path, *, mesh_provider: Any = _DEFAULT, **settings: Any) -> Path:
    """Write `scene` as `format` to `out`; `mesh_provider` defaults to procedural meshes (None: boxes)."""
    exporter = get_exporter(format)
    provider = default_mesh_provider() if mesh_provider is _DEFAULT else mesh_provider
    parts = export_scene_parts(scene, provider)
    return exporter.export(parts, Path(out), mesh_provider=provider, **settings)


def export_path(source: str | Path, format: str, out: str | Path | None = None, *, assets: str | None = "procedural",
                assets_settings: dict[str, Any] | None = None, **settings: Any) -> Path:
    """Export a scene file (any dialect) or a run directory's scene.json, or a batch directory as a
    SceneEval input folder (format scene-eval); errors are ExportError."""
    from pydantic import ValidationError

    from agentscene.assets import AssetError

    info = exporter_info(format)
    source = Path(source)
    if source.is_dir() and (source / "batch_summary.json").is_file():
        if format != "scene-eval":
            raise ExportError(f"{source} is a batch directory: it exports only as scene-eval (a SceneEval input folder)")
        from agentscene.exporters.scene_eval_batch import export_scene_eval_batch

        try:
            provider = default_mesh_provider(assets, **(assets_settings or {}))
        except (AssetError, ValidationError, ValueError, OSError) as e:
            raise ExportError(f"asset backend {assets!r}: {e}") from None
        try:
            return export_scene_eval_batch(source, Path(out) if out is not None else source / "scene-eval", mesh_provider=provider)
        except OSError as e:
            raise ExportError(f"cannot write {out}: {e.strerror or e}") from None
    scene_file = source / "scene.json" if source.is_dir() else source
    if not scene_file.is_file():
        raise ExportError(f"{source} is not a scene file or a run directory with scene.json")
    try:
        scene = load_scene(scene_file)
    except SceneFormatError as e:
        raise ExportError(str(e)) from None
    # SceneEval reads the scene's number from scene_<ID>.json
    target = Path(out) if out is not None else (
        scene_file.with_name("scene_0.json") if format == "scene-eval" else scene_file.with_name(scene_file.stem + info.suffix))
    try:
        provider = default_mesh_provider(assets, **(assets_settings or {}))
    except (AssetError, ValidationError, ValueError, OSError) as e:  # bad settings, a missing dataset folder
        raise ExportError(f"asset backend {assets!r}: {e}") from None
    try:
        return export_scene(scene, format, target, mesh_provider=provider, **settings)
    except OSError as e:
        raise ExportError(f"cannot write {target}: {e.strerror or e}") from None


__all__ = ["ExportError", "ExportScene", "Exporter", "ObjectMesh", "default_mesh_provider", "export_path", "export_scene",
           "export_scene_parts", "exporter_info", "exporter_names", "get_exporter", "register_exporter"]
