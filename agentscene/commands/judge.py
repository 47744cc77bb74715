"""`agentscene judge SCENE_OR_RUN... [--json]`: the offline judge's scores and findings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from agentscene.commands import console, err_console, esc, fail


def _read(path: Path, run_dir: Path | None, dialect: str) -> tuple[Any, str | None, str | None]:
    """(scene, the run's prompt, None) or (None, None, error) for one resolved scene file."""
    from agentscene.formats import SceneFormatError, load_scene
    from agentscene.run_dir import RunDirectory

    try:
        scene = load_scene(path, dialect="auto" if run_dir is not None else dialect)
    except SceneFormatError as e:
        return None, None, str(e)
    except ValueError as e:  # an unknown dialect name
        return None, None, f"{path}: {e}"
    prompt = None
    if run_dir is not None:
        config = (RunDirectory(run_dir).read_spec() or {}).get("config")
        prompt = config.get("prompt") if isinstance(config, dict) and isinstance(config.get("prompt"), str) else None
    return scene, prompt, None


def judge_command(
    scenes: Annotated[list[Path], typer.Argument(help="Scene files (native, SceneReVis or ReSpace JSON), run directories or batch directories.")],
    prompt: Annotated[str | None, typer.Option(help="The request to match (default: the run's prompt or the scene's metadata).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print scores, reward terms, findings and skips as JSON.")] = False,
    physics: Annotated[bool, typer.Option("--physics/--no-physics", help="Also judge collisions, out-of-room and floating objects.")] = True,
    dialect: Annotated[str, typer.Option(help="Input dialect of scene files, or auto to detect.")] = "auto",
    top_k: Annotated[int, typer.Option(min=1, help="Findings printed per scene.")] = 12,
) -> None:
    """Judge scenes offline: rationality, layout, accessibility and the request, with each problem found."""
    from rich.table import Table

    from agentscene.critics import judge, judge_json
    from agentscene.critics.rules import AXES
    from agentscene.scene_inputs import scene_inputs

    if not scenes:
        raise fail("give scene files, run directories or batch directories")
    inputs, problems = scene_inputs(scenes)
    out: list[dict[str, Any]] = [{"error": p} for p in problems]
    for problem in problems:
        err_console.print(f"[bold red]error:[/] {esc(problem)}", highlight=False)
    rows = []
    bad = len(problems)
    for item in inputs:
        scene, run_prompt, error = _read(item.path, item.run_dir, dialect)
        if error is not None:
            bad += 1
            err_console.print(f"[bold red]error:[/] {esc(error)}", highlight=False)
            out.append({"name": item.name, "scene": str(item.path), "error": error})
            continue
        report = None
        if physics:
            from agentscene.rewards import evaluate

            report = evaluate(scene)
        j = judge(scene, prompt if prompt is not None else run_prompt, report=report)
        out.append({"name": item.name, "scene": str(item.path), **judge_json(j)})
        rows.append((item.name, j))
    if as_json:
        typer.echo(json.dumps(out, indent=2))
    elif rows:
        table = Table(title="Offline judge (0-10)", pad_edge=False, padding=(0, 1))
        table.add_column("scene", overflow="fold", ratio=1, min_width=14)
        for head in ("rational", "layout", "access", "request", "found"):  # AXES, then the number of findings
            table.add_column(head, justify="right", no_wrap=True)
        for name, j in rows:
            table.add_row(esc(name), *(f"{j.scores[a]:.1f}" for a in AXES), str(len(j.findings)))
        console.print(table)
        for name, j in rows:
            if j.findings:
                console.print(f"\n[bold]{esc(name)}[/]", highlight=False)
                console.print(j.feedback_text(top_k, scores=False), highlight=False, markup=False)
    if bad:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    app.command(name="judge")(judge_command)
