"""Holding Ctrl-C back while a run directory is being finalised.

A KeyboardInterrupt that lands between the last turn and the final files would leave a run with
turns but no scene.json or metrics.json. `deferred_interrupt()` lets a short critical section
finish first: SIGINT is recorded instead of raised, and the caller reads `pending` afterwards.
Outside the main thread (where signal handlers cannot be installed) it holds nothing back.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass
class DeferredInterrupt:
    """Whether a Ctrl-C arrived while the section ran."""

    pending: bool = False


@contextmanager
def deferred_interrupt() -> Iterator[DeferredInterrupt]:
    state = DeferredInterrupt()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def hold(signum: int, frame: Any) -> None:
        state.pending = True

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)
