"""CLI commands for renderers: `agentscene render SCENE --renderer raster|blender --out renders/`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from agentscene.commands import esc
from agentscene.commands.options import AssetsOption, parse_assets_options


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    app.command("render")(render)


def render(
    scene_path: Annotated[Path, typer.Argument(metavar="SCENE", help="Scene file (native, SceneReVis or ReSpace JSON), run directory or batch directory.")],
    renderer: Annotated[str, typer.Option("--renderer", "-r", help="Backend: raster (fast, CPU) or blender (bpy).")] = "raster",
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the PNGs.")] = Path("renders"),
    views: Annotated[str, typer.Option(help="Comma-separated views: top, diagonal.")] = "top,diagonal",
    size: Annotated[int, typer.Option(min=16, max=8192, help="Image width and height in pixels.")] = 512,
    overlays: Annotated[bool, typer.Option("--overlays/--no-overlays", help="Draw boxes, facing arrows, ids and the grid.")] = True,
    seed: Annotated[int | None, typer.Option(help="Picks the corner the diagonal view looks from. Default: the run's seed, else 0.", show_default=False)] = None,
    prefix: Annotated[str | None, typer.Option(help="File name stem; default: the scene file's stem or the run's name.")] = None,
    engine: Annotated[str | None, typer.Option(help="Blender engine: workbench (fast) or cycles (quality).")] = None,
    samples: Annotated[int | None, typer.Option(min=1, help="Cycles samples per pixel.")] = None,
    blend: Annotated[Path | None, typer.Option(help="Blender only: also save the scene as this .blend file.")] = None,
    cameras: Annotated[bool, typer.Option("--cameras", help="Also write <prefix>_cameras.json (K, R, t per view).")] = False,
    assets: Annotated[str | None, typer.Option(help="Asset backend for meshes (procedural, 3d-future, ...) or none for boxes. Default: the one the scene records (its run's, else procedural).", show_default=False)] = None,
    assets_option: AssetsOption = None,
    dialect: Annotated[str, typer.Option(help="Input dialect, or auto to detect.")] = "auto",
) -> None:
    """Render a scene's views to PNGs (one per view plus the merged side-by-side image)."""
    from agentscene.commands import console, err_console, fail
    from agentscene.fileio import atomic_write_json
    from agentscene.formats import SceneFormatError, load_scene
    from agentscene.renderers import RenderError, RendererUnavailableError, get_renderer
    from agentscene.scene_inputs import scene_inputs

    inputs, problems = scene_inputs([scene_path])
    if problems:
        raise fail(problems[0])
    if prefix is not None and len(inputs) > 1:
        raise fail(f"--prefix names one scene, but {scene_path} holds {len(inputs)}")
    try:
        settings_given = parse_assets_options(assets_option)
    except ValueError as e:
        raise fail(str(e)) from None
    view_names = [v.strip() for v in views.split(",") if v.strip()]
    settings: dict[str, object] = {}
    if renderer == "blender":
        settings.update({k: v for k, v in (("engine", engine), ("samples", samples)) if v is not None})
    elif engine is not None or samples is not None or blend is not None:
        raise fail("--engine, --samples and --blend apply to --renderer blender only")
    if blend is not None and len(inputs) > 1:
        raise fail(f"--blend names one file, but {scene_path} holds {len(inputs)} scenes")
    try:
        backend = get_renderer(renderer, **settings)
    except ValueError as e:  # unknown renderer name or bad settings
        raise fail(str(e)) from None
    try:
        for item in inputs:
            try:
                scene = load_scene(item.path, dialect=dialect)
            except SceneFormatError as e:
                raise fail(str(e)) from None
            spec = _run_spec(item.run_dir)
            mesh_provider, note = _mesh_provider(scene, spec, assets, settings_given)
            if note:
                err_console.print(f"[yellow]warning:[/] {esc(note)}", highlight=False)
            stem = prefix or re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name).strip("._-") or "scene"
            try:
                extra = {"save_blend": blend} if blend is not None else {}
                run_seed = ((spec or {}).get("loop") or {}).get("seed", 0)
                result = backend.render(scene, views=view_names, size=size, overlays=overlays,
                                        seed=seed if seed is not None else int(run_seed),
                                        mesh_provider=mesh_provider, **extra)
                paths = result.save(out, stem)
            except (RendererUnavailableError, RenderError, ValueError) as e:
                raise fail(str(e)) from None
            if cameras:
                paths["cameras"] = atomic_write_json(out / f"{stem}_cameras.json", result.cameras_json())
            for warning in result.warnings:
                console.print(f"[yellow]warning:[/] {esc(warning)}", highlight=False)
            for name, path in paths.items():
                console.print(esc(f"{name:10} {path}"), highlight=False, soft_wrap=True)
            if blend is not None:
                console.print(esc(f"{'blend':10} {blend}"), highlight=False, soft_wrap=True)
            console.print(f"rendered {esc(item.name)}: {len(result.images)} view(s) with {esc(renderer)} in "
                          f"{result.seconds:.2f} s", highlight=False)
    finally:
        backend.close()


def _run_spec(run_dir: Path | None) -> dict[str, Any] | None:
    path = run_dir / "spec_used.json" if run_dir is not None else None
    if path is None or not path.is_file():
        return None
    from agentscene.limits import read_json  # pydantic: loaded only when a run's spec is read

    try:
        data = read_json(path)
    except (ValueError, OSError):  # a damaged spec only loses the recorded backend
        return None
    return data if isinstance(data, dict) else None


def _mesh_provider(scene: Any, spec: dict[str, Any] | None, assets: str | None,
                   settings: dict[str, str]) -> tuple[Any, str | None]:
    """(mesh provider or None for boxes, a warning): the named backend, else the one the scene records;
    a recorded backend that cannot be built here (its dataset is elsewhere) falls back to procedural."""
    from pydantic import ValidationError

    from agentscene.assets import AssetError, get_backend, mesh_provider, recorded_backend
    from agentscene.commands import fail

    name, recorded = (assets, settings) if assets is not None else recorded_backend(scene, spec)
    if name == "none":
        return None, None
    try:
        backend = get_backend(name, **recorded)
    except (AssetError, ValidationError, ValueError, OSError) as e:
        if assets is not None:
            raise fail(f"asset backend {name!r}: {e}") from None
        return mesh_provider(get_backend("procedural")), (
            f"the scene's assets come from {name!r}, which cannot be loaded here ({str(e).splitlines()[0]}); "
            f"drawing procedural meshes (pass --assets {name} --assets-option KEY=VALUE to use it)")
    fallback = None if name == "procedural" else get_backend("procedural")
    return mesh_provider(backend, fallback=fallback), None
