"""What runs inside a batch worker: one episode through `agentscene.generate.generate`.

`run_task` is a plain module-level function so process pools (spawn/forkserver) and Ray can
ship it by reference. It never raises for a failing episode: the failure becomes the row's
status and traceback, which is how one bad prompt is recorded while the batch goes on. A crash
of the process itself (os._exit, a segfault in native code) cannot be caught here; the runner
detects it, and the faulthandler log written here tells it what the crash looked like.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import socket
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from agentscene.batch.summary import EpisodeRow, now_iso, read_episode_metrics
from agentscene.generate import GenerateConfig
from agentscene.run_dir import redact

#: thread-pool sizes of numeric libraries; a worker uses one core, so more threads only contend
THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS", "LP_NUM_THREADS")


class EpisodeTask(BaseModel):
    """One prompt of a batch with its complete generate settings (the key included, never written)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    index: int
    line: int
    name: str
    config: GenerateConfig
    #: where the worker keeps its faulthandler log while the episode runs
    fault_dir: Path

    @property
    def run_dir(self) -> Path:
        return self.config.out / self.name

    def fault_log(self) -> Path:
        return self.fault_dir / f"{self.name}.log"


class _WorkerState:
    """Per-process state set by the pool's initializer (one instance per worker process)."""

    stop_event: Any = None


_STATE = _WorkerState()


def limit_threads(threads: int = 1) -> None:
    """Cap numeric thread pools in this process: env vars for libraries loaded later, threadpoolctl
    (when installed) for those already loaded, and torch when it is imported."""
    for name in THREAD_ENV:
        os.environ[name] = str(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it, only libraries loaded after this point are capped
        threadpool_limits = None
    if threadpool_limits is not None:
        threadpool_limits(limits=threads)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)


def _watch_parent(parent: int) -> None:
    """Exit when the batch process is gone (killed with SIGKILL), instead of living on as an orphan."""
    while True:
        time.sleep(0.25)
        if os.getppid() != parent:
            os._exit(70)


def init_worker(stop_event: Any = None, threads: int = 1) -> None:
    """Process-pool initializer: one thread per numeric library, Ctrl-C handled by the batch process
    (which then sets `stop_event`), and no orphans if the batch process is killed."""
    limit_threads(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STATE.stop_event = stop_event
    threading.Thread(target=_watch_parent, args=(os.getppid(),), name="agentscene-parent-watch", daemon=True).start()


def _check_stop(_record: Any) -> None:
    """Called after each completed turn: stop between turns when the batch is being interrupted."""
    if _STATE.stop_event is not None and _STATE.stop_event.is_set():
        raise KeyboardInterrupt


def _secrets(config: Any) -> list[str]:
    """The key the episode's client uses: the flag's, or the provider's environment variable."""
    from agentscene.agents.providers import get_preset, resolve_api_key

    explicit = [config.api_key.get_secret_value()] if config.api_key is not None else []
    if config.provider is None:  # no model provider (the offline agent): only a given key can leak
        return explicit
    key = resolve_api_key(get_preset(config.provider), config.api_key)
    return [key.get_secret_value()] if key is not None else explicit


def run_task(task: EpisodeTask) -> EpisodeRow:
    """Run (or resume, when its run directory exists) one episode and describe the outcome."""
    from agentscene.generate import generate

    start = time.perf_counter()
    run_dir = task.run_dir
    config = task.config.model_copy(update={"resume": run_dir.is_dir()})
    row = EpisodeRow(index=task.index, line=task.line, prompt=config.prompt, name=task.name, path=str(run_dir),
                     attempts=1, worker=f"{socket.gethostname()}:{os.getpid()}")
    fault_path = task.fault_log()
    fault_path.parent.mkdir(parents=True, exist_ok=True)
    with open(fault_path, "w", encoding="utf-8") as fault_file:
        faulthandler.enable(file=fault_file, all_threads=True)
        try:
            summary = generate(config, on_turn=_check_stop)
        except KeyboardInterrupt:
            row.status, row.error = "interrupted", "the batch was interrupted while this episode ran"
        except Exception as e:  # recorded in the row: one failing prompt must not end the batch
            row.status, row.error = "error", f"{type(e).__name__}: {e}"
            row.traceback = traceback.format_exc(limit=30)
        else:
            row.status = "ok" if summary.finished else "stopped"
            if not summary.finished:
                row.error = f"{summary.stop_reason}: {summary.error or 'the episode did not finish'}"
        finally:
            faulthandler.disable()
    fault_path.unlink(missing_ok=True)
    secret = _secrets(config)  # an exception's text must not carry the key into the summary
    if secret:
        row.error = redact(row.error, secret) if row.error else None
        row.traceback = redact(row.traceback, secret) if row.traceback else None
    if run_dir.is_dir():
        row.metrics = read_episode_metrics(run_dir)
    row.wall_s = round(time.perf_counter() - start, 3)
    row.finished_at = now_iso()
    return row
