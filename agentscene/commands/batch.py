"""CLI commands for batch runs, reports and exports: `agentscene batch`, `agentscene report`, `agentscene export`.

`agentscene batch` takes every option of `agentscene generate` (except the per-run ones: the
prompt, --name, --out and --resume, which the batch owns). Its signature is built from
generate's, so a new generate option appears here with the same name, help and default.
"""

from __future__ import annotations

import inspect
import signal
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from agentscene.commands import esc
from agentscene.commands.options import AssetsOption, parse_assets_options

#: generate's parameters that a batch sets per episode (or owns under the same name)
_PER_RUN = frozenset({"prompt", "name", "out", "resume"})
def generate_parameters() -> list[inspect.Parameter]:
    """The shared options, taken from `agentscene generate` itself (annotations evaluated)."""
    from agentscene.commands.generate import generate_command

    sig = inspect.signature(generate_command, eval_str=True)
    return [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in sig.parameters.values() if p.name not in _PER_RUN]


def config_from_options(options: dict[str, Any]):
    """generate's CLI option values -> the batch's base GenerateConfig (prompt filled per episode).

    Raises ValueError for a malformed value (pydantic's ValidationError is one)."""
    from agentscene.commands.generate import config_from_options as from_generate_options

    return from_generate_options({"prompt": "(batch)", **options})


@contextmanager
def _sigterm_as_interrupt():
    """`kill <pid>` stops a batch like Ctrl-C: running episodes end after their current turn."""
    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (e.g. called from a test runner thread): leave SIGTERM alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def batch_command(
    prompts: Path,
    out: Path,
    indices: str | None,
    workers: int | None,
    continue_on_error: bool,
    resume: bool,
    skip_existing: bool,
    backend: str,
    address: str | None,
    **generate_options: Any,
) -> None:
    """Run every prompt of a suite (one prompt a line) through `agentscene generate`, in parallel."""
    from pydantic import ValidationError
    from rich.console import Console

    from agentscene.batch import (
        BatchConfig,
        BatchExistsError,
        IndexSpecError,
        SuiteError,
        run_batch,
    )
    from agentscene.batch.summary import FAILED, summary_path
    from agentscene.commands import fail
    from agentscene.commands.batch_progress import BatchProgress, print_batch_summary
    from agentscene.commands.generate import config_problems

    if resume and skip_existing:
        raise fail("--resume and --skip-existing exclude each other: resume finishes unfinished runs, "
                   "skip-existing leaves them as they are")
    if address is not None and backend != "ray":
        raise fail("--address is for --backend ray")
    try:
        base = config_from_options(generate_options)
        batch = BatchConfig(prompts=prompts, out=out, indices=indices, workers=workers, backend=backend, address=address,
                            continue_on_error=continue_on_error,
                            existing="resume" if resume else "skip" if skip_existing else "error")
    except (ValidationError, ValueError) as e:
        raise fail(config_problems(e)) from None
    console = Console()
    view = BatchProgress(console, prompts.stem)
    try:
        with _sigterm_as_interrupt():
            summary = run_batch(batch, base, on_plan=view.plan, on_update=view.update)
    except (SuiteError, IndexSpecError, BatchExistsError) as e:
        view.stop()
        raise fail(str(e)) from None
    except ImportError as e:  # a missing extra (ray) names its install command
        view.stop()
        raise fail(str(e)) from None
    except ValueError as e:  # a damaged summary, a changed suite
        view.stop()
        raise fail(str(e)) from None
    except KeyboardInterrupt:
        view.stop()
        console.print(f"[yellow]interrupted[/]: finished episodes are kept in {esc(summary_path(out))}; "
                      "continue with the same command and --resume", highlight=False)
        raise typer.Exit(130) from None
    view.stop()
    print_batch_summary(console, summary, str(summary_path(out)))
    failed = sum(summary.counts.get(s, 0) for s in FAILED)
    if not summary.finished:
        console.print("[red]stopped after a failure[/]: pass --continue-on-error to go on past failing prompts; "
                      "--resume continues this batch", highlight=False)
    if failed or not summary.finished:
        raise typer.Exit(2)


def _batch_signature() -> inspect.Signature:
    own = [
        ("prompts", Annotated[Path, typer.Argument(help="Prompt suite: one prompt a line (blank lines and # comments ignored).")], inspect.Parameter.empty),
        ("out", Annotated[Path, typer.Option(help="Batch directory: one run directory per prompt plus batch_summary.json.")], inspect.Parameter.empty),
        ("indices", Annotated[str | None, typer.Option(help="Which prompts (0-based), e.g. 0-9,20,30-39. Default: all.")], None),
        ("workers", Annotated[int | None, typer.Option(min=1, help="Episodes run at the same time (default: 1 process; Ray: every CPU of the cluster).")], None),
        ("continue_on_error", Annotated[bool, typer.Option("--continue-on-error", help="Record a failing prompt and go on (default: stop starting new ones).")], False),
        ("resume", Annotated[bool, typer.Option("--resume", help="Continue the batch in --out: keep finished episodes, resume the rest from their last turn.")], False),
        ("skip_existing", Annotated[bool, typer.Option("--skip-existing", help="Run only prompts that have no run directory in --out yet.")], False),
        ("backend", Annotated[str, typer.Option(help="process (local processes) or ray (pip install 'agentscene[ray]').")], "process"),
        ("address", Annotated[str | None, typer.Option(help="Ray cluster to join, e.g. auto or ray://head:10001 (default: a local Ray).")], None),
    ]
    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=a, default=d) for n, a, d in own]
    return inspect.Signature([*params, *generate_parameters()])


def _install_batch_signature() -> None:
    sig = _batch_signature()
    batch_command.__signature__ = sig  # type: ignore[attr-defined]
    batch_command.__annotations__ = {p.name: p.annotation for p in sig.parameters.values()} | {"return": None}


def report_command(
    path: Annotated[Path, typer.Argument(help="A run directory (outputs/<name>) or a batch directory (with batch_summary.json).")],
    out: Annotated[Path | None, typer.Option(help="Where to write the page (default: PATH/report.html).")] = None,
    copy_images: Annotated[bool, typer.Option("--copy-images", help="Copy images next to the page instead of embedding them.")] = False,
    episodes: Annotated[bool, typer.Option("--episodes/--no-episodes", help="Batch: also write each episode's own report.")] = True,
) -> None:
    """Write a self-contained HTML report of a run (renders, per-turn metrics and plot, tool calls) or of a batch (gallery, aggregates)."""
    from rich.console import Console

    from agentscene.commands import fail
    from agentscene.report import ReportError, write_report

    try:
        written = write_report(path, out, copy_images=copy_images, episodes=episodes)
    except ReportError as e:
        raise fail(str(e)) from None
    Console().print(f"wrote {esc(written)}", highlight=False)


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
    _install_batch_signature()
    app.command("batch")(batch_command)
    app.command("report")(report_command)
    app.command("export")(export_command)
