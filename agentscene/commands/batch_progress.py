"""The terminal view of `agentscene batch`: one overall progress bar, a line per failure as it
happens, and a closing table of aggregate metrics."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from agentscene.batch.summary import FAILED, BatchSummary, EpisodeRow, describe_workers
from agentscene.commands import print_rows


class BatchProgress:
    """Tracks the episodes this invocation runs (already-done ones are counted in the header)."""

    def __init__(self, console: Console, title: str):
        self.console = console
        self.title = title
        self.progress = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[state]}"), TimeElapsedColumn(), TextColumn("eta"),
                                 TimeRemainingColumn(), console=console, transient=False)
        self.task = None
        self.done = 0

    def plan(self, summary: BatchSummary, to_run: int) -> None:
        kept = summary.counts.get("ok", 0)
        skipped = summary.counts.get("skipped", 0)
        self.console.print(f"[bold]agentscene batch[/] {summary.prompts_file} -> {summary.out}: {len(summary.episodes)} prompts "
                           f"({to_run} to run, {kept} already done, {skipped} skipped) on {describe_workers(summary)}", highlight=False)
        for row in summary.episodes:
            if row.status == "skipped":
                self.console.print(f"  [yellow]skipped[/] #{row.index}: {escape(row.error or '')}", highlight=False)
        self.progress.start()
        self.task = self.progress.add_task(self.title, total=to_run, state=self._state(summary))

    @staticmethod
    def _state(summary: BatchSummary) -> str:
        c = summary.counts
        failed = sum(c.get(s, 0) for s in FAILED)
        running = c.get("running", 0)
        return f"ok {c.get('ok', 0)} · failed {failed} · running {running}"

    def update(self, summary: BatchSummary, row: EpisodeRow) -> None:
        if row.status != "running":
            self.done += 1
            if row.status in FAILED:
                self.progress.console.print(f"  [red]{row.status}[/] #{row.index} {escape(repr(row.prompt[:60]))}: {escape(row.error or '')}",
                                            highlight=False)
        if self.task is not None:
            self.progress.update(self.task, completed=self.done, state=self._state(summary))

    def stop(self) -> None:
        self.progress.stop()


def _fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def print_batch_summary(console: Console, summary: BatchSummary, path: str) -> None:
    a = summary.aggregate
    rows: list[tuple[str, str]] = []
    counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.counts.items()))
    rows.append(("episodes", f"{a.n_selected} ({counts}) in {summary.wall_s:.1f}s on {describe_workers(summary)}"))
    rows.append(("collision rate", _fmt(a.mean_collision_rate, "%") + " (mean over finished episodes)"))
    rows.append(("out of bounds", _fmt(a.mean_oob_rate, "%")))
    rows.append(("PBL valid", _fmt(a.pbl_valid_pct, "%") + f" (mean PBL {_fmt(a.mean_pbl, ' m³', 3)})"))
    rows.append(("objects", _fmt(a.mean_objects) + f" per scene, {_fmt(a.mean_turns)} turns"))
    if a.judge:
        rows.append(("judge", ", ".join(f"{k} {v:.2f}" for k, v in a.judge.items())))
    if a.critic:
        rows.append(("critic", ", ".join(f"{k} {v:.2f}" for k, v in a.critic.items())))
    if a.total_tokens or a.total_cost_usd:
        rows.append(("usage", f"{a.total_tokens} tokens" + (f", ${a.total_cost_usd:.4f}" if a.total_cost_usd else "")))
    rows.append(("summary", escape(path)))
    print_rows(console, rows)
    failed = [r for r in summary.episodes if r.status in FAILED or r.status == "interrupted"]
    for row in failed[:20]:
        console.print(f"  [red]{row.status}[/] #{row.index}: {escape(row.error or '')}", highlight=False)
    if len(failed) > 20:
        console.print(f"  … and {len(failed) - 20} more (see the summary)", highlight=False)
