"""The terminal view of `agentscene generate`: one line per turn as it finishes, and a closing summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from agentscene.commands import esc

if TYPE_CHECKING:
    from agentscene.brief import Brief
    from agentscene.generate import GenerateConfig, RunSummary
    from agentscene.loop import TurnRecord
    from agentscene.run_dir import RunDirectory


class Progress:
    """Prints each turn as it completes, with a spinner while the next one runs."""

    def __init__(self, console: Console, config: GenerateConfig):
        self.console = console
        self.config = config
        self.status = None

    def start(self, rd: RunDirectory) -> None:
        c = self.config
        self.console.print(f"[bold]agentscene generate[/] {esc(repr(c.prompt))} -> {esc(rd.root)}  "
                           + esc(f"(agent {c.agent}, renderer {c.renderer}, up to {c.turns} turns, seed {c.seed})"), highlight=False)
        self.status = self.console.status("creating the room…")
        self.status.start()

    def brief(self, brief: Brief) -> None:
        """The prompt's reading, before the first turn: what will be built and what was not understood."""
        from rich.markup import escape

        for line in brief.reading():
            key, _, rest = line.partition(": ")
            style = "yellow" if key in ("warning", "not understood") else "cyan"
            self.console.print(f"  [{style}]{escape(key)}[/]: {escape(rest)}", highlight=False)

    def turn(self, rec: TurnRecord) -> None:
        m = rec.metrics
        calls = len(rec.tool_calls)
        flags = []
        if rec.rolled_back:
            flags.append("[yellow]rolled back[/]")
        if rec.format_error:
            flags.append("[yellow]unusable reply[/]")
        if rec.terminated:
            flags.append("[green]terminated[/]")
        what = "room" if rec.turn == 0 else f"{calls} calls, {rec.errors} err"
        secs = rec.timings.get("total_s", 0.0)
        self.console.print(
            f"turn {rec.turn:>2} {what:<17} {len(rec.scene.objects):>3} obj  "
            f"coll {m.get('collision_rate', 0.0):4.1f}%  OOB {m.get('oob_rate', 0.0):4.1f}%  "
            f"PBL {m.get('pbl', 0.0):.3f}  {secs:4.2f}s {esc(' '.join(flags))}", highlight=False)
        if self.status is not None and not rec.terminated:
            self.status.update(f"turn {rec.turn + 1}: asking the agent…")

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None


def print_summary(console: Console, s: RunSummary) -> None:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    state = "[green]finished[/]" if s.finished else f"[red]stopped ({esc(s.stop_reason)})[/]"
    table.add_row("run", f"{esc(s.name)}: {state} after {s.turns} turn(s) in {s.wall_s:.1f}s")
    table.add_row("objects", str(s.n_objects))
    table.add_row("collision rate", f"{s.collision_rate:.1f}%")
    table.add_row("out of bounds", f"{s.oob_rate:.1f}%")
    table.add_row("PBL", f"{s.pbl:.3f} m³ ({'valid' if s.pbl <= 0.1 else 'invalid'})")
    if s.judge:
        table.add_row("judge (rule)", ", ".join(f"{k} {v:g}" for k, v in s.judge.items()))
    if s.tokens or s.cost_usd:
        cost = f", ${s.cost_usd:.4f}" if s.cost_usd is not None else ""
        table.add_row("usage", f"{s.tokens} tokens{cost}")
    for key in ("scene.json", "render", "metrics.json"):
        if key in s.paths:
            table.add_row(key, esc(s.paths[key]))
    table.add_row("directory", esc(s.run_dir))
    if s.error:
        table.add_row("error", esc(s.error))
        table.add_row("", "continue with --resume")
    for note in s.notes:
        table.add_row("note", esc(note))
    console.print(table)
