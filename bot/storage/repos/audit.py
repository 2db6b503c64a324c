"""The audit log: written beside every admin change, read newest first on the audit page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.storage.models import AuditLogRow
from bot.storage.repos.base import _Repo


class AuditRepo(_Repo):
    async def add(
        self,
        actor: str,
        action: str,
        target: str,
        now: datetime,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self._session.add(
            AuditLogRow(created_at=now, actor=actor, action=action, target=target, before=before, after=after)
        )

    async def newest(
        self,
        *,
        actor: str = "",
        action: str = "",
        since: datetime | None = None,
        before: datetime | None = None,
        offset: int = 0,
        limit: int,
    ) -> list[AuditLogRow]:
        """Newest first; `actor` matches part of the name (any case), `action` exactly; blank: any;
        written at or after `since` and before `before` when given."""
        statement = select(AuditLogRow)
        if since is not None:
            statement = statement.where(AuditLogRow.created_at >= since)
        if before is not None:
            statement = statement.where(AuditLogRow.created_at < before)
        if actor:
            statement = statement.where(func.lower(AuditLogRow.actor).contains(actor.lower(), autoescape=True))
        if action:
            statement = statement.where(AuditLogRow.action == action)
        statement = statement.order_by(AuditLogRow.id.desc()).offset(offset).limit(limit)
        return list((await self._session.execute(statement)).scalars())

    async def actions(self) -> list[str]:
        """Every action the log holds, for the page's filter."""
        statement = select(AuditLogRow.action).distinct().order_by(AuditLogRow.action)
        return [str(a) for a in (await self._session.execute(statement)).scalars()]
