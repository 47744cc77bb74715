"""Episode runners: how a batch's episodes are spread over processes or machines.

A runner takes the episode tasks and two callbacks: `on_start(task)` when an episode is handed
to a worker and `on_done(row)` when its row is final; `on_done` returns False to stop starting new
episodes (the ones running are waited for). Runners: "process" (a local process pool) and "ray"
(Ray tasks on a local or remote cluster); `register_runner` adds more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from agentscene.batch.summary import EpisodeRow, now_iso
from agentscene.batch.worker import EpisodeTask
from agentscene.registry import Registry

OnStart = Callable[[EpisodeTask], None]
OnDone = Callable[[EpisodeRow], bool]
EpisodeFn = Callable[[EpisodeTask], EpisodeRow]


@runtime_checkable
class EpisodeRunner(Protocol):
    name: str

    def run(self, tasks: Sequence[EpisodeTask], on_start: OnStart, on_done: OnDone) -> None:
        """Run every task (until on_done returns False); KeyboardInterrupt stops the running ones
        between turns, reports them as interrupted, and propagates."""


def crashed_row(task: EpisodeTask, what: str, attempts: int = 1) -> EpisodeRow:
    """The row of an episode whose worker died; the faulthandler log (a segfault's traceback) is attached."""
    log = task.fault_log()
    detail = log.read_text("utf-8", errors="replace").strip() if log.is_file() else ""
    log.unlink(missing_ok=True)
    return EpisodeRow(index=task.index, line=task.line, prompt=task.config.prompt, name=task.name, status="crashed",
                      error=what + (f"; last words: {detail.splitlines()[0]}" if detail else ""),
                      traceback=detail or None, path=str(task.run_dir), attempts=attempts, finished_at=now_iso())


def failed_row(task: EpisodeTask, error: str, tb: str | None = None, attempts: int = 1,
               status: str = "error") -> EpisodeRow:
    return EpisodeRow(index=task.index, line=task.line, prompt=task.config.prompt, name=task.name, status=status,
                      error=error, traceback=tb, path=str(task.run_dir), attempts=attempts, finished_at=now_iso())


RUNNERS: Registry[Callable[..., EpisodeRunner]] = Registry("batch backend")


def register_runner(name: str, factory: Callable[..., EpisodeRunner], *, replace: bool = False) -> None:
    RUNNERS.register(name, factory, replace=replace)


def runner_names() -> list[str]:
    return sorted(RUNNERS.names())


def get_runner(name: str, **settings: Any) -> EpisodeRunner:
    """A runner by name: get_runner("process", workers=2) or get_runner("ray", workers=8, address="auto")."""
    return RUNNERS.get(name)(**settings)


def _process(**settings: Any) -> EpisodeRunner:
    from agentscene.batch.process_pool import ProcessPoolRunner

    return ProcessPoolRunner(**settings)


def _ray(**settings: Any) -> EpisodeRunner:
    from agentscene.batch.ray_runner import RayRunner

    return RayRunner(**settings)


register_runner("process", _process)
register_runner("ray", _ray)
