"""One scrape's text: this process's counters (or, in multiprocess mode, every process's, added up
from PROMETHEUS_MULTIPROC_DIR) and the figures just read from the database."""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from bot.metrics.database import Snapshot, SnapshotCollector

# The classic text format generate_latest writes, which every Prometheus reads.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def multiprocess_dir() -> str:
    """The directory of the multiprocess mode ("" when off); prometheus_client reads the same variable."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


class _ThisProcess(Collector):
    """The default registry (this process's counters, plus its CPU, memory and gc), read as it is."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def render(snapshot: Snapshot) -> bytes:
    # A registry per scrape: the database figures are this scrape's, and the default registry must
    # not hold them (another scrape would read a stale snapshot through it).
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    registry.register(SnapshotCollector(snapshot))
    return generate_latest(registry)
