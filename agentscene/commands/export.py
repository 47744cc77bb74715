"""CLI command for scene exports: `agentscene export`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentscene.commands import esc
from agentscene.commands.options import AssetsOption, parse_assets_options


def export_command(
    scene: Annotated[Path, typer.Argument(help="A scene file (native, SceneReVis or ReSpace JSON), a run directory, or (with --format scene-eval) a batch directory.")],
    format: Annotated[str, typer.Option("--format", "-f", help="glb, usd, mjcf, blend or scene-eval.")] = "glb",
    out: Annotated[Path | None, typer.Option(help="Output file (default: beside the scene, with the format's suffix; scene-eval: scene_0.json), or for a batch the SceneEval input folder (default: BATCH/scene-eval).")] = None,
    assets: Annotated[str, typer.Option(help="Meshes from this asset backend (procedural, 3d-future, objaverse, sam3d) or none for boxes.")] = "procedural",
    assets_option: AssetsOption = None,
    dynamic: Annotated[bool, typer.Option("--dynamic", help="mjcf: free-floating bodies with mass (default: static).")] = False,
    decompose: Annotated[bool, typer.Option("--decompose", help="mjcf: split one-piece meshes into convex parts with V-HACD (default: the hull of each connected part).")] = False,
) -> None:
    """Export a scene with its meshes and colours: glTF binary, USD, MuJoCo MJCF, Blender .blend or SceneEval scene state (a batch: a SceneEval input folder)."""
    from rich.console import Console

    from agentscene.commands import fail
    from agentscene.exporters import ExportError, export_path

    try:
        settings = parse_assets_options(assets_option)
    except ValueError as e:
        raise fail(str(e)) from None
    try:
        written = export_path(scene, format, out, assets=assets, assets_settings=settings, dynamic=dynamic,
                              decompose=decompose)
    except (ExportError, ImportError) as e:  # a missing extra names its install command
        raise fail(str(e)) from None
    Console().print(f"wrote {esc(written)}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    app.command("export")(export_command)
