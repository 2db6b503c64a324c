"""The agencies requests are routed to."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.storage.models import AgencyRow
from bot.storage.repos.base import _Repo
from handlers.domain import Agency


def _agency(row: AgencyRow) -> Agency:
    return Agency(
        row.code,
        row.name,
        row.kind,
        row.contact,
        row.hours,
        first_response_hours=row.first_response_hours or 0,
        work_periods=row.work_periods or "",
    )


class AgencyRepo(_Repo):
    async def get(self, code: str) -> Agency | None:
        row = await self.get_row(code)
        return _agency(row) if row else None

    async def get_row(self, code: str) -> AgencyRow | None:
        return (await self._session.execute(select(AgencyRow).where(AgencyRow.code == code))).scalar_one_or_none()

    async def all_rows(self) -> list[AgencyRow]:
        return list((await self._session.execute(select(AgencyRow).order_by(AgencyRow.code))).scalars())

    async def upsert(self, code: str, **fields: Any) -> AgencyRow:
        return await self._upsert_by_code(AgencyRow, code, fields)
