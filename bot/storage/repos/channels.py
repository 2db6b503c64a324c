"""What the channels keep: agencies' linked chats, the one-time codes that link them, the staff ids
allowed to act in them, the Zalo OA tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.clock import as_utc
from bot.storage.models import AgencyChannelRow, AgencyStaffIdRow, LinkCodeRow, ZaloTokenRow
from bot.storage.repos.base import _Repo


class AgencyChannelRepo(_Repo):
    async def all(self) -> list[AgencyChannelRow]:
        """Every agency's linked chats, oldest link first."""
        return list((await self._session.execute(select(AgencyChannelRow).order_by(AgencyChannelRow.id))).scalars())

    async def for_agency(self, agency_code: str) -> list[AgencyChannelRow]:
        statement = select(AgencyChannelRow).where(AgencyChannelRow.agency_code == agency_code)
        return list((await self._session.execute(statement.order_by(AgencyChannelRow.id))).scalars())

    async def agency_of(self, channel: str, chat_id: str) -> str | None:
        statement = select(AgencyChannelRow.agency_code).where(
            AgencyChannelRow.channel == channel, AgencyChannelRow.chat_id == chat_id
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def link(self, agency_code: str, channel: str, chat_id: str, linked_by: str, now: datetime) -> None:
        """A chat serves one agency: linking it again moves it to the new agency."""
        await self._session.execute(
            delete(AgencyChannelRow).where(AgencyChannelRow.channel == channel, AgencyChannelRow.chat_id == chat_id)
        )
        self._session.add(
            AgencyChannelRow(
                agency_code=agency_code, channel=channel, chat_id=chat_id, linked_by=linked_by, linked_at=now
            )
        )
        await self._session.flush()


class AgencyStaffIdRepo(_Repo):
    async def for_agency(self, agency_code: str) -> list[AgencyStaffIdRow]:
        statement = select(AgencyStaffIdRow).where(AgencyStaffIdRow.agency_code == agency_code)
        return list((await self._session.execute(statement.order_by(AgencyStaffIdRow.id))).scalars())

    async def allows(self, agency_code: str, user_id: str) -> bool:
        """True when the agency lists no ids at all (anyone in its group may act), or lists this one."""
        listed = select(AgencyStaffIdRow.user_id).where(AgencyStaffIdRow.agency_code == agency_code)
        found = set((await self._session.execute(listed)).scalars())
        return not found or user_id in found

    async def add(self, agency_code: str, user_id: str, added_by: str, now: datetime) -> bool:
        """False when the id was listed already."""
        values = {"agency_code": agency_code, "user_id": user_id, "added_by": added_by, "added_at": now}
        return await self._insert_unless_present(AgencyStaffIdRow, values, ["agency_code", "user_id"])

    async def remove(self, agency_code: str, user_id: str) -> bool:
        """False when the id was not listed."""
        result = await self._session.execute(
            delete(AgencyStaffIdRow).where(
                AgencyStaffIdRow.agency_code == agency_code, AgencyStaffIdRow.user_id == user_id
            )
        )
        return bool(getattr(result, "rowcount", 0))


class LinkCodeRepo(_Repo):
    async def add(self, code_hash: str, agency_code: str, now: datetime, expires_at: datetime) -> None:
        self._session.add(
            LinkCodeRow(code_hash=code_hash, agency_code=agency_code, created_at=now, expires_at=expires_at)
        )
        await self._session.flush()

    async def consume(self, code_hash: str, now: datetime) -> str | None:
        """The agency of an unused, unexpired code, marking it used; None otherwise."""
        statement = select(LinkCodeRow).where(LinkCodeRow.code_hash == code_hash).with_for_update()
        row = (await self._session.execute(statement)).scalar_one_or_none()
        if row is None or row.used_at is not None or as_utc(row.expires_at) <= now:
            return None
        row.used_at = now
        await self._session.flush()
        return row.agency_code


class ZaloTokenRepo(_Repo):
    ROW_ID = 1

    async def get(self, *, for_update: bool = False) -> ZaloTokenRow | None:
        statement = select(ZaloTokenRow).where(ZaloTokenRow.id == self.ROW_ID)
        if for_update:
            statement = statement.with_for_update()
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def store(self, access_token: str, refresh_token: str, now: datetime) -> None:
        row = await self.get(for_update=True)
        if row is None:
            self._session.add(
                ZaloTokenRow(id=self.ROW_ID, access_token=access_token, refresh_token=refresh_token, updated_at=now)
            )
        else:
            row.access_token, row.refresh_token, row.updated_at = access_token, refresh_token, now
        await self._session.flush()
