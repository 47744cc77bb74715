"""CLI command for HTML reports: `agentscene report`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentscene.commands import esc


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


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    app.command("report")(report_command)
