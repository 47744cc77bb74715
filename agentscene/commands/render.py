"""CLI commands for renderers: `agentscene render SCENE --renderer raster|blender --out renders/`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from agentscene.commands import esc


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    app.command("render")(render)


def render(
    scene_path: Annotated[Path, typer.Argument(metavar="SCENE", help="Scene file (native, SceneReVis or ReSpace JSON).")],
    renderer: Annotated[str, typer.Option("--renderer", "-r", help="Backend: raster (fast, CPU) or blender (bpy).")] = "raster",
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the PNGs.")] = Path("renders"),
    views: Annotated[str, typer.Option(help="Comma-separated views: top, diagonal.")] = "top,diagonal",
    size: Annotated[int, typer.Option(min=16, max=8192, help="Image width and height in pixels.")] = 512,
    overlays: Annotated[bool, typer.Option("--overlays/--no-overlays", help="Draw boxes, facing arrows, ids and the grid.")] = True,
    seed: Annotated[int, typer.Option(help="Picks the corner the diagonal view looks from.")] = 0,
    prefix: Annotated[str | None, typer.Option(help="File name stem; default: the scene file's stem.")] = None,
    engine: Annotated[str | None, typer.Option(help="Blender engine: workbench (fast) or cycles (quality).")] = None,
    samples: Annotated[int | None, typer.Option(min=1, help="Cycles samples per pixel.")] = None,
    blend: Annotated[Path | None, typer.Option(help="Blender only: also save the scene as this .blend file.")] = None,
    cameras: Annotated[bool, typer.Option("--cameras", help="Also write <prefix>_cameras.json (K, R, t per view).")] = False,
    assets: Annotated[str | None, typer.Option(help="Asset backend for meshes (e.g. procedural); default: boxes.")] = None,
    dialect: Annotated[str, typer.Option(help="Input dialect, or auto to detect.")] = "auto",
) -> None:
    """Render a scene's views to PNGs (one per view plus the merged side-by-side image)."""
    from agentscene.commands import console, fail
    from agentscene.fileio import atomic_write_json
    from agentscene.formats import SceneFormatError, load_scene
    from agentscene.renderers import RenderError, RendererUnavailableError, get_renderer

    try:
        scene = load_scene(scene_path, dialect=dialect)
    except SceneFormatError as e:
        raise fail(str(e)) from None
    view_names = [v.strip() for v in views.split(",") if v.strip()]
    settings: dict[str, object] = {}
    if renderer == "blender":
        settings.update({k: v for k, v in (("engine", engine), ("samples", samples)) if v is not None})
    elif engine is not None or samples is not None or blend is not None:
        raise fail("--engine, --samples and --blend apply to --renderer blender only")
    mesh_provider = None
    if assets is not None:
        mesh_provider = _asset_mesh_provider(assets)
    stem = prefix or re.sub(r"[^A-Za-z0-9_.-]+", "_", scene_path.stem).strip("._-") or "scene"
    try:
        backend = get_renderer(renderer, **settings)
    except ValueError as e:  # unknown renderer name or bad settings
        raise fail(str(e)) from None
    try:
        extra = {"save_blend": blend} if blend is not None else {}
        result = backend.render(scene, views=view_names, size=size, overlays=overlays, seed=seed, mesh_provider=mesh_provider, **extra)
        paths = result.save(out, stem)
    except (RendererUnavailableError, RenderError, ValueError) as e:
        raise fail(str(e)) from None
    finally:
        backend.close()
    if cameras:
        paths["cameras"] = atomic_write_json(out / f"{stem}_cameras.json", result.cameras_json())
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {esc(warning)}", highlight=False)
    for name, path in paths.items():
        console.print(esc(f"{name:10} {path}"), highlight=False)
    if blend is not None:
        console.print(esc(f"{'blend':10} {blend}"), highlight=False)
    console.print(f"rendered {len(result.images)} view(s) with {esc(renderer)} in {result.seconds:.2f} s", highlight=False)


def _asset_mesh_provider(name: str):
    """A MeshProvider from the asset backend `name` (imported only when asked for)."""
    from agentscene.commands import fail

    try:
        from agentscene.assets import get_backend, mesh_provider
    except ImportError as e:
        raise fail(f"asset backends are not available in this installation: {e}") from None
    try:
        return mesh_provider(get_backend(name))
    except ValueError as e:
        raise fail(str(e)) from None
