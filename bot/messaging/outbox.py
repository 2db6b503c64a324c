"""The outbox sender: claims due rows, hands them to the channel's transport, records each attempt.

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
from datetime import timedelta
from typing import Any, Protocol

from bot.clock import Clock
from bot.storage.database import Database
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    ok: bool
    retry_after: float | None = None
    permanent: bool = False
    unreachable: bool = False
    # Not sendable until the person writes again (Zalo OA's reply window): kept, visibly, not failed.
    held: bool = False
    error: str = ""
    # The platform's id of what was sent (the last part, when split): replies to it can be traced.
    external_id: str = ""


SENT = SendResult(ok=True)


class Transport(Protocol):
    async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> SendResult: ...


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

    def backoff(self, attempts: int) -> float:
        base: float = min(self.max_backoff_seconds, float(2 ** min(attempts, 20)))
        return base * random.uniform(0.5, 1.5)

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
        outcomes: list[tuple[int, SendResult]] = []
        for row_id, channel, chat_id, payload, kind in claimed:
            try:
                result = await self.transports[channel].send(chat_id, payload, kind)
            except Exception as error:  # a transport bug must not stop every other chat's delivery
                log.exception("transport %s failed", channel)
                result = SendResult(ok=False, error=f"{type(error).__name__}")
            outcomes.append((row_id, result))
        if outcomes:
            await self._record(outcomes)
        return len(outcomes)

    async def _record(self, outcomes: list[tuple[int, SendResult]]) -> None:
        async with UnitOfWork(self.database) as uow:
            now = self.clock()
            for row_id, result in outcomes:
                row = await uow.outbox.get(row_id)
                if row is None:
                    continue
                row.attempts += 1
                if result.ok:
                    row.status, row.sent_at, row.last_error = "sent", now, ""
                    row.external_id = result.external_id or None
                elif result.held:
                    row.status, row.last_error = "held", result.error[:500]
                elif result.permanent or row.attempts >= self.max_attempts:
                    row.status, row.last_error = "failed", result.error[:500]
                    if result.unreachable:
                        await uow.conversations.mark_unreachable(row.channel, row.chat_id)
                    log.warning("outbox row %s failed for good: %s", row.id, result.error[:200])
                else:
                    delay = result.retry_after if result.retry_after is not None else self.backoff(row.attempts)
                    row.status, row.last_error = "pending", result.error[:500]
                    row.next_attempt_at = now + timedelta(seconds=delay)
            await uow.commit()

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
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("outbox round failed")
                handled = 0
            if not handled:
                await self._idle(stop, idle_seconds)

    async def _idle(self, stop: asyncio.Event, seconds: float) -> None:
        waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(self.wake.wait())]
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
        self.wake.clear()
