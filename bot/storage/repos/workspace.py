"""Saved filters (per account) and canned replies (per agency or for all)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select

from bot.storage.models import CannedReplyRow, SavedFilterRow
from bot.storage.repos.base import _Repo


class SavedFilterRepo(_Repo):
    async def of_user(self, user_id: int) -> list[SavedFilterRow]:
        statement = select(SavedFilterRow).where(SavedFilterRow.user_id == user_id).order_by(SavedFilterRow.name)
        return list((await self._session.execute(statement)).scalars())

    async def save(self, user_id: int, name: str, query: str, now: datetime) -> SavedFilterRow:
        """A new saved filter, or the user's filter of that name pointed at this view."""
        statement = select(SavedFilterRow).where(SavedFilterRow.user_id == user_id, SavedFilterRow.name == name)
        row = (await self._session.execute(statement)).scalar_one_or_none()
        if row is None:
            row = SavedFilterRow(user_id=user_id, name=name, query=query, created_at=now)
            self._session.add(row)
        else:
            row.query = query
        await self._session.flush()
        return row

    async def delete(self, user_id: int, filter_id: int) -> bool:
        """The user's own filter only; False when they have none with that id."""
        statement = delete(SavedFilterRow).where(SavedFilterRow.user_id == user_id, SavedFilterRow.id == filter_id)
        result = await self._session.execute(statement)
        return bool(getattr(result, "rowcount", 0))


class CannedReplyRepo(_Repo):
    async def all(self) -> list[CannedReplyRow]:
        statement = select(CannedReplyRow).order_by(CannedReplyRow.agency_code, CannedReplyRow.title)
        return list((await self._session.execute(statement)).scalars())

    async def usable_by(self, agency_code: str) -> list[CannedReplyRow]:
        """The agency's own replies, then those for every agency."""
        statement = (
            select(CannedReplyRow)
            .where(or_(CannedReplyRow.agency_code == agency_code, CannedReplyRow.agency_code.is_(None)))
            .order_by(CannedReplyRow.agency_code.is_(None), CannedReplyRow.title)
        )
        return list((await self._session.execute(statement)).scalars())

    async def get(self, reply_id: int) -> CannedReplyRow | None:
        return await self._session.get(CannedReplyRow, reply_id)

    async def add(self, row: CannedReplyRow) -> CannedReplyRow:
        self._session.add(row)
        await self._session.flush()
        return row

    async def remove(self, row: CannedReplyRow) -> None:
        await self._session.delete(row)
        await self._session.flush()
