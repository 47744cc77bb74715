"""CLI commands for physics evaluation: `agentscene eval SCENE... [--json]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from agentscene.rewards import EvalReport


def _load(path: Path, dialect: str) -> tuple[Any, str | None]:
    """(scene, None) or (None, error message) for one file."""
    from agentscene.formats import SceneFormatError, load_scene

    try:
        return load_scene(path, dialect=dialect), None
    except SceneFormatError as e:
        return None, str(e)
    except ValueError as e:  # an unknown dialect name
        return None, f"{path}: {e}"


def _table(rows: list[tuple[Path, EvalReport]]):
    from rich.table import Table

    table = Table(title="Physics evaluation", caption="coll%, oob%: share of objects; depth: deepest collision (m); PBL: volume outside "
                  "the room + overlaps (m³, ok <= 0.1); walk: reachable free floor; door: least clearance (m)",
                  pad_edge=False, padding=(0, 1))
    table.add_column("scene", justify="left", overflow="fold", ratio=1, min_width=14)
    for col in ("n", "coll%", "depth", "oob%", "PBL", "ok", "float", "walk", "door"):
        table.add_column(col, justify="right", no_wrap=True)
    for path, r in rows:
        doors = r.door_clearance or []
        table.add_row(
            path.stem, str(r.n_objects), f"{r.collision_rate:.0f}",
            f"{r.max_penetration_depth:.2f}", f"{r.oob_rate:.0f}", f"{r.pbl:.2f}",
            "[green]yes[/]" if r.pbl_valid else "[red]no[/]",
            "-" if r.floating is None else str(len(r.floating)),
            "-" if r.walkable_ratio is None else f"{r.walkable_ratio:.0%}",
            "-" if not doors else f"{min(d.clearance for d in doors):.2f}",
        )
    return table


def eval_command(
    scenes: Annotated[list[Path], typer.Argument(help="Scene files (native, SceneReVis or ReSpace JSON).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full reports as JSON instead of a table.")] = False,
    compat: Annotated[str | None, typer.Option(help="Reproduce another evaluator's numbers: scenerevis.")] = None,
    dialect: Annotated[str, typer.Option(help="Input dialect, or auto to detect.")] = "auto",
    feedback: Annotated[bool, typer.Option("--feedback/--no-feedback", help="Print each scene's problems under the table.")] = True,
) -> None:
    """Evaluate scene physics: collisions, out of bounds, PBL, support, walkable floor, doors."""
    from agentscene.cli import console, err_console, fail
    from agentscene.rewards import COMPAT_MODES, evaluate, feedback_text

    if compat is not None and compat not in COMPAT_MODES:
        raise fail(f"unknown --compat {compat!r}; choose one of: {', '.join(COMPAT_MODES)}")
    rows: list[tuple[Path, Any, EvalReport]] = []
    out: list[dict[str, Any]] = []
    bad = 0
    for path in scenes:
        scene, error = _load(path, dialect)
        if error is not None:
            bad += 1
            err_console.print(f"[bold red]error:[/] {error}", highlight=False)
            out.append({"scene": str(path), "error": error})
            continue
        report = evaluate(scene, compat=compat)
        rows.append((path, scene, report))
        out.append({"scene": str(path), "report": report.model_dump(mode="json")})
    if as_json:
        typer.echo(json.dumps(out, indent=2))
    elif rows:
        console.print(_table([(p, r) for p, _, r in rows]))
        if feedback:
            for path, scene, report in rows:
                if not report.ok:
                    console.print(f"\n[bold]{path.name}[/]", highlight=False)
                    console.print(feedback_text(report, scene), highlight=False, markup=False)
    if bad:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    app.command(name="eval")(eval_command)
