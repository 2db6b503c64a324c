"""The figures a scrape reads from the database: the outbox's backlog, open and overdue requests per
agency, and whether the database answered at all.

prometheus_client asks its collectors synchronously; the query is async. So a scrape first reads a
`Snapshot` (bounded by a timeout: a database that hangs must not hang the scrape, and Prometheus
must see `hoanhap_database_up 0` rather than nothing), then renders it through `SnapshotCollector`.
The figures come from the database, the same whichever process is asked: they are not kept in
the multiprocess files.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.clock import Clock, as_utc
from bot.requests.sla import AgencyClocks
from bot.storage.database import Database
from bot.storage.repos.gauges import OutboxBacklog
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    database_up: bool
    outbox: list[OutboxBacklog] = field(default_factory=list)
    # Oldest due row's age in seconds, per channel.
    oldest_due_age: dict[str, float] = field(default_factory=dict)
    open_requests: Counter[str] = field(default_factory=Counter)
    overdue_requests: Counter[str] = field(default_factory=Counter)


async def _read(database: Database, clock: Clock, tz_name: str) -> Snapshot:
    async with UnitOfWork(database) as uow:
        now = as_utc(clock())
        outbox = await uow.gauges.outbox_backlog(now)
        requests = await uow.gauges.open_requests()
        clocks = await AgencyClocks.load(uow, tz_name, now)
    ages = {b.channel: max(0.0, (now - as_utc(b.oldest_due)).total_seconds()) if b.oldest_due else 0.0 for b in outbox}
    open_by_agency: Counter[str] = Counter()
    overdue_by_agency: Counter[str] = Counter()
    for request in requests:
        open_by_agency[request.agency_code] += 1
        targets = clocks.targets(request)
        overdue_by_agency[request.agency_code] += int(targets is not None and targets.overdue)
    return Snapshot(True, outbox, ages, open_by_agency, overdue_by_agency)


async def read_snapshot(database: Database, clock: Clock, tz_name: str, within_seconds: float) -> Snapshot:
    """The figures, or `database_up` false when the database failed or took longer than that."""
    try:
        async with asyncio.timeout(within_seconds):
            return await _read(database, clock, tz_name)
    except TimeoutError:
        log.warning("metrics: the database did not answer within %.1f s", within_seconds)
    except Exception as error:
        log.warning("metrics: the database could not be read (%s)", type(error).__name__)
    return Snapshot(False)


class SnapshotCollector(Collector):
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        s = self.snapshot
        yield GaugeMetricFamily(
            "hoanhap_database_up", "1 when the database answered this scrape in time", value=int(s.database_up)
        )
        if not s.database_up:
            return
        depth = GaugeMetricFamily(
            "hoanhap_outbox_depth", "Outbox rows not yet gone (waiting, retrying or being sent)", labels=["channel"]
        )
        age = GaugeMetricFamily(
            "hoanhap_outbox_oldest_due_age_seconds",
            "How long the longest-waiting row due now has waited (web: until the person's page fetches it)",
            labels=["channel"],
        )
        for backlog in s.outbox:
            depth.add_metric([backlog.channel], backlog.depth)
            age.add_metric([backlog.channel], s.oldest_due_age.get(backlog.channel, 0.0))
        yield depth
        yield age
        open_ = GaugeMetricFamily("hoanhap_requests_open", "Open requests, by agency code", labels=["agency"])
        overdue = GaugeMetricFamily(
            "hoanhap_requests_overdue",
            "Open requests past their first-response or resolution target, by agency code",
            labels=["agency"],
        )
        for agency in sorted(s.open_requests):
            open_.add_metric([agency], s.open_requests[agency])
            overdue.add_metric([agency], s.overdue_requests.get(agency, 0))
        yield open_
        yield overdue
