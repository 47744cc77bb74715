"""CLI commands for physics evaluation: `agentscene eval SCENE... [--json] [--compat ...] [--stability] [--table ...]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentscene.commands import esc

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


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _table(rows: list[tuple[str, EvalReport]], *, mean: bool = False):
    from rich.table import Table

    table = Table(title="Physics evaluation", caption="coll%, oob%: share of objects; depth: deepest collision (m); PBL: volume outside "
                  "the room + overlaps (m³, ok <= 0.1); walk: reachable free floor; door: least clearance (m)",
                  pad_edge=False, padding=(0, 1))
    table.add_column("scene", justify="left", overflow="fold", ratio=1, min_width=14)
    for col in ("n", "coll%", "depth", "oob%", "PBL", "ok", "float", "walk", "door"):
        table.add_column(col, justify="right", no_wrap=True)
    for name, r in rows:
        doors = r.door_clearance or []
        table.add_row(
            esc(name), str(r.n_objects), f"{r.collision_rate:.0f}",
            f"{r.max_penetration_depth:.2f}", f"{r.oob_rate:.0f}", f"{r.pbl:.2f}",
            "[green]yes[/]" if r.pbl_valid else "[red]no[/]",
            "-" if r.floating is None else str(len(r.floating)),
            "-" if r.walkable_ratio is None else f"{r.walkable_ratio:.0%}",
            "-" if not doors else f"{min(d.clearance for d in doors):.2f}",
        )
    if mean and rows:  # a batch: the SceneReVis headline means (validity as a share of scenes)
        reports = [r for _, r in rows]
        walks = [r.walkable_ratio for r in reports if r.walkable_ratio is not None]
        table.add_section()
        table.add_row(
            f"[bold]mean of {len(reports)}[/]", f"{_mean([r.n_objects for r in reports]):.1f}",
            f"{_mean([r.collision_rate for r in reports]):.1f}", f"{_mean([r.max_penetration_depth for r in reports]):.2f}",
            f"{_mean([r.oob_rate for r in reports]):.1f}", f"{_mean([r.pbl for r in reports]):.2f}",
            f"{100 * _mean([1.0 if r.pbl_valid else 0.0 for r in reports]):.0f}%",
            f"{_mean([len(r.floating) for r in reports if r.floating is not None]):.1f}",
            "-" if not walks else f"{_mean(walks):.0%}", "",
        )
    return table


def _provider(assets: str):
    from agentscene.commands import fail
    from agentscene.exporters import default_mesh_provider

    try:
        return default_mesh_provider(assets)
    except (ValueError, OSError, ImportError) as e:  # an unknown backend name, a missing extra
        raise fail(f"--assets {assets!r}: {e}") from None


def _extra_table(rows: list[tuple[str, EvalReport]]):
    """SceneEval's metrics and the stability settle, beside the main table."""
    from rich.table import Table

    se = any(r.scene_eval is not None for _, r in rows)
    st = any(r.stability is not None for _, r in rows)
    table = Table(title="SceneEval (compat=scene-eval) and stability", pad_edge=False, padding=(0, 1),
                  caption=("SceneEval: coll%/oob% of objects by its definitions (rugs collide), nav: largest free region, "
                           "opn: openings clear; " if se else "") + ("stable: share of free objects that stay put in 2 s" if st else ""))
    table.add_column("scene", justify="left", overflow="fold", ratio=1, min_width=14)
    cols = (["SE coll%", "SE oob%", "SE nav", "SE opn"] if se else []) + (["stable", "unstable"] if st else [])
    for col in cols:
        table.add_column(col, justify="right", no_wrap=True)
    for name, r in rows:
        cells = []
        if se:
            s = r.scene_eval
            cells += ["-"] * 4 if s is None else [f"{s.collision_rate:.0f}", f"{s.oob_rate:.0f}", f"{s.navigability:.0%}",
                                                   "-" if s.opening_clearance is None else f"{s.opening_clearance:.0%}"]
        if st:
            s = r.stability
            cells += ["-", "-"] if s is None else [f"{s.stable_ratio:.0%}", esc(", ".join(u.id for u in s.unstable)) or "-"]
        table.add_row(esc(name), *cells)
    return table


def eval_command(
    scenes: Annotated[list[Path] | None, typer.Argument(help="Scene files (native, SceneReVis or ReSpace JSON), run directories or batch directories.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full reports as JSON instead of a table.")] = False,
    compat: Annotated[str | None, typer.Option(help="Reproduce another evaluator's numbers: scenerevis, or scene-eval (SceneEval's no-LLM metrics beside ours).")] = None,
    stability: Annotated[bool, typer.Option("--stability", help="Settle each scene in MuJoCo for 2 s and report what fell, slid or toppled (pip install 'agentscene[mujoco]').")] = False,
    assets: Annotated[str | None, typer.Option(help="Meshes from this asset backend (procedural, 3d-future, ...) or none for oriented boxes. Default: none, but procedural with --stability or --compat scene-eval.")] = None,
    table: Annotated[str | None, typer.Option("--table", help="Print the scenes as a Markdown table in the layout of a paper's table, per room type and mean: scenerevis, scene-eval or scenesmith.")] = None,
    dialect: Annotated[str, typer.Option(help="Input dialect, or auto to detect.")] = "auto",
    feedback: Annotated[bool, typer.Option("--feedback/--no-feedback", help="Print each scene's problems under the table.")] = True,
    batch: Annotated[Path | None, typer.Option("--batch", help="A batch directory (same as giving it as a SCENES path): every finished episode's scene, with the means.")] = None,
) -> None:
    """Evaluate scene physics: collisions, out of bounds, PBL, support, walkable floor, doors."""
    from agentscene.commands import console, err_console, fail
    from agentscene.commands.eval_tables import TABLE_NEEDS
    from agentscene.rewards import COMPAT_MODES, evaluate, feedback_text

    if compat is not None and compat not in COMPAT_MODES:
        raise fail(f"unknown --compat {compat!r}; choose one of: {', '.join(COMPAT_MODES)}")
    if table is not None:
        if table not in TABLE_NEEDS:
            raise fail(f"unknown --table {table!r}; choose one of: {', '.join(TABLE_NEEDS)}")
        need_compat, need_stability = TABLE_NEEDS[table]
        if compat is not None and need_compat is not None and compat != need_compat:
            raise fail(f"--table {table} uses --compat {need_compat}, not {compat}")
        compat = need_compat or compat
        stability = stability or need_stability
    provider = _provider(assets or ("procedural" if stability or compat == "scene-eval" else "none"))
    from agentscene.batch.summary import SUMMARY_FILE
    from agentscene.scene_inputs import is_batch_dir, scene_inputs

    if batch is not None and not is_batch_dir(batch):
        raise fail(f"{batch} holds no {SUMMARY_FILE}: not a batch directory")
    paths = [*(scenes or []), *([batch] if batch is not None else [])]
    if not paths:
        raise fail("give scene files, run directories or batch directories")
    inputs, problems = scene_inputs(paths)
    for problem in problems:
        err_console.print(f"[bold red]error:[/] {esc(problem)}", highlight=False)
    if not inputs:
        if as_json:
            typer.echo(json.dumps([{"error": p} for p in problems], indent=2))
        raise typer.Exit(1)
    named = [(item.name, item.path) for item in inputs]  # (label in the table, file)
    means = len(named) > 1 and any(item.batch_dir is not None for item in inputs)
    rows: list[tuple[str, Any, EvalReport]] = []
    out: list[dict[str, Any]] = [{"error": p} for p in problems]
    bad = len(problems)
    for label, path in named:
        scene, error = _load(path, dialect)
        if error is not None:
            bad += 1
            err_console.print(f"[bold red]error:[/] {esc(error)}", highlight=False)
            out.append({"name": label, "scene": str(path), "error": error})
            continue
        try:
            report = evaluate(scene, compat=compat, mesh_provider=provider, stability=stability)
        except ImportError as e:  # MuJoCo missing: the message names the install command
            raise fail(str(e)) from None
        rows.append((label, scene, report))
        out.append({"name": label, "scene": str(path), "report": report.model_dump(mode="json")})
    if as_json:
        typer.echo(json.dumps(out, indent=2))
    elif rows and table is not None:
        from agentscene.commands.eval_tables import paper_table

        typer.echo(paper_table(table, [(scene.room.room_type, r) for _, scene, r in rows]))
    elif rows:
        console.print(_table([(p, r) for p, _, r in rows], mean=means))
        if any(r.scene_eval is not None or r.stability is not None for _, _, r in rows):
            console.print(_extra_table([(p, r) for p, _, r in rows]))
        if feedback:
            for label, scene, report in rows:
                if not report.ok:
                    console.print(f"\n[bold]{esc(label)}[/]", highlight=False)
                    console.print(feedback_text(report, scene), highlight=False, markup=False)
    if bad:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    app.command(name="eval")(eval_command)
