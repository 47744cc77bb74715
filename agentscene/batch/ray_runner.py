"""The distributed runner: the same episodes as Ray tasks, on a local Ray instance or a cluster.

`--backend ray` starts a local Ray instance; `--address auto` (or ray://host:10001) joins a running
cluster, so scaling out needs no code change. Every node needs agentscene installed and the output
directory on a shared filesystem (each worker writes its episode's run directory; the driver
writes batch_summary.json). A task whose worker process dies surfaces as Ray's WorkerCrashedError
and is recorded as crashed; tasks are never retried behind the batch's back (max_retries=0).
Needs `pip install 'agentscene[ray]'`.
"""

from __future__ import annotations

import traceback
from collections import deque
from collections.abc import Sequence
from typing import Any

from agentscene.batch.runners import EpisodeFn, OnDone, OnStart, crashed_row, failed_row
from agentscene.batch.summary import EpisodeRow
from agentscene.batch.worker import EpisodeTask, limit_threads, run_task


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ImportError("the ray backend needs Ray: pip install 'agentscene[ray]'") from None
    return ray


def ray_episode(task: EpisodeTask, episode_fn: EpisodeFn, threads: int) -> EpisodeRow:
    """The Ray task body: cap numeric threads (one CPU per task), then run the episode."""
    limit_threads(threads)
    return episode_fn(task)


class RayRunner:
    name = "ray"

    def __init__(self, workers: int | None = None, *, address: str | None = None, episode_fn: EpisodeFn | None = None,
                 threads_per_worker: int = 1, init_kwargs: dict[str, Any] | None = None,
                 interrupt_grace_s: float = 120.0):
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self.address = address
        self.episode_fn = episode_fn or run_task
        self.threads_per_worker = threads_per_worker
        self.init_kwargs = dict(init_kwargs or {})
        self.interrupt_grace_s = interrupt_grace_s

    def _init(self, ray: Any) -> bool:
        """Connect (or start a local instance); True when this runner started Ray and must shut it down."""
        if ray.is_initialized():
            return False
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, **self.init_kwargs}
        if self.address is None and self.workers is not None:
            kwargs.setdefault("num_cpus", self.workers)
        ray.init(address=self.address, **kwargs)
        return True

    def run(self, tasks: Sequence[EpisodeTask], on_start: OnStart, on_done: OnDone) -> None:
        ray = _import_ray()
        started = self._init(ray)
        try:
            limit = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
            remote = ray.remote(num_cpus=1, max_retries=0)(ray_episode)
            queue = deque(tasks)
            inflight: dict[Any, EpisodeTask] = {}
            accepting = True
            try:
                while inflight or (accepting and queue):
                    while accepting and queue and len(inflight) < limit:
                        task = queue.popleft()
                        on_start(task)
                        inflight[remote.remote(task, self.episode_fn, self.threads_per_worker)] = task
                    ready, _ = ray.wait(list(inflight), num_returns=1)
                    for ref in ready:
                        accepting = on_done(self._outcome(ray, ref, inflight.pop(ref))) and accepting
            except KeyboardInterrupt:
                for ref in inflight:
                    ray.cancel(ref)  # a KeyboardInterrupt inside the task: it stops after its current turn
                ready, not_ready = ray.wait(list(inflight), num_returns=len(inflight), timeout=self.interrupt_grace_s)
                for ref in ready:
                    on_done(self._outcome(ray, ref, inflight[ref]))
                for ref in not_ready:
                    on_done(failed_row(inflight[ref], "still running after the interrupt", status="interrupted"))
                raise
        finally:
            if started:
                ray.shutdown()

    @staticmethod
    def _outcome(ray: Any, ref: Any, task: EpisodeTask) -> EpisodeRow:
        from ray import exceptions as rex

        try:
            return ray.get(ref)
        except rex.TaskCancelledError:
            return failed_row(task, "the batch was interrupted while this episode ran", status="interrupted")
        except (rex.WorkerCrashedError, rex.NodeDiedError, rex.LocalRayletDiedError) as e:
            return crashed_row(task, f"the Ray worker running this episode died ({type(e).__name__})")
        except rex.RayTaskError as e:  # the task body raised past run_task's own handling
            return failed_row(task, f"{type(e.cause).__name__ if e.cause else 'RayTaskError'}: {e.cause or e}",
                              "".join(traceback.format_exception(e)))
