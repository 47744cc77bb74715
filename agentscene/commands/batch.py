"""CLI command for batch runs: `agentscene batch`.

`agentscene batch` takes every option of `agentscene generate` (except the per-run ones: the
prompt, --name, --out and --resume, which the batch owns): the same declarations, derived from
GenerateConfig, so a new generate option appears here with the same name, help and default.
"""

from __future__ import annotations

import inspect
import signal
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from agentscene.commands import esc
from agentscene.commands.generate import GENERATE_PARAMETERS
from agentscene.commands.options import with_parameters

#: generate's parameters that a batch sets per episode (or owns under the same name)
_PER_RUN = frozenset({"prompt", "name", "out", "resume"})


def generate_parameters() -> list[inspect.Parameter]:
    """The options a batch shares with `agentscene generate`."""
    return [p for p in GENERATE_PARAMETERS if p.name not in _PER_RUN]


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


@with_parameters(*generate_parameters())
def batch_command(
    prompts: Annotated[Path, typer.Argument(help="Prompt suite: one prompt a line (blank lines and # comments ignored).")],
    out: Annotated[Path, typer.Option(help="Batch directory: one run directory per prompt plus batch_summary.json.")],
    indices: Annotated[str | None, typer.Option(help="Which prompts (0-based), e.g. 0-9,20,30-39. Default: all.")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Episodes run at the same time (default: 1 process; Ray: every CPU of the cluster).")] = None,
    continue_on_error: Annotated[bool, typer.Option("--continue-on-error", help="Record a failing prompt and go on (default: stop starting new ones).")] = False,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the batch in --out: keep finished episodes, resume the rest from their last turn.")] = False,
    skip_existing: Annotated[bool, typer.Option("--skip-existing", help="Run only prompts that have no run directory in --out yet.")] = False,
    backend: Annotated[str, typer.Option(help="process (local processes) or ray (pip install 'agentscene[ray]').")] = "process",
    address: Annotated[str | None, typer.Option(help="Ray cluster to join, e.g. auto or ray://head:10001 (default: a local Ray).")] = None,
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


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    app.command("batch")(batch_command)
