"""HTML reports of runs and batches: one self-contained page (inline CSS and SVG charts, images as
data URLs or copied beside it; no scripts, nothing fetched from the network).

    from agentscene.report import write_report
    write_report("outputs/bedroom")                 # a batch: outputs/bedroom/report.html + one per episode
    write_report("outputs/a-cozy-bedroom")          # a run: renders, metrics table and charts, tool calls per turn
"""

from __future__ import annotations

from pathlib import Path

from agentscene.fileio import atomic_write_text
from agentscene.report.data import ReportError, RunData, TurnData, is_run_dir, load_run

REPORT_NAME = "report.html"


def write_run_report(run_dir: str | Path, out: str | Path | None = None, *, copy_images: bool = False,
                     back_link: str | None = None) -> Path:
    """Write the report of one run directory; returns the page's path."""
    from agentscene.report.html import ImageStore
    from agentscene.report.run_page import run_page

    run = load_run(run_dir)
    page_path = Path(out) if out is not None else Path(run_dir) / REPORT_NAME
    html = run_page(run, ImageStore(page_path, copy=copy_images), back_link=back_link)
    return atomic_write_text(page_path, html)


def write_batch_report(batch_dir: str | Path, out: str | Path | None = None, *, copy_images: bool = False,
                       episodes: bool = True) -> Path:
    """Write the report of a batch directory (and, with `episodes`, each episode's own report)."""
    import os

    from agentscene.batch.summary import load_summary
    from agentscene.report.batch_page import batch_page, episode_links
    from agentscene.report.html import ImageStore

    batch_dir = Path(batch_dir)
    try:
        summary = load_summary(batch_dir)
    except ValueError as e:
        raise ReportError(str(e)) from None
    if summary is None:
        raise ReportError(f"{batch_dir} has no batch_summary.json")
    page_path = Path(out) if out is not None else batch_dir / REPORT_NAME
    if episodes:
        for row in summary.episodes:
            run_dir = batch_dir / row.name
            if is_run_dir(run_dir):
                back = os.path.relpath(page_path, run_dir)
                write_run_report(run_dir, run_dir / REPORT_NAME, copy_images=copy_images, back_link=back)
    links = episode_links(summary, batch_dir, page_path, REPORT_NAME)
    html = batch_page(summary, batch_dir, ImageStore(page_path, copy=copy_images), links)
    return atomic_write_text(page_path, html)


def write_report(path: str | Path, out: str | Path | None = None, *, copy_images: bool = False, episodes: bool = True) -> Path:
    """A batch report when `path` holds batch_summary.json, else a run report. Raises ReportError."""
    path = Path(path)
    if not path.exists():
        raise ReportError(f"{path} does not exist")
    if (path / "batch_summary.json").is_file():
        return write_batch_report(path, out, copy_images=copy_images, episodes=episodes)
    if is_run_dir(path):
        return write_run_report(path, out, copy_images=copy_images)
    raise ReportError(f"{path} is neither a run directory (turns/, metrics.json) nor a batch directory (batch_summary.json)")


__all__ = ["REPORT_NAME", "ReportError", "RunData", "TurnData", "load_run", "write_batch_report", "write_report", "write_run_report"]
