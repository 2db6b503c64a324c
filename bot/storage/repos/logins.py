"""Signing in: web sessions, failed logins counted by username and address, recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update

from bot.storage.models import LoginFailureRow, RecoveryCodeRow, WebSessionRow
from bot.storage.repos.base import _Repo


class WebSessionRepo(_Repo):
    async def add(
        self,
        token_hash: str,
        user_id: int,
        session_version: int,
        now: datetime,
        expires_at: datetime,
        *,
        address: str,
        user_agent: str,
    ) -> WebSessionRow:
        row = WebSessionRow(
            token_hash=token_hash,
            user_id=user_id,
            session_version=session_version,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
            address=address,
            user_agent=user_agent,
        )
        self._session.add(row)
        await self._session.flush()
        return row

    async def by_token_hash(self, token_hash: str) -> WebSessionRow | None:
        statement = select(WebSessionRow).where(WebSessionRow.token_hash == token_hash)
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def of_user(self, user_id: int) -> list[WebSessionRow]:
        statement = (
            select(WebSessionRow).where(WebSessionRow.user_id == user_id).order_by(WebSessionRow.last_seen_at.desc())
        )
        return list((await self._session.execute(statement)).scalars())

    async def touch(self, session_id: int, now: datetime) -> None:
        await self._session.execute(
            update(WebSessionRow).where(WebSessionRow.id == session_id).values(last_seen_at=now)
        )

    async def end(self, session_id: int, *, user_id: int) -> bool:
        """Only a session of this user: another's id ends nothing."""
        statement = delete(WebSessionRow).where(WebSessionRow.id == session_id, WebSessionRow.user_id == user_id)
        return bool(getattr(await self._session.execute(statement), "rowcount", 0))

    async def end_all_of(self, user_id: int, *, keep: int | None = None) -> int:
        statement = delete(WebSessionRow).where(WebSessionRow.user_id == user_id)
        if keep is not None:
            statement = statement.where(WebSessionRow.id != keep)
        return int(getattr(await self._session.execute(statement), "rowcount", 0))

    async def end_stale(self, idle_since: datetime, now: datetime) -> int:
        """Sessions idle since before `idle_since` or past their absolute end."""
        statement = delete(WebSessionRow).where(
            (WebSessionRow.last_seen_at < idle_since) | (WebSessionRow.expires_at <= now)
        )
        return int(getattr(await self._session.execute(statement), "rowcount", 0))


class LoginFailureRepo(_Repo):
    async def add(self, username: str, address: str, now: datetime) -> None:
        self._session.add(LoginFailureRow(username=username, address=address, at=now))
        await self._session.flush()

    async def of_pair(self, username: str, address: str, since: datetime) -> tuple[int, datetime | None]:
        """How many failures of this username from this address since then, and the latest."""
        statement = select(func.count(), func.max(LoginFailureRow.at)).where(
            LoginFailureRow.username == username, LoginFailureRow.address == address, LoginFailureRow.at >= since
        )
        count, latest = (await self._session.execute(statement)).one()
        return int(count), latest

    async def count_from(self, address: str, since: datetime) -> tuple[int, datetime | None]:
        """Failures from one address (any username) since then, and the earliest of them."""
        statement = select(func.count(), func.min(LoginFailureRow.at)).where(
            LoginFailureRow.address == address, LoginFailureRow.at >= since
        )
        count, earliest = (await self._session.execute(statement)).one()
        return int(count), earliest

    async def count_all(self, since: datetime) -> tuple[int, datetime | None]:
        statement = select(func.count(), func.min(LoginFailureRow.at)).where(LoginFailureRow.at >= since)
        count, earliest = (await self._session.execute(statement)).one()
        return int(count), earliest

    async def clear_pair(self, username: str, address: str) -> None:
        await self._session.execute(
            delete(LoginFailureRow).where(LoginFailureRow.username == username, LoginFailureRow.address == address)
        )

    async def forget_before(self, moment: datetime) -> None:
        await self._session.execute(delete(LoginFailureRow).where(LoginFailureRow.at < moment))


class RecoveryCodeRepo(_Repo):
    async def replace(self, user_id: int, code_hashes: list[str], now: datetime) -> None:
        await self._session.execute(delete(RecoveryCodeRow).where(RecoveryCodeRow.user_id == user_id))
        self._session.add_all(RecoveryCodeRow(user_id=user_id, code_hash=h, created_at=now) for h in code_hashes)
        await self._session.flush()

    async def use(self, user_id: int, code_hash: str, now: datetime) -> bool:
        """Marks an unused code used; false when there is none (wrong, or used already)."""
        statement = (
            update(RecoveryCodeRow)
            .where(
                RecoveryCodeRow.user_id == user_id,
                RecoveryCodeRow.code_hash == code_hash,
                RecoveryCodeRow.used_at.is_(None),
            )
            .values(used_at=now)
        )
        return bool(getattr(await self._session.execute(statement), "rowcount", 0))

    async def unused(self, user_id: int) -> int:
        statement = select(func.count()).where(RecoveryCodeRow.user_id == user_id, RecoveryCodeRow.used_at.is_(None))
        return int((await self._session.execute(statement)).scalar_one())

    async def remove_all(self, user_id: int) -> None:
        await self._session.execute(delete(RecoveryCodeRow).where(RecoveryCodeRow.user_id == user_id))
