"""The outbox sender: claims due rows, hands them to the channel's transport, records every attempt.

429 waits for retry_after; network trouble and 5xx back off exponentially with jitter; a chat that
blocked the bot (403) or a rejected message (400) fails for good and is recorded. A chat's messages
leave in the order they were written, because a row is only due once every older row of the same
chat has left the pending state.

Several senders (processes) may run against one PostgreSQL. Each leases rows under its own id for a
short time, renews the lease while it sends, and records each row's outcome as soon as the platform
answers: a sender killed mid-batch leaves at most the row in hand unrecorded (sent again: the only
duplicate possible), and its other rows return to any sender when the lease runs out, in seconds.
Rows of an `at_most_once` kind (a listing's notices to thousands) are marked started before they go
and never sent again after such a death: a notice may then be lost, never sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot import metrics
from bot.channels.base import Delivery, DeliveryError, Outcome, Transport
from bot.clock import Clock, Sleep
from bot.messaging.pacing import Pacer
from bot.storage.database import Database
from bot.storage.repos.outbox import Done, Finished
from bot.storage.repos.outbox import Leased as Claimed
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
ERROR_CHARS = 500


def sender_id() -> str:
    """A sender's name on the rows it leases: the process id for people reading the table, random
    so that a restarted process with the same pid is not taken for the dead one."""
    return f"{os.getpid()}-{secrets.token_hex(6)}"


@dataclass
class OutboxSender:
    database: Database
    transports: Mapping[str, Transport]
    clock: Clock
    batch_size: int = 50
    max_attempts: int = 12
    max_backoff_seconds: float = 600.0
    # How long a leased row is left to its sender before another may take it (a sender that died);
    # renewed every `heartbeat_seconds` while it sends (default: a quarter of the lease).
    lease: timedelta = timedelta(seconds=10)
    heartbeat_seconds: float | None = None
    # Set by whoever commits new rows, so the sender wakes at once instead of at its next idle tick.
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    # How a retry's wait passes: tests skip their clock ahead instead of sleeping.
    sleep: Sleep = asyncio.sleep
    # This sender's name on the rows it leases.
    id: str = field(default_factory=sender_id)
    # Senders known to be dead (the supervisor saw the process this one replaces exit): their rows
    # are taken back at start instead of when their lease runs out.
    reclaim: tuple[str, ...] = ()
    # How fast each channel may be sent to (None: as fast as the platforms answer).
    pacer: Pacer | None = None
    # Kinds of row sent at most once (a listing's notices): marked started before they go, and never
    # sent again if this sender dies before it records the outcome (see OutboxRepo.mark_started).
    at_most_once: frozenset[str] = frozenset()
    # Rows of a round sent side by side (each to a chat of its own: a chat's order is kept).
    concurrency: int = 16
    # While run_forever runs: one timer a scheduled retry, which wakes the sender when it falls due.
    _timers: set[asyncio.Task[None]] | None = field(default=None, init=False, repr=False)
    # When this sender last looked for started rows of a dead sender (OutboxRepo.fail_abandoned).
    _abandoned_at: datetime | None = field(default=None, init=False, repr=False)
    # Whether the last round left rows that are due at once (run_forever then skips its wait).
    _again: bool = field(default=False, init=False, repr=False)

    def backoff(self, attempts: int) -> float:
        base: float = min(self.max_backoff_seconds, float(2 ** min(attempts, 20)))
        return base * random.uniform(0.5, 1.5)  # noqa: S311 (jitter spreads retries; nothing to guess)

    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """Send what is due now; the number of rows handled (sent, retried or failed).

        Rows are leased in one short statement, at most one per chat, and sent side by side (at
        most `concurrency` at a time) with no transaction open. Each row's outcome is recorded as
        soon as its platform answers: the answers that came in while the previous record was being
        written go together in one statement, so a sender that dies sends again at most the rows in
        hand. A slow platform never holds database locks, and a transport may use the database
        itself (the Zalo OA token). Once `stop` is set the rows in hand are finished and recorded,
        and the rest of the batch is handed back at once for any sender to take.
        """
        if not self.transports:
            return 0
        claimed = await self._lease()
        # Look again at once only when more may be due now: a full batch, or a chat with a later row.
        self._again = len(claimed) >= self.batch_size or any(row.more for row in claimed)
        if not claimed:
            return 0
        async with self._heartbeat():
            return await _Round(self, stop).run(claimed)

    async def _lease(self) -> list[Claimed]:
        now = self.clock()
        # Started rows of a dead sender wait out a lease anyway: looking for them once a second is enough.
        abandoned = self._abandoned_at is None or (now - self._abandoned_at).total_seconds() >= 1.0
        async with UnitOfWork(self.database, single=True) as uow:
            rows = await uow.outbox.lease_due(
                now, self.batch_size, list(self.transports), self.lease, by=self.id, abandoned=abandoned
            )
            await uow.commit()
        if abandoned:
            self._abandoned_at = now
        return rows

    @asynccontextmanager
    async def _heartbeat(self) -> AsyncIterator[None]:
        """While the batch is being sent, renew its lease so no other sender takes a row in hand."""
        done = asyncio.Event()
        interval = self.heartbeat_seconds or self.lease.total_seconds() / 4

        async def beat() -> None:
            # Real time, not `sleep`: a test's skipping sleep would spin here.
            while not done.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), interval)
                if done.is_set():
                    return
                try:
                    await self._renew()
                except Exception:  # the database away for a moment: the next beat tries again
                    log.warning("outbox lease renewal failed", exc_info=True)

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            done.set()  # ended rather than cancelled: a renewal under way finishes its transaction
            await task

    async def _renew(self) -> None:
        async with UnitOfWork(self.database, single=True) as uow:
            await uow.outbox.renew_leases(self.id, self.clock() + self.lease)
            await uow.commit()

    async def _start(self, row_id: int) -> bool:
        async with UnitOfWork(self.database, single=True) as uow:
            started = await uow.outbox.mark_started(row_id, self.id)
            await uow.commit()
        return started

    async def _release(self, rows: list[Claimed]) -> None:
        """Hand these leased rows back (a stop: they were not sent), due now for any sender."""
        async with UnitOfWork(self.database, single=True) as uow:
            await uow.outbox.release_leases(list(self.transports), self.clock(), by=self.id, ids=[r.id for r in rows])
            await uow.commit()

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

    async def _record(self, answered: list[tuple[Claimed, str | DeliveryError]]) -> None:
        """These rows' new states and attempts, in one statement, for the rows still ours."""
        # A row is leased to this sender: its count of attempts is the one read at the lease.
        judged = [(row, result, self.judge(result, row.attempts + 1)) for row, result in answered]
        # Marking a chat unreachable goes with its row's record, in one transaction; else one statement.
        unreachable = any(delivery.unreachable for _row, _result, delivery in judged)
        async with UnitOfWork(self.database, single=not unreachable) as uow:
            now = self.clock()
            done = [Done(row.id, row.attempts + 1, _outcome(delivery, now)) for row, _result, delivery in judged]
            recorded = await uow.outbox.finish_many(self.id, done, now)
            for row, result, delivery in judged:
                if row.id not in recorded:
                    # Our lease ran out (this sender stalled) and another took the row, or the person's
                    # client fetched it meanwhile: theirs is the record that counts.
                    log.warning("outbox row %s is no longer leased to this sender; outcome not recorded", row.id)
                    continue
                metrics.count_delivery(row.channel, result, delivery.outcome.value)
                if delivery.unreachable:
                    await uow.conversations.mark_unreachable(row.channel, row.chat_id)
                if delivery.outcome is Outcome.FAILED:
                    log.warning("outbox row %s failed for good: %s", row.id, delivery.error[:200])
            await uow.commit()
        for row, _result, delivery in judged:
            if delivery.retry_after is not None and row.id in recorded:
                self._wake_after(delivery.retry_after)

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
        """Rows leased by a sender that died are sent again at once rather than when the lease runs
        out: on SQLite, where one sender runs per database, every leased row; on PostgreSQL, where
        other senders may be alive, only those of the senders in `reclaim`."""
        if not self.transports or (self.database.serial is None and not self.reclaim):
            return 0
        channels = list(self.transports)
        async with UnitOfWork(self.database) as uow:
            if self.database.serial is not None:
                count = await uow.outbox.release_leases(channels, self.clock())
                count += await uow.outbox.fail_abandoned(self.clock(), every=True)
            else:
                count = 0
                for dead in self.reclaim:
                    count += await uow.outbox.release_leases(channels, self.clock(), by=dead)
                    count += await uow.outbox.fail_abandoned(self.clock(), by=dead)
            await uow.commit()
        if count:
            log.info("outbox: %d rows of a dead sender taken back", count)
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
                    handled = await self.run_once(stop)
                except Exception:
                    log.exception("outbox round failed")
                    handled = 0
                if not handled or not self._again:
                    # New rows wake the sender (on_commit), a retry's timer too: no round only to find nothing.
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


async def reclaim_sender(database: Database, now: datetime, dead: str) -> int:
    """The rows a sender known dead had leased are due again now, for any sender (its started notices
    fail, unknown whether they went: OutboxRepo.fail_abandoned); the number of rows."""
    async with UnitOfWork(database) as uow:
        count = await uow.outbox.release_sender(dead, now)
        count += await uow.outbox.fail_abandoned(now, by=dead)
        await uow.commit()
    return count


class _Round:
    """One leased batch on its way: rows handed to their platforms side by side, and a recorder that
    writes each answer as soon as it can (those that came in meanwhile, together)."""

    def __init__(self, sender: OutboxSender, stop: asyncio.Event | None) -> None:
        self.sender = sender
        self.stop = stop
        self.answered: list[tuple[Claimed, str | DeliveryError]] = []
        self.arrived = asyncio.Event()
        self.sent_all = False
        self.slots = asyncio.Semaphore(max(1, sender.concurrency))
        self.handled = 0

    async def run(self, claimed: list[Claimed]) -> int:
        recorder = asyncio.create_task(self._recorder())
        sending: set[asyncio.Task[None]] = set()
        try:
            await self._hand_out(claimed, sending)
        finally:
            # Even when handing out failed: the rows already with their platforms are waited for and recorded.
            await asyncio.gather(*sending, return_exceptions=True)
            self.sent_all = True
            self.arrived.set()
            await recorder
        return self.handled

    async def _hand_out(self, claimed: list[Claimed], sending: set[asyncio.Task[None]]) -> None:
        sender = self.sender
        for n, row in enumerate(claimed):
            await self.slots.acquire()
            if self.stop is not None and self.stop.is_set():
                self.slots.release()
                await sender._release(claimed[n:])  # not the rows in hand: those are finished first
                return
            # In this loop, one row at a time: the pace is kept as if rows went one by one.
            if sender.pacer is not None:
                await sender.pacer.wait(row.channel, row.chat_id, row.kind)
            if row.kind in sender.at_most_once and not await sender._start(row.id):
                self.slots.release()
                continue
            sending.add(asyncio.create_task(self._send(row)))

    async def _send(self, row: Claimed) -> None:
        try:
            result = await self.sender._attempt(row.channel, row.chat_id, row.payload, row.kind)
            self.answered.append((row, result))
            self.arrived.set()
        finally:
            self.slots.release()

    async def _recorder(self) -> None:
        while True:
            if not self.answered:
                if self.sent_all:
                    return
                await self.arrived.wait()
                self.arrived.clear()
                continue
            batch, self.answered = self.answered, []
            await self.sender._record(batch)
            self.handled += len(batch)


def _outcome(delivery: Delivery, now: datetime) -> Finished:
    """The row's state after an attempt, and the attempt as recorded."""
    status = {Outcome.SENT: "sent", Outcome.HELD: "held", Outcome.FAILED: "failed"}.get(delivery.outcome, "pending")
    retry = delivery.outcome is Outcome.RETRY
    return Finished(
        status=status,
        error=delivery.error,
        sent_at=now if delivery.outcome is Outcome.SENT else None,
        external_id=(delivery.external_id or None) if delivery.outcome is Outcome.SENT else None,
        next_attempt_at=now + timedelta(seconds=delivery.retry_after or 0.0) if retry else None,
        outcome=delivery.outcome.value,
        retry_after=delivery.retry_after,
    )
