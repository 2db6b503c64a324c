"""The outbox: every message to go out, leased to senders in order per chat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    DateTime,
    Integer,
    String,
    Table,
    Update,
    and_,
    bindparam,
    delete,
    func,
    literal_column,
    select,
    update,
)

from bot.storage.models import DeliveryAttemptRow, OutboxRow, RequestRow
from bot.storage.repos.base import _Repo
from bot.storage.repos.outbox_sql import FINISH, FINISH_MANY, FINISH_ROW, FINISHED_ARRAYS, RECORD_ATTEMPT

# A leased row its sender is handing to the platform, when it must go at most once (a notice).
STARTED = "started"
ABANDONED = "the sender stopped while sending it: not sent again, it may have gone"


@dataclass(frozen=True)
class Finished:
    """What an attempt did to a row: its new status and error; when it was sent and the platform's
    id for it (sent), or when to try again (a retry); None leaves a column as it was."""

    status: str
    error: str
    sent_at: datetime | None
    external_id: str | None
    next_attempt_at: datetime | None
    outcome: str
    retry_after: float | None


class Leased(NamedTuple):
    """A row as a sender leased it: what sending and recording it need (no ORM object)."""

    id: int
    channel: str
    chat_id: str
    payload: dict[str, Any]
    kind: str
    attempts: int
    # The chat has a later row pending: it falls due once this one has gone (a sender looks again).
    more: bool = False


@dataclass(frozen=True)
class Done:
    """One attempt to record: the row, its count of attempts with this one, and what it came to."""

    id: int
    attempts: int
    finished: Finished


@cache
def _lease_statement(postgresql: bool) -> Update:
    """OutboxRepo.lease_due's statement, built once (it runs for every round of the sender; built
    anew, its aliases and subqueries cost more than the database does). Bound at each call: now,
    until, by, limit and channels."""
    table = cast(Table, OutboxRow.__table__)
    channels = bindparam("channels", expanding=True, type_=String())
    picked = (
        select(OutboxRow.id)
        .where(OutboxRepo._due(bindparam("now", type_=DateTime(timezone=True)), channels))
        .order_by(OutboxRow.id)
        .limit(bindparam("limit", type_=Integer()))
        .correlate(None)
    )
    if postgresql:
        picked = picked.with_for_update(skip_locked=True)
    later = table.alias("later")
    # In full: SQLite's RETURNING is written unqualified, and here a bare `id` would be later's own.
    own: dict[str, ColumnElement[Any]] = {n: literal_column(f"{table.name}.{n}") for n in ("channel", "chat_id", "id")}
    more = (
        select(later.c.id)
        .where(
            later.c.channel == own["channel"],
            later.c.chat_id == own["chat_id"],
            later.c.id > own["id"],
            later.c.status == "pending",
        )
        .exists()
    )
    return (
        update(table)
        .where(table.c.id.in_(picked.scalar_subquery()))
        .values(
            status="sending",
            next_attempt_at=bindparam("until", type_=DateTime(timezone=True)),
            leased_by=bindparam("by", type_=String()),
        )
        .returning(*(table.c[name] for name in Leased._fields[:-1]), more)
    )


class OutboxRepo(_Repo):
    async def add(
        self,
        channel: str,
        chat_id: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        kind: str = "message",
        request_id: int | None = None,
        status: str = "pending",
    ) -> OutboxRow:
        row = OutboxRow(**self.values(channel, chat_id, payload, now, kind=kind, request_id=request_id, status=status))
        self._session.add(row)
        await self._session.flush()
        return row

    @staticmethod
    def values(
        channel: str,
        chat_id: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        kind: str = "message",
        request_id: int | None = None,
        status: str = "pending",
    ) -> dict[str, Any]:
        """A new row's columns, for a statement that writes several (ConversationRepo.save_turn)."""
        return {
            "channel": channel,
            "chat_id": chat_id,
            "kind": kind,
            "payload": payload,
            "status": status,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "request_id": request_id,
            "created_at": now,
            "sent_at": None,
        }

    @staticmethod
    def _due(
        now: datetime | BindParameter[datetime], channels: Sequence[str] | BindParameter[Any]
    ) -> ColumnElement[bool]:
        """A row is due when pending and its time has come, or when its sender's lease ran out; and
        only once no older row of the same chat is pending or being sent (a chat's order)."""
        o2 = OutboxRow.__table__.alias("o2")
        blocked = (
            select(o2.c.id)
            .where(
                o2.c.channel == OutboxRow.channel,
                o2.c.chat_id == OutboxRow.chat_id,
                o2.c.status.in_(("pending", "sending")),
                o2.c.id < OutboxRow.id,
            )
            # OFFSET 0: not an anti join, which on statistics from a quiet outbox scanned every open
            # row for each one (2.3 s at 4,000); a subplan looks each chat up in ix_outbox_open.
            .offset(0)
            .exists()
        )
        return and_(
            OutboxRow.status.in_(("pending", "sending")),
            OutboxRow.next_attempt_at <= now,
            OutboxRow.channel.in_(channels),
            ~blocked,
        )

    async def lease_due(
        self,
        now: datetime,
        limit: int,
        channels: Sequence[str],
        lease: timedelta,
        *,
        by: str | None = None,
        abandoned: bool = True,
    ) -> list[Leased]:
        """Lease due rows to the sender `by`, oldest first, at most one per chat so a chat's messages
        go out in order. One statement (the rows picked in a subquery, leased by the UPDATE around it);
        on PostgreSQL the picked rows are locked with SKIP LOCKED, so several senders never take the
        same row. With `abandoned`, started rows whose sender died are failed first (fail_abandoned)."""
        if abandoned:
            await self.fail_abandoned(now)
        params = {"now": now, "until": now + lease, "by": by, "limit": limit, "channels": list(channels)}
        found = await self._session.execute(_lease_statement(self.dialect == "postgresql"), params)
        rows = [Leased(*row) for row in found.all()]
        return sorted(rows, key=lambda row: row.id)  # RETURNING keeps no order

    async def oldest_due(self, now: datetime, channels: Sequence[str]) -> datetime | None:
        """When the row that has waited longest among those a sender would take now fell due."""
        statement = select(func.min(OutboxRow.next_attempt_at)).where(self._due(now, channels))
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def renew_leases(self, by: str, until: datetime) -> int:
        """The sender `by` is alive: its rows stay its own until `until`."""
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.status.in_(("sending", STARTED)), OutboxRow.leased_by == by)
            .values(next_attempt_at=until)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def mark_started(self, row_id: int, by: str) -> bool:
        """The sender `by` is handing the row to its platform now (an at-most-once row: a notice); False
        when the row is no longer its own. A started row is never leased again: if its sender dies
        before recording the outcome, nobody can know whether it went, and it is not sent twice."""
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == row_id, OutboxRow.status == "sending", OutboxRow.leased_by == by)
            .values(status=STARTED)
        )
        return bool(getattr(result, "rowcount", 0))

    async def fail_abandoned(self, now: datetime, *, every: bool = False, by: str | None = None) -> int:
        """Started rows whose sender died (its lease ran out; with `by`, that sender's, known dead; with
        `every`, any: one sender per SQLite database, starting) fail for good, unknown whether they
        went, rather than go twice."""
        statement = update(OutboxRow).where(OutboxRow.status == STARTED)
        if by is not None:
            statement = statement.where(OutboxRow.leased_by == by)
        elif not every:
            statement = statement.where(OutboxRow.next_attempt_at <= now)
        result = await self._session.execute(statement.values(status="failed", last_error=ABANDONED, leased_by=None))
        return int(getattr(result, "rowcount", 0) or 0)

    async def finish(self, row_id: int, by: str, attempts: int, finished: Finished, now: datetime) -> bool:
        """Record an attempt's outcome on the row, if the row is still leased to the sender `by`;
        False when it is not (another sender took it over, or the person's client fetched it).

        One statement on PostgreSQL (the row updated in a CTE, the attempt inserted from it): the
        sender records every row as soon as the platform answers, so this runs once a message."""
        params = {"id": row_id, "by": by, "attempts": attempts, "now": now, **asdict(finished)}
        if self.dialect == "postgresql":
            return (await self._session.execute(FINISH, params)).first() is not None
        changed = (await self._session.execute(FINISH_ROW, params)).first()
        if changed is None:
            return False
        await self._session.execute(RECORD_ATTEMPT, params)
        return True

    async def finish_many(self, by: str, done: Sequence[Done], now: datetime) -> set[int]:
        """Record several attempts' outcomes (each row's own), those of rows still leased to `by`; the
        ids recorded. One statement on PostgreSQL (arrays unnested, the rows updated in a CTE, their
        attempts inserted from it) whatever the number, so a round of replies costs one round trip."""
        if not done:
            return set()
        if self.dialect != "postgresql" or len(done) == 1:  # one row: the plainer statement is cheaper
            return {d.id for d in done if await self.finish(d.id, by, d.attempts, d.finished, now)}
        columns: dict[str, list[Any]] = {"id": [d.id for d in done], "attempts": [d.attempts for d in done]}
        for name in FINISHED_ARRAYS:
            columns[name] = [getattr(d.finished, name) for d in done]
        found = await self._session.execute(FINISH_MANY, {"by": by, "now": now, **columns})
        return {int(row_id) for (row_id,) in found.all()}

    async def get(self, row_id: int) -> OutboxRow | None:
        return await self._session.get(OutboxRow, row_id)

    async def release_leases(
        self, channels: Sequence[str], now: datetime, *, by: str | None = None, ids: Sequence[int] | None = None
    ) -> int:
        """Leased rows become due now: every one of `channels` (SQLite, where one sender runs per
        database), or those the sender `by` still holds (it stops before sending them; with `ids`,
        only those, not the rows it has in hand)."""
        statement = update(OutboxRow).where(OutboxRow.status == "sending", OutboxRow.channel.in_(channels))
        if by is not None:
            statement = statement.where(OutboxRow.leased_by == by)
        if ids is not None:
            statement = statement.where(OutboxRow.id.in_(list(ids)))
        result = await self._session.execute(statement.values(status="pending", next_attempt_at=now, leased_by=None))
        return int(getattr(result, "rowcount", 0) or 0)

    async def release_sender(self, by: str, now: datetime) -> int:
        """Every row the sender `by` holds leased, on any channel, becomes due now (that sender is dead)."""
        statement = update(OutboxRow).where(OutboxRow.status == "sending", OutboxRow.leased_by == by)
        result = await self._session.execute(statement.values(status="pending", next_attempt_at=now, leased_by=None))
        return int(getattr(result, "rowcount", 0) or 0)

    async def pending_for_chat(self, channel: str, chat_id: str) -> list[OutboxRow]:
        """Rows of a chat not sent yet: waiting, or leased to a sender right now."""
        statement = (
            select(OutboxRow)
            .where(
                OutboxRow.channel == channel,
                OutboxRow.chat_id == chat_id,
                OutboxRow.status.in_(("pending", "sending")),
            )
            .order_by(OutboxRow.id)
        )
        return list((await self._session.execute(statement)).scalars())

    async def request_of_post(self, channel: str, chat_id: str, external_id: str) -> int | None:
        """The request an agency post (by its platform message id) was about."""
        statement = select(OutboxRow.request_id).where(
            OutboxRow.channel == channel, OutboxRow.chat_id == chat_id, OutboxRow.external_id == external_id
        )
        return (await self._session.execute(statement.limit(1))).scalar_one_or_none()

    async def release_held(self, channel: str, chat_id: str, now: datetime) -> int:
        """Held rows (waiting for the person to write again) become due now, in their order."""
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.channel == channel, OutboxRow.chat_id == chat_id, OutboxRow.status == "held")
            .values(status="pending", next_attempt_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def readdress(
        self, from_channel: str, from_chat: str, to_channel: str, to_chat: str, *, closed: Sequence[str] = ()
    ) -> int:
        """Pending rows waiting for an address (an agency with no channel yet) go to its new channel;
        those about a request already in one of the `closed` statuses are dropped instead."""
        if closed:
            finished = select(RequestRow.id).where(RequestRow.status.in_(list(closed)))
            await self._session.execute(
                delete(OutboxRow).where(
                    OutboxRow.channel == from_channel,
                    OutboxRow.chat_id == from_chat,
                    OutboxRow.status == "pending",
                    OutboxRow.request_id.in_(finished),
                )
            )
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.channel == from_channel, OutboxRow.chat_id == from_chat, OutboxRow.status == "pending")
            .values(channel=to_channel, chat_id=to_chat)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def transcript(
        self,
        channel: str,
        chat_id: str,
        after_id: int = 0,
        limit: int = 200,
        *,
        before_id: int | None = None,
        kinds: Sequence[str] | None = None,
    ) -> list[OutboxRow]:
        """A chat's messages both ways (for channels that keep one), the newest `limit` after `after_id`
        (and before `before_id`, a page further back), of these kinds only if given, oldest first."""
        statement = select(OutboxRow).where(
            OutboxRow.channel == channel, OutboxRow.chat_id == chat_id, OutboxRow.id > after_id
        )
        if before_id is not None:
            statement = statement.where(OutboxRow.id < before_id)
        if kinds is not None:
            statement = statement.where(OutboxRow.kind.in_(list(kinds)))
        statement = statement.order_by(OutboxRow.id.desc()).limit(limit)
        return list(reversed(list((await self._session.execute(statement)).scalars())))

    async def mark_delivered(self, row_ids: Sequence[int], now: datetime) -> None:
        """The person's own client has fetched these rows."""
        if row_ids:
            await self._session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(list(row_ids)), OutboxRow.status.in_(("pending", "sending")))
                .values(status="delivered", sent_at=now, delivered_at=now, leased_by=None)
            )

    async def statuses(self, row_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """(status, last error) of outbox rows, for showing a reply as queued, sent, delivered or failed."""
        if not row_ids:
            return {}
        statement = select(OutboxRow.id, OutboxRow.status, OutboxRow.last_error).where(OutboxRow.id.in_(list(row_ids)))
        return {row_id: (status, error) for row_id, status, error in (await self._session.execute(statement)).all()}

    async def attempts(self, outbox_id: int) -> list[DeliveryAttemptRow]:
        """A row's delivery attempts, oldest first."""
        statement = (
            select(DeliveryAttemptRow)
            .where(DeliveryAttemptRow.outbox_id == outbox_id)
            .order_by(DeliveryAttemptRow.attempt, DeliveryAttemptRow.id)
        )
        return list((await self._session.execute(statement)).scalars())

    async def count_with_error(self, status: str, error: str) -> int:
        statement = select(func.count()).where(OutboxRow.status == status, OutboxRow.last_error == error)
        return int((await self._session.execute(statement)).scalar_one())

    async def count(self, status: str | None = None) -> int:
        statement = select(func.count()).select_from(OutboxRow)
        if status:
            statement = statement.where(OutboxRow.status == status)
        return int((await self._session.execute(statement)).scalar_one())
