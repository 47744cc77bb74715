"""`agentscene judge SCENE_OR_RUN... [--json]`: the offline judge's scores and findings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from agentscene.commands import console, err_console, fail


def _read(path: Path, dialect: str) -> tuple[Any, str | None, str | None]:
    """(scene, prompt from the run, None) or (None, None, error) for a scene file or a run directory."""
    from agentscene.formats import SceneFormatError, load_scene
    from agentscene.run_dir import RunDirectory

    try:
        if not path.is_dir():
            return load_scene(path, dialect=dialect), None, None
        rd = RunDirectory(path)
        spec = rd.read_spec() or {}
        prompt = (spec.get("config") or {}).get("prompt")
        prompt = prompt if isinstance(prompt, str) else None
        if (path / "scene.json").is_file():
            return load_scene(path / "scene.json"), prompt, None
        turns = rd.read_turns()
        if not turns:
            return None, None, f"{path}: not a run directory (no scene.json and no turns/)"
        return load_scene(turns[-1]["scene"]), prompt, None
    except SceneFormatError as e:
        return None, None, str(e)
    except (ValueError, KeyError, TypeError, OSError) as e:  # an unknown dialect, a turn file without a scene
        return None, None, f"{path}: {e}"


def judge_command(
    scenes: Annotated[list[Path], typer.Argument(help="Scene files (native, SceneReVis or ReSpace JSON) or run directories.")],
    prompt: Annotated[str | None, typer.Option(help="The request to match (default: the run's prompt or the scene's metadata).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print scores, reward terms, findings and skips as JSON.")] = False,
    physics: Annotated[bool, typer.Option("--physics/--no-physics", help="Also judge collisions, out-of-room and floating objects.")] = True,
    dialect: Annotated[str, typer.Option(help="Input dialect of scene files, or auto to detect.")] = "auto",
    top_k: Annotated[int, typer.Option(min=1, help="Findings printed per scene.")] = 12,
) -> None:
    """Judge scenes offline: rationality, layout, accessibility and the request, with each problem found."""
    from rich.markup import escape
    from rich.table import Table

    from agentscene.critics import judge, judge_json
    from agentscene.critics.rules import AXES

    if not scenes:
        raise fail("give scene files or run directories")
    out: list[dict[str, Any]] = []
    rows = []
    bad = 0
    for path in scenes:
        scene, run_prompt, error = _read(path, dialect)
        if error is not None:
            bad += 1
            err_console.print(f"[bold red]error:[/] {escape(error)}", highlight=False)
            out.append({"scene": str(path), "error": error})
            continue
        report = None
        if physics:
            from agentscene.rewards import evaluate

            report = evaluate(scene)
        j = judge(scene, prompt if prompt is not None else run_prompt, report=report)
        out.append({"scene": str(path), **judge_json(j)})
        rows.append((path, j))
    if as_json:
        typer.echo(json.dumps(out, indent=2))
    elif rows:
        table = Table(title="Offline judge (0-10)", pad_edge=False, padding=(0, 1))
        table.add_column("scene", overflow="fold", ratio=1, min_width=14)
        for head in ("rational", "layout", "access", "request", "found"):  # AXES, then the number of findings
            table.add_column(head, justify="right", no_wrap=True)
        for path, j in rows:
            table.add_row(escape(path.name), *(f"{j.scores[a]:.1f}" for a in AXES), str(len(j.findings)))
        console.print(table)
        for path, j in rows:
            if j.findings:
                console.print(f"\n[bold]{escape(path.name)}[/]", highlight=False)
                console.print(j.feedback_text(top_k, scores=False), highlight=False, markup=False)
    if bad:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    app.command(name="judge")(judge_command)
