"""How long the garbage collector stops the process, by generation, from gc.callbacks.

A full collection of a large heap stalls every request of the process at once; this histogram shows
whether that happens (and whether gc.freeze at start-up helps) without a profiler attached. A pause is
the CPU time the collector's thread spent in it (time.thread_time): on a busy machine the wall-clock
time of a collection also holds the moments the process waited for a core, which are not the
collector's.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import Histogram

# Young collections take microseconds, a full one of a large heap can take a good part of a second.
_BUCKETS = (0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)

gc_pause_seconds = Histogram(
    "hoanhap_gc_pause_seconds", "Garbage collector pauses, by generation", ["generation"], buckets=_BUCKETS
)


class _PauseTimer:
    def __init__(self) -> None:
        self._started: float | None = None

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.thread_time()
            return
        if self._started is None:  # installed mid-collection
            return
        elapsed = time.thread_time() - self._started
        self._started = None
        gc_pause_seconds.labels(str(info.get("generation", "?"))).observe(elapsed)


_timer = _PauseTimer()


def install() -> None:
    """Time every collection of this process from now on; installing twice times it once."""
    if _timer not in gc.callbacks:
        gc.callbacks.append(_timer)


def uninstall() -> None:
    if _timer in gc.callbacks:
        gc.callbacks.remove(_timer)


@contextmanager
def unmeasured() -> Iterator[None]:
    """A collection asked for on purpose (the one before gc.freeze at start-up) is not a pause of
    serving: left out of the histogram."""
    present = _timer in gc.callbacks
    uninstall()
    try:
        yield
    finally:
        if present:
            install()
