"""Back-pressure: while the outbox is behind, webhooks refuse new work so the platform retries later.

Telegram and Zalo redeliver an update they were not given a 2xx for. Answering 200 while replies
wait minutes in the outbox tells the platform "done" for work that is not; answering 503 keeps the
update at the platform until the senders have caught up, and no update is lost either way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bot.clock import Clock, as_utc
from bot.storage.database import Database
from bot.storage.unit_of_work import UnitOfWork

# What a refused webhook is told to wait: about one round of the senders catching up; the platforms
# apply their own back-off on top.
RETRY_AFTER_SECONDS = 5


@dataclass
class OutboxPressure:
    """Whether the oldest row a sender would take now has waited longer than `bound`.

    The answer is kept for `cache_seconds`, so the check costs one query a second per process
    however many webhooks arrive, and concurrent webhooks share one query."""

    database: Database
    clock: Clock
    channels: Sequence[str]
    bound: timedelta
    cache_seconds: float = 1.0
    monotonic: Callable[[], float] = time.monotonic
    _checked_at: float | None = field(default=None, init=False)
    _behind: bool = field(default=False, init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    async def retry_after(self) -> int | None:
        """Seconds the platform should wait before delivering again, or None: take the update now."""
        if not await self._is_behind():
            return None
        return RETRY_AFTER_SECONDS

    async def _is_behind(self) -> bool:
        if self._fresh():
            return self._behind
        async with self._lock:
            if not self._fresh():  # another webhook may have refreshed it while this one waited
                self._behind = await self._query()
                self._checked_at = self.monotonic()
        return self._behind

    def _fresh(self) -> bool:
        return self._checked_at is not None and self.monotonic() - self._checked_at < self.cache_seconds

    async def _query(self) -> bool:
        async with UnitOfWork(self.database, single=True) as uow:
            now = self.clock()
            oldest = await uow.outbox.oldest_due(now, list(self.channels))
        if oldest is None:
            return False
        return now - as_utc(oldest) > self.bound


def pressure_for(
    database: Database, clock: Clock, channels: Sequence[str], bound_seconds: float
) -> OutboxPressure | None:
    """The check webhooks make, for the channels this process sends on; None when it is switched off."""
    if bound_seconds <= 0 or not channels:
        return None
    return OutboxPressure(database, clock, list(channels), timedelta(seconds=bound_seconds))
