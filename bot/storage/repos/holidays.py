"""Public holidays: the days no working-hours target counts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.storage.models import HolidayRow
from bot.storage.repos.base import _Repo


class HolidayRepo(_Repo):
    async def all(self) -> list[HolidayRow]:
        return list((await self._session.execute(select(HolidayRow).order_by(HolidayRow.day))).scalars())

    async def days(self) -> frozenset[date]:
        return frozenset((await self._session.execute(select(HolidayRow.day))).scalars())

    async def get(self, day: date) -> HolidayRow | None:
        return (await self._session.execute(select(HolidayRow).where(HolidayRow.day == day))).scalar_one_or_none()

    async def upsert(self, day: date, name: str) -> HolidayRow:
        row = await self.get(day)
        if row is None:
            row = HolidayRow(day=day, name=name)
            self._session.add(row)
        else:
            row.name = name
        await self._session.flush()
        return row

    async def remove(self, day: date) -> bool:
        row = await self.get(day)
        if row is None:
            return False
        await self._session.delete(row)
        await self._session.flush()
        return True
