"""The dashboard's reads: plain rows and simple counts; bot/dashboard/figures.py turns them into figures.

Grouping by local week and working-hour arithmetic stay in Python: SQLite and PostgreSQL share no
time-zone conversion, and working time needs each agency's schedule and the holidays.
Every bound is an aware instant in UTC: SQLite keeps instants as UTC text without an offset, so a
bound in another zone would be compared by its wall-clock digits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, func, select

from bot.storage.models import AgencyRow, HolidayRow, MatchLogRow, RequestRow
from bot.storage.repos.base import _Repo
from bot.storage.repos.match_log import unanswered_questions


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("bounds must be aware datetimes")
    return moment.astimezone(UTC)


class StatsRepo(_Repo):
    async def requests_created(self, start: datetime, end: datetime) -> list[tuple[str, datetime]]:
        """(category, created_at) of the requests created in [start, end)."""
        statement = select(RequestRow.category, RequestRow.created_at).where(
            RequestRow.created_at >= _utc(start), RequestRow.created_at < _utc(end)
        )
        return [(category, created) for category, created in (await self._session.execute(statement)).all()]

    async def open_counts(self, statuses: Sequence[str]) -> list[tuple[str, str, int]]:
        """(agency_code, status, count) of the requests now in one of `statuses`."""
        statement = (
            select(RequestRow.agency_code, RequestRow.status, func.count())
            .where(RequestRow.status.in_(list(statuses)))
            .group_by(RequestRow.agency_code, RequestRow.status)
        )
        rows = (await self._session.execute(statement)).all()
        return [(agency, status, int(count)) for agency, status, count in rows]

    async def requests_received(self, start: datetime, end: datetime) -> list[RequestRow]:
        """Requests whose current agency's clock started in [start, end) (a transfer restarts it)."""
        clock_start = func.coalesce(RequestRow.agency_since, RequestRow.created_at)
        statement = (
            select(RequestRow).where(clock_start >= _utc(start), clock_start < _utc(end)).order_by(RequestRow.id)
        )
        return list((await self._session.execute(statement)).scalars())

    async def agencies(self) -> list[AgencyRow]:
        """Every agency, inactive ones too: their past requests still count."""
        return list((await self._session.execute(select(AgencyRow).order_by(AgencyRow.code))).scalars())

    async def holidays(self) -> frozenset[date]:
        return frozenset((await self._session.execute(select(HolidayRow.day))).scalars())

    async def decisions(self, start: datetime, end: datetime) -> list[tuple[str, datetime]]:
        """(decision, created_at) of the questions the matcher saw in [start, end)."""
        statement = select(MatchLogRow.decision, MatchLogRow.created_at).where(
            MatchLogRow.created_at >= _utc(start), MatchLogRow.created_at < _utc(end)
        )
        return [(decision, created) for decision, created in (await self._session.execute(statement)).all()]

    def _unanswered(self, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
        """Left without an answer in [start, end) and not yet handled in the inbox."""
        return [MatchLogRow.created_at >= _utc(start), MatchLogRow.created_at < _utc(end), *unanswered_questions()]

    async def unanswered(self, start: datetime, end: datetime, limit: int) -> list[tuple[int, str, str, datetime]]:
        """(id, question, normalized, created_at) of the newest `limit` unanswered questions."""
        statement = (
            select(MatchLogRow.id, MatchLogRow.question, MatchLogRow.normalized, MatchLogRow.created_at)
            .where(*self._unanswered(start, end))
            .order_by(MatchLogRow.id.desc())
            .limit(limit)
        )
        return [(i, q, n, c) for i, q, n, c in (await self._session.execute(statement)).all()]

    async def unanswered_count(self, start: datetime, end: datetime) -> int:
        statement = select(func.count()).select_from(MatchLogRow).where(*self._unanswered(start, end))
        return int((await self._session.execute(statement)).scalar_one())
