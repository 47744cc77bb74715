"""Planning a batch: which prompts run, which are already done, and each episode's settings.

Run directories are `<out>/<index>-<prompt slug>`, so a prompt keeps its directory across
resumes. What happens to a selected prompt whose run directory already exists depends on
`existing`: "error" refuses to touch an existing batch; "resume" keeps finished episodes and
resumes unfinished ones from their last completed turn; "skip" keeps whatever is there and runs
only prompts that have no directory yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agentscene.batch.indices import format_indices, parse_indices
from agentscene.batch.runners import runner_names
from agentscene.batch.suite import PromptSuite, load_suite
from agentscene.batch.summary import (
    BatchSummary,
    EpisodeRow,
    load_summary,
    now_iso,
    read_episode_metrics,
)
from agentscene.batch.worker import EpisodeTask
from agentscene.generate import GenerateConfig
from agentscene.limits import read_json

FAULT_DIR = ".batch/faults"


class BatchExistsError(FileExistsError):
    """The output directory already holds (part of) this batch and neither resume nor skip was asked for."""


class BatchConfig(BaseModel):
    """How a batch runs (the per-episode settings are a GenerateConfig)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompts: Path
    out: Path
    indices: str | None = Field(default=None, description="e.g. 0-9,20,30-39; None: every prompt")
    #: episodes at the same time; None: 1 process, or every CPU of the Ray cluster
    workers: int | None = Field(default=None, ge=1, le=1024)
    backend: str = "process"
    address: str | None = Field(default=None, description="Ray cluster address (auto, ray://host:10001)")
    continue_on_error: bool = False
    existing: Literal["error", "resume", "skip"] = "error"
    start_method: Literal["spawn", "forkserver"] = "spawn"
    threads_per_worker: int = Field(default=1, ge=1, le=256)

    @field_validator("backend")
    @classmethod
    def _backend(cls, v: str) -> str:
        if v not in runner_names():
            raise ValueError(f"unknown backend {v!r}; choose one of: {', '.join(runner_names())}")
        return v

    @property
    def worker_count(self) -> int | None:
        """Episodes run at the same time: --workers, else 1 (local processes); None means every CPU of a Ray cluster."""
        if self.workers is not None:
            return self.workers
        return None if self.backend == "ray" else 1


class BatchPlan(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    suite: PromptSuite
    selected: list[int]
    tasks: list[EpisodeTask]
    summary: BatchSummary


def shared_settings(base: GenerateConfig) -> dict:
    """What every episode of a batch shares, as recorded in the summary (never the key)."""
    return base.model_dump(mode="json", exclude={"prompt", "name", "out", "resume", "api_key"})


def episode_config(base: GenerateConfig, prompt: str, name: str, out: Path) -> GenerateConfig:
    """The base settings for one prompt and run directory (validated like any GenerateConfig)."""
    data = base.model_dump(exclude={"api_key", "prompt", "name", "out", "resume"})
    return GenerateConfig(**data, prompt=prompt, name=name, out=out, resume=False, api_key=base.api_key)


def _dir_used(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


def _spec_prompt(run_dir: Path) -> str | None:
    spec = run_dir / "spec_used.json"
    if not spec.is_file():
        return None
    return read_json(spec).get("config", {}).get("prompt")


def _existing_row(row: EpisodeRow, run_dir: Path, existing: str) -> EpisodeRow | None:
    """The row for a prompt whose run directory exists; None when it should (re)run."""
    try:
        recorded = _spec_prompt(run_dir)
        metrics = read_episode_metrics(run_dir)
    except (ValueError, OSError) as e:  # json.JSONDecodeError is a ValueError
        return row.model_copy(update={"status": "error", "error": f"cannot read {run_dir}: {e}; move it away to re-run this prompt"})
    if recorded is not None and recorded != row.prompt:
        return row.model_copy(update={"status": "error", "error": f"{run_dir} holds a run of another prompt ({recorded[:80]!r}); "
                                                                  "move it away or use another --out"})
    if metrics is not None and metrics.finished:
        return row.model_copy(update={"status": "ok", "metrics": metrics})
    if existing == "skip":
        why = metrics.stop_reason if metrics else "no metrics.json"
        return row.model_copy(update={"status": "skipped", "metrics": metrics,
                                      "error": f"left as found (--skip-existing): unfinished run ({why})"})
    return None


def plan_batch(batch: BatchConfig, base: GenerateConfig) -> BatchPlan:
    """Read the suite, select the indices, reconcile with what `out` already holds, and list the episodes to run.

    Raises SuiteError, IndexSpecError, BatchExistsError or ValueError (a damaged summary, a changed suite).
    """
    if base.name is not None:
        raise ValueError("a batch names each run itself (<index>-<prompt slug>); do not pass --name")
    suite = load_suite(batch.prompts)
    selected = parse_indices(batch.indices, len(suite))
    out = batch.out
    old = load_summary(out)
    width = suite.name_width
    if batch.existing == "error":
        used = [i for i in selected if _dir_used(out / suite.lines[i].run_name(width))]
        if old is not None or used:
            what = (f"a batch ({', '.join(f'{n} {k}' for k, n in sorted(old.counts.items()))})" if old is not None
                    else f"{len(used)} of the selected run directories")
            raise BatchExistsError(f"{out} already holds {what}: pass --resume to continue it, --skip-existing to run only "
                                   "the prompts without a run directory, or choose another --out")
    old_rows = {r.index: r for r in old.episodes} if old is not None else {}
    rows: list[EpisodeRow] = []
    tasks: list[EpisodeTask] = []
    fault_dir = out / FAULT_DIR
    for index in selected:
        line = suite.lines[index]
        name = line.run_name(width)
        row = EpisodeRow(index=index, line=line.line, prompt=line.prompt, name=name, path=str(out / name))
        before = old_rows.get(index)
        if before is not None and line.ok and before.prompt != line.prompt:
            raise ValueError(f"the prompt file changed since this batch started: prompt #{index} was {before.prompt[:80]!r} "
                             f"and is now {line.prompt[:80]!r}; run the new suite into another --out")
        if not line.ok:
            rows.append(row.model_copy(update={"status": "skipped", "error": f"line {line.line}: {line.skip}", "path": None}))
            continue
        if batch.existing != "error" and _dir_used(out / name):
            kept = _existing_row(row, out / name, batch.existing)
            if kept is not None:
                if before is not None and before.status == "ok" and kept.status == "ok":
                    kept = before.model_copy(update={"metrics": kept.metrics})  # keep when/where it ran
                rows.append(kept)
                continue
        rows.append(row)
        tasks.append(EpisodeTask(index=index, line=line.line, name=name, config=episode_config(base, line.prompt, name, out),
                                 fault_dir=fault_dir))
    keep = [r for i, r in old_rows.items() if i not in set(selected)]
    summary = BatchSummary(
        prompts_file=str(batch.prompts), prompts_sha256=suite.sha256, out=str(out), backend=batch.backend,
        workers=batch.worker_count, indices=format_indices([r.index for r in keep + rows]), continue_on_error=batch.continue_on_error,
        config=shared_settings(base), started_at=old.started_at if old else now_iso(), updated_at=now_iso(),
        wall_s=old.wall_s if old else 0.0, episodes=keep + rows,
    ).refresh()
    return BatchPlan(suite=suite, selected=selected, tasks=tasks, summary=summary)
