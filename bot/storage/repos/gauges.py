"""What /metrics reads from the database when scraped: the outbox's backlog and the open requests."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import and_, case, func, select

from bot.storage.models import OutboxRow, RequestRow
from bot.storage.repos.base import _Repo
from handlers.domain import OPEN_STATUSES


class OutboxBacklog(NamedTuple):
    channel: str
    # Rows not yet gone: waiting (including those waiting for a retry) or in a sender's hands.
    depth: int
    # When the longest-waiting row that is due now fell due (None: nothing due).
    oldest_due: datetime | None


class GaugeRepo(_Repo):
    async def outbox_backlog(self, now: datetime) -> list[OutboxBacklog]:
        """One aggregate over the rows not yet gone (the due index covers status and time)."""
        due = case((and_(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now), OutboxRow.next_attempt_at))
        statement = (
            select(OutboxRow.channel, func.count(), func.min(due))
            .where(OutboxRow.status.in_(("pending", "sending", "started")))
            .group_by(OutboxRow.channel)
            .order_by(OutboxRow.channel)
        )
        rows = (await self._session.execute(statement)).tuples()
        return [OutboxBacklog(channel, int(depth), oldest) for channel, depth, oldest in rows]

    async def open_requests(self) -> list[RequestRow]:
        """Every open request (their targets are counted in each agency's working time, in Python)."""
        statement = select(RequestRow).where(RequestRow.status.in_(OPEN_STATUSES)).order_by(RequestRow.id)
        return list((await self._session.execute(statement)).scalars())
