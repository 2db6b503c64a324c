"""The outbox sender: claims due rows, hands them to the channel's transport, records every attempt.

429 waits for retry_after; network trouble and 5xx back off exponentially with jitter; a chat that
blocked the bot (403) or a rejected message (400) fails for good and is recorded. A chat's messages
leave in the order they were written, because a row is only due once every older row of the same
chat has left the pending state.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.channels.base import Delivery, DeliveryError, Outcome, Transport
from bot.clock import Clock, Sleep
from bot.storage.database import Database
from bot.storage.models import OutboxRow
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
ERROR_CHARS = 500


@dataclass
class OutboxSender:
    database: Database
    transports: Mapping[str, Transport]
    clock: Clock
    batch_size: int = 50
    max_attempts: int = 12
    max_backoff_seconds: float = 600.0
    # How long a leased row is left to its sender before another may take it (a crashed sender).
    lease: timedelta = timedelta(seconds=120)
    # Set by whoever commits new rows, so the sender wakes at once instead of at its next idle tick.
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    # How a retry's wait passes: tests skip their clock ahead instead of sleeping.
    sleep: Sleep = asyncio.sleep
    # While run_forever runs: one timer a scheduled retry, which wakes the sender when it falls due.
    _timers: set[asyncio.Task[None]] | None = field(default=None, init=False, repr=False)

    def backoff(self, attempts: int) -> float:
        base: float = min(self.max_backoff_seconds, float(2 ** min(attempts, 20)))
        return base * random.uniform(0.5, 1.5)  # noqa: S311 (jitter spreads retries; nothing to guess)

    async def run_once(self) -> int:
        """Send what is due now; the number of rows handled (sent, retried or failed).

        Rows are leased in one short transaction, sent with no transaction open, and their outcome
        recorded in another: a slow platform never holds database locks, and a transport may use the
        database itself (the Zalo OA token). A sender that dies mid-send leaves a lease that expires,
        and the row is sent again.
        """
        if not self.transports:
            return 0
        async with UnitOfWork(self.database) as uow:
            rows = await uow.outbox.lease_due(self.clock(), self.batch_size, list(self.transports), self.lease)
            claimed = [(row.id, row.channel, row.chat_id, row.payload, row.kind) for row in rows]
            await uow.commit()
        results: list[tuple[int, str | DeliveryError]] = []
        for row_id, channel, chat_id, payload, kind in claimed:
            results.append((row_id, await self._attempt(channel, chat_id, payload, kind)))
        if results:
            await self._record(results)
        return len(results)

    async def _attempt(self, channel: str, chat_id: str, payload: dict[str, Any], kind: str) -> str | DeliveryError:
        try:
            return await self.transports[channel].send(chat_id, payload, kind)
        except DeliveryError as error:
            return error
        except Exception as error:  # a transport bug must not stop every other chat's delivery
            log.exception("transport %s failed", channel)
            return DeliveryError(type(error).__name__)

    def judge(self, result: str | DeliveryError, attempts: int) -> Delivery:
        """What an attempt (the `attempts`-th) came to: sent, held, failed for good, or tried again."""
        if not isinstance(result, DeliveryError):
            return Delivery(Outcome.SENT, external_id=result)
        error = result.error[:ERROR_CHARS]
        if result.held:
            return Delivery(Outcome.HELD, error)
        if result.permanent or attempts >= self.max_attempts:
            return Delivery(Outcome.FAILED, error, unreachable=result.unreachable)
        delay = result.retry_after if result.retry_after is not None else self.backoff(attempts)
        return Delivery(Outcome.RETRY, error, retry_after=delay)

    async def _record(self, results: list[tuple[int, str | DeliveryError]]) -> None:
        """Each row's new state and its attempt, in one transaction."""
        delays: list[float] = []
        async with UnitOfWork(self.database) as uow:
            now = self.clock()
            for row_id, result in results:
                row = await uow.outbox.get(row_id)
                if row is None:
                    continue
                row.attempts += 1
                delivery = self.judge(result, row.attempts)
                _apply(row, delivery, now)
                if delivery.unreachable:
                    await uow.conversations.mark_unreachable(row.channel, row.chat_id)
                if delivery.outcome is Outcome.FAILED:
                    log.warning("outbox row %s failed for good: %s", row.id, delivery.error[:200])
                if delivery.retry_after is not None:
                    delays.append(delivery.retry_after)
                await uow.outbox.record_attempt(
                    row.id, row.attempts, now, delivery.outcome.value, delivery.error, delivery.retry_after
                )
            await uow.commit()
        for delay in delays:
            self._wake_after(delay)

    def _wake_after(self, seconds: float) -> None:
        """Under run_forever, wake when a retry falls due rather than at the idle tick after it."""
        if self._timers is None:
            return

        async def timer() -> None:
            await self.sleep(seconds)
            self.wake.set()

        task = asyncio.create_task(timer())
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    async def recover(self) -> int:
        """On SQLite, where one sender runs per database, rows leased by a sender that died are ours
        to send again at once rather than when the lease runs out; on PostgreSQL the lease decides."""
        if self.database.serial is None or not self.transports:
            return 0
        async with UnitOfWork(self.database) as uow:
            count = await uow.outbox.release_leases(list(self.transports), self.clock())
            await uow.commit()
        return count

    async def drain(self, max_rounds: int = 1000) -> int:
        """Send until nothing is due now (each round sends one message per chat)."""
        total = 0
        for _ in range(max_rounds):
            handled = await self.run_once()
            if not handled:
                break
            total += handled
        return total

    async def run_forever(self, stop: asyncio.Event, idle_seconds: float = 0.5) -> None:
        await self.recover()
        self._timers = set()
        try:
            while not stop.is_set():
                try:
                    handled = await self.run_once()
                except Exception:
                    log.exception("outbox round failed")
                    handled = 0
                if not handled:
                    await self._idle(stop, idle_seconds)
        finally:
            timers, self._timers = self._timers, None
            for task in timers:
                task.cancel()
            await asyncio.gather(*timers, return_exceptions=True)

    async def _idle(self, stop: asyncio.Event, seconds: float) -> None:
        waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(self.wake.wait())]
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
        self.wake.clear()


def _apply(row: OutboxRow, delivery: Delivery, now: datetime) -> None:
    """The row's state after an attempt."""
    row.last_error = delivery.error
    if delivery.outcome is Outcome.SENT:
        row.status, row.sent_at = "sent", now
        row.external_id = delivery.external_id or None
    elif delivery.outcome is Outcome.HELD:
        row.status = "held"
    elif delivery.outcome is Outcome.FAILED:
        row.status = "failed"
    else:
        row.status = "pending"
        row.next_attempt_at = now + timedelta(seconds=delivery.retry_after or 0.0)
