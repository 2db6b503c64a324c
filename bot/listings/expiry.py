"""The expiry round: published listings past their last day are closed (the query never offers them
anyway; closing makes the staff pages and the numbers say so). Idempotent: several processes may run it."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.clock import Clock
from bot.listings.service import expire_listings, local_today
from bot.storage.database import Database
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
# Hourly is plenty for a day-granular expiry, and cheap: one indexed query when nothing is due.
INTERVAL_SECONDS = 3600.0


async def expiry_round(database: Database, clock: Clock, tz_name: str) -> int:
    """Close everything due, batch by batch, each in a transaction of its own; how many were closed."""
    closed = 0
    while True:
        now = clock()
        async with UnitOfWork(database) as uow:
            batch = await expire_listings(uow, now=now, today=local_today(now, tz_name))
            await uow.commit()
        closed += len(batch)
        if not batch:
            return closed


async def run_expiry_rounds(
    database: Database, clock: Clock, tz_name: str, stop: asyncio.Event, interval: float = INTERVAL_SECONDS
) -> None:
    """Every `interval` seconds until `stop`; a failed round is logged and tried next time."""
    while not stop.is_set():
        try:
            closed = await expiry_round(database, clock, tz_name)
            if closed:
                log.info("closed %d expired listings", closed)
        except Exception:
            log.exception("the listings' expiry round failed; it runs again in %.0f s", interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
