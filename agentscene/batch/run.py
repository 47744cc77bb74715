"""`run_batch`: plan the batch, run its episodes on a runner, and keep batch_summary.json current.

The summary is rewritten atomically when an episode is handed to a worker (status "running") and
when it ends, so after a kill the file says exactly which episodes were done and which were in
flight; `--resume` then reruns only those (each from its last completed turn).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from agentscene.batch.plan import BatchConfig, plan_batch
from agentscene.batch.runners import EpisodeFn, EpisodeRunner, get_runner
from agentscene.batch.summary import FAILED, BatchSummary, EpisodeRow, write_summary
from agentscene.batch.worker import EpisodeTask
from agentscene.generate import GenerateConfig

#: called after every change: (summary, the row that changed)
OnUpdate = Callable[[BatchSummary, EpisodeRow], None]


def make_runner(batch: BatchConfig, episode_fn: EpisodeFn | None = None) -> EpisodeRunner:
    if batch.backend == "process":
        return get_runner("process", workers=batch.worker_count, episode_fn=episode_fn, start_method=batch.start_method,
                          threads_per_worker=batch.threads_per_worker)
    if batch.backend == "ray":
        return get_runner("ray", workers=batch.worker_count, address=batch.address, episode_fn=episode_fn,
                          threads_per_worker=batch.threads_per_worker)
    return get_runner(batch.backend, workers=batch.worker_count or 1, episode_fn=episode_fn)


def run_batch(batch: BatchConfig, base: GenerateConfig, *, runner: EpisodeRunner | None = None,
              episode_fn: EpisodeFn | None = None, on_plan: Callable[[BatchSummary, int], None] | None = None,
              on_update: OnUpdate | None = None) -> BatchSummary:
    """Run a prompt suite with the shared settings `base` (its prompt is replaced per episode).

    Raises before anything runs for bad input (SuiteError, IndexSpecError, BatchExistsError,
    ValueError). Failing episodes become rows; without `continue_on_error` the first failure stops
    new episodes from starting. KeyboardInterrupt stops running episodes after their current turn,
    records them as interrupted, writes the summary and propagates.
    """
    plan = plan_batch(batch, base)
    summary = plan.summary
    batch.out.mkdir(parents=True, exist_ok=True)
    write_summary(summary, batch.out)
    if on_plan is not None:
        on_plan(summary, len(plan.tasks))
    runner = runner or make_runner(batch, episode_fn)
    start, wall_before = time.perf_counter(), summary.wall_s

    def store(row: EpisodeRow) -> None:
        summary.episodes = [row if r.index == row.index else r for r in summary.episodes]
        summary.wall_s = round(wall_before + time.perf_counter() - start, 3)
        write_summary(summary.refresh(), batch.out)
        if on_update is not None:
            on_update(summary, row)

    def on_start(task: EpisodeTask) -> None:
        row = summary.row(task.index)
        assert row is not None
        store(row.model_copy(update={"status": "running", "error": None, "traceback": None}))

    def on_done(row: EpisodeRow) -> bool:
        store(row)
        return batch.continue_on_error or row.status not in FAILED

    try:
        runner.run(plan.tasks, on_start, on_done)
    finally:
        for row in summary.episodes:  # a kill between start and finish leaves "running": say what it means
            if row.status == "running":
                row.status, row.error = "interrupted", "the batch stopped while this episode ran"
        summary.finished = all(r.status in ("ok", "skipped", *FAILED) for r in summary.episodes)
        summary.wall_s = round(wall_before + time.perf_counter() - start, 3)
        write_summary(summary.refresh(), batch.out)
    return summary
