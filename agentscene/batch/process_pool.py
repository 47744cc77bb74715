"""The local runner: a concurrent.futures process pool (spawn or forkserver, never fork: the
parent may hold threads, GL contexts or a Blender pipe).

At most `workers` episodes are in flight, so "in flight" is exactly what is running. When a
worker dies (os._exit, a segfault, the OOM killer), concurrent.futures breaks the whole pool and
fails every running episode, guilty or not. The runner then starts a fresh pool: a lone suspect
is recorded as crashed; several suspects are re-run one at a time (each resumes from its last
completed turn), so only the episode that really crashes is recorded as crashed.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from agentscene.batch.runners import EpisodeFn, OnDone, OnStart, crashed_row, failed_row
from agentscene.batch.summary import EpisodeRow
from agentscene.batch.worker import EpisodeTask, init_worker, run_task

CRASH = ("the worker process died while running this episode (killed by a signal, os._exit, "
         "or a crash in native code)")


class ProcessPoolRunner:
    name = "process"

    def __init__(self, workers: int = 1, *, episode_fn: EpisodeFn | None = None, start_method: str = "spawn",
                 threads_per_worker: int = 1, interrupt_grace_s: float = 120.0):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        if start_method not in ("spawn", "forkserver"):
            raise ValueError(f"start_method must be 'spawn' or 'forkserver', got {start_method!r}")
        self.workers = workers
        self.episode_fn = episode_fn or run_task
        self.start_method = start_method
        self.threads_per_worker = threads_per_worker
        self.interrupt_grace_s = interrupt_grace_s

    def run(self, tasks: Sequence[EpisodeTask], on_start: OnStart, on_done: OnDone) -> None:
        ctx = multiprocessing.get_context(self.start_method)
        stop = ctx.Event()
        queue: deque[tuple[EpisodeTask, int]] = deque((t, 0) for t in tasks)
        solo: deque[tuple[EpisodeTask, int]] = deque()
        inflight: dict[Future[EpisodeRow], tuple[EpisodeTask, int]] = {}
        solo_running = False
        accepting = True
        pool: ProcessPoolExecutor | None = None
        try:
            while inflight or (accepting and (queue or solo)):
                if pool is None:
                    pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=init_worker,
                                               initargs=(stop, self.threads_per_worker))
                broken = False
                while accepting and not solo_running:
                    source = solo if solo else queue
                    if (source is solo and inflight) or not source or len(inflight) >= self.workers:
                        break
                    task, attempts = source.popleft()
                    try:
                        fut = pool.submit(self.episode_fn, task)
                    except BrokenProcessPool:  # a worker died since the last check
                        source.appendleft((task, attempts))
                        broken = True
                        break
                    solo_running = source is solo
                    inflight[fut] = (task, attempts + 1)
                    on_start(task)
                # once broken, every running episode fails at once: collect them all
                done, _ = wait(list(inflight), return_when=ALL_COMPLETED if broken else FIRST_COMPLETED)
                suspects: list[tuple[EpisodeTask, int]] = []
                for fut in done:
                    task, attempts = inflight.pop(fut)
                    row = self._outcome(fut, task, attempts)
                    if row is None:
                        suspects.append((task, attempts))
                    else:
                        accepting = on_done(row) and accepting
                if suspects and inflight:
                    for fut in wait(list(inflight)).done:
                        task, attempts = inflight.pop(fut)
                        row = self._outcome(fut, task, attempts)
                        if row is None:
                            suspects.append((task, attempts))
                        else:
                            accepting = on_done(row) and accepting
                if not inflight:
                    solo_running = False
                if not (suspects or broken):
                    continue
                pool.shutdown(wait=True, cancel_futures=True)
                pool = None
                if len(suspects) == 1:
                    task, attempts = suspects[0]
                    accepting = on_done(crashed_row(task, CRASH, attempts)) and accepting
                elif accepting:
                    solo.extendleft(reversed(suspects))
                else:
                    for task, attempts in suspects:
                        on_done(failed_row(task, "the worker pool broke while this episode ran and the batch "
                                                 "was stopping; --resume re-runs it", attempts=attempts, status="interrupted"))
            for task, attempts in solo:  # left over when the batch stopped early
                on_done(failed_row(task, "not re-run after the worker pool broke (the batch stopped); --resume re-runs it",
                                   attempts=attempts, status="interrupted"))
            if pool is not None:  # idle workers exit at once; waiting keeps a slow starter from outliving `stop`
                pool.shutdown(wait=True)
                pool = None
        except KeyboardInterrupt:
            stop.set()
            self._drain(inflight, on_done)
            raise
        finally:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    def _outcome(fut: Future[EpisodeRow], task: EpisodeTask, attempts: int) -> EpisodeRow | None:
        """The finished row, None when the pool broke under it, or an error row for anything else."""
        try:
            row = fut.result()
        except BrokenProcessPool:
            return None
        except Exception as e:  # e.g. a result that could not be sent back; recorded, the batch goes on
            return failed_row(task, f"{type(e).__name__}: {e}", "".join(traceback.format_exception(e)), attempts)
        row.attempts = attempts
        return row

    def _drain(self, inflight: dict[Future[EpisodeRow], tuple[EpisodeTask, int]], on_done: OnDone) -> None:
        """After Ctrl-C: running episodes stop after their current turn; record how each ended."""
        done, not_done = wait(list(inflight), timeout=self.interrupt_grace_s)
        for fut in done:
            task, attempts = inflight[fut]
            row = self._outcome(fut, task, attempts)
            on_done(row or failed_row(task, "the worker pool broke during the interrupt", attempts=attempts,
                                      status="interrupted"))
        for fut in not_done:
            task, attempts = inflight[fut]
            on_done(failed_row(task, f"still running {self.interrupt_grace_s:g} s after the interrupt",
                               attempts=attempts, status="interrupted"))
        inflight.clear()
