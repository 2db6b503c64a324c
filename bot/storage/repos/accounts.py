"""Staff and admin accounts: users, agencies' API tokens, users' notifications."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from bot.storage.models import ApiTokenRow, UserNotificationRow, UserRow
from bot.storage.repos.base import _Repo


class UserRepo(_Repo):
    async def get(self, user_id: int) -> UserRow | None:
        return await self._session.get(UserRow, user_id)

    async def by_username(self, username: str) -> UserRow | None:
        statement = select(UserRow).where(UserRow.username == username.strip().lower())
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def add(
        self,
        username: str,
        password_hash: str,
        role: str,
        now: datetime,
        *,
        agency_code: str | None = None,
        display_name: str = "",
        is_lead: bool = False,
    ) -> UserRow:
        row = UserRow(
            username=username.strip().lower(),
            display_name=display_name,
            password_hash=password_hash,
            role=role,
            agency_code=agency_code,
            is_lead=is_lead,
            active=True,
            session_version=1,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return row

    async def all(self) -> list[UserRow]:
        return list((await self._session.execute(select(UserRow).order_by(UserRow.username))).scalars())

    async def of_agency(self, agency_code: str, *, leads_only: bool = False) -> list[UserRow]:
        statement = select(UserRow).where(UserRow.agency_code == agency_code, UserRow.active.is_(True))
        if leads_only:
            statement = statement.where(UserRow.is_lead.is_(True))
        return list((await self._session.execute(statement.order_by(UserRow.username))).scalars())


class ApiTokenRepo(_Repo):
    async def add(self, agency_code: str, token_hash: str, prefix: str, label: str, actor: str, now: datetime) -> int:
        row = ApiTokenRow(
            agency_code=agency_code,
            token_hash=token_hash,
            prefix=prefix,
            label=label,
            created_by=actor,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def by_hash(self, token_hash: str) -> ApiTokenRow | None:
        statement = select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash)
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def get(self, token_id: int) -> ApiTokenRow | None:
        return await self._session.get(ApiTokenRow, token_id)

    async def all(self) -> list[ApiTokenRow]:
        return list((await self._session.execute(select(ApiTokenRow).order_by(ApiTokenRow.id))).scalars())


class NotificationRepo(_Repo):
    async def add(
        self,
        user_id: int,
        kind: str,
        now: datetime,
        *,
        request_id: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        self._session.add(
            UserNotificationRow(user_id=user_id, request_id=request_id, kind=kind, data=data or {}, created_at=now)
        )
        await self._session.flush()

    async def unread(self, user_id: int, limit: int = 50) -> list[UserNotificationRow]:
        statement = (
            select(UserNotificationRow)
            .where(UserNotificationRow.user_id == user_id, UserNotificationRow.read_at.is_(None))
            .order_by(UserNotificationRow.id.desc())
            .limit(limit)
        )
        return list((await self._session.execute(statement)).scalars())

    async def mark_read(self, user_id: int, now: datetime, request_id: int | None = None) -> None:
        statement = update(UserNotificationRow).where(
            UserNotificationRow.user_id == user_id, UserNotificationRow.read_at.is_(None)
        )
        if request_id is not None:
            statement = statement.where(UserNotificationRow.request_id == request_id)
        await self._session.execute(statement.values(read_at=now))

    async def mark_read_of_kind(self, user_id: int, kind: str, now: datetime, **data: object) -> None:
        """The user's unread notifications of `kind` whose data holds these values, marked read."""
        statement = select(UserNotificationRow).where(
            UserNotificationRow.user_id == user_id,
            UserNotificationRow.read_at.is_(None),
            UserNotificationRow.kind == kind,
        )
        for row in (await self._session.execute(statement)).scalars():
            if all(row.data.get(key) == value for key, value in data.items()):
                row.read_at = now

    async def unread_about(self, user_id: int, request_ids: Collection[int], kind: str) -> dict[int, datetime]:
        """Of those requests, the ones with an unread notification of `kind` for the user, with the
        oldest such notification's time (what is new since the user last opened the request)."""
        if not request_ids:
            return {}
        statement = (
            select(UserNotificationRow.request_id, func.min(UserNotificationRow.created_at))
            .where(
                UserNotificationRow.user_id == user_id,
                UserNotificationRow.read_at.is_(None),
                UserNotificationRow.kind == kind,
                UserNotificationRow.request_id.in_(list(request_ids)),
            )
            .group_by(UserNotificationRow.request_id)
        )
        rows = (await self._session.execute(statement)).tuples()
        return {request_id: since for request_id, since in rows if request_id is not None}
