"""The terminal view of `agentscene generate`: one line per turn as it finishes, and a closing summary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from agentscene.commands import esc
from agentscene.limits import read_json

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
        #: the run directory once the run has started (None before anything is written)
        self.run_dir: Path | None = None

    def start(self, rd: RunDirectory) -> None:
        self.run_dir = rd.root
        c = self.config
        agent = c.agent if c.agent == "offline" else f"{c.agent} {c.provider}" + (f" {c.model}" if c.model else "")
        self.console.print(f"[bold]agentscene generate[/] {esc(repr(c.prompt))} -> {esc(rd.root)}  "
                           + esc(f"(agent {agent}, renderer {c.renderer}, up to {c.turns} turns, seed {c.seed})"), highlight=False)
        self.status = self.console.status("creating the room…")
        self.status.start()

    def brief(self, brief: Brief) -> None:
        """The prompt's reading, before the first turn: what will be built and what was not understood."""

        for line in brief.reading():
            key, _, rest = line.partition(": ")
            style = "yellow" if key in ("warning", "not understood") else "cyan"
            self.console.print(f"  [{style}]{esc(key)}[/]: {esc(rest)}", highlight=False)

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
            f"PBL {m.get('pbl', 0.0):.3f}  {secs:4.2f}s {' '.join(flags)}", highlight=False)
        if self.status is not None and not rec.terminated:
            self.status.update(f"turn {rec.turn + 1}: asking the agent…")

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None


def interrupted_message(config: GenerateConfig, run_dir: Path | None) -> str:
    """What Ctrl-C left on disk, read from the run directory, and how to go on."""
    import shlex

    if run_dir is None or not run_dir.is_dir():
        return "[yellow]interrupted[/] before the run started: nothing was written"
    metrics = run_dir / "metrics.json"
    if metrics.is_file() and read_json(metrics, allow_nan=True).get("finished"):
        return f"the run had finished before Ctrl-C: {esc(str(run_dir))}"
    turns = sorted((run_dir / "turns").glob("turn_*.json"))
    if not turns:
        return f"[yellow]interrupted[/] before the room was created: {esc(str(run_dir))} holds no turn yet"
    command = ["agentscene", "generate", config.prompt, "--name", run_dir.name, "--resume"]
    if run_dir.parent != Path("outputs"):
        command += ["--out", str(run_dir.parent)]
    defaults = type(config)(prompt=config.prompt)
    for key in ("provider", "model", "base_url", "mode", "seed", "assets", "renderer", "turns"):
        value = getattr(config, key)
        if value != getattr(defaults, key) and value is not None:
            command += ["--" + key.replace("_", "-"), str(value)]
    return (f"[yellow]interrupted[/] after turn {len(turns) - 1}: the completed turns are saved in "
            f"{esc(str(run_dir))}; continue with: {esc(shlex.join(command))}")


#: what to do next after a run that stopped early, by stop reason
NEXT_STEP = {
    "provider_unavailable": "the provider could not be reached; continue later with --resume",
    "provider_error": "the provider refused the request: check the API key (--api-key or its variable), --model and --base-url",
}


def print_summary(console: Console, s: RunSummary) -> None:

    from agentscene.commands import print_rows

    state = "[green]finished[/]" if s.finished else f"[red]stopped ({s.stop_reason})[/]"
    rows = [("run", f"{esc(s.name)}: {state} after {s.turns} turn(s) in {s.wall_s:.1f}s"),
            ("objects", str(s.n_objects)),
            ("collision rate", f"{s.collision_rate:.1f}%"),
            ("out of bounds", f"{s.oob_rate:.1f}%"),
            ("PBL", f"{s.pbl:.3f} m³ ({'valid' if s.pbl <= 0.1 else 'invalid'})")]
    if s.judge:
        rows.append(("judge (offline)", ", ".join(f"{k} {v:g}" for k, v in s.judge.items())))
    if s.tokens or s.cost_usd:
        cost = f", ${s.cost_usd:.4f}" if s.cost_usd is not None else ""
        rows.append(("usage", f"{s.tokens} tokens{cost}"))
    for key in ("scene.json", "render", "metrics.json"):
        if key in s.paths:
            rows.append((key, esc(s.paths[key])))
    rows.append(("directory", esc(str(s.run_dir))))
    if s.error:
        rows.append(("error", esc(s.error)))
        rows.append(("next", NEXT_STEP.get(s.stop_reason, "continue with --resume")))
    for note in s.notes:
        rows.append(("note", esc(note)))
    print_rows(console, rows)
