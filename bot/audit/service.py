"""The audit log page: who changed what, newest first, filtered by who and by action."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.storage.models import AuditLogRow
from bot.storage.unit_of_work import UnitOfWork

AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditLogRow]
    page: int
    has_next: bool
    actions: list[str]


def _jsonable(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime | date) else str(value)


def pretty_json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=_jsonable)


async def audit_page(uow: UnitOfWork, actor: str = "", action: str = "", page: int = 1) -> AuditPage:
    """Newest first; `actor` matches part of the name (any case), `action` exactly."""
    page = max(1, min(page, 100_000))
    rows = await uow.audit.newest(
        actor=actor.strip()[:120],
        action=action[:64],
        offset=(page - 1) * AUDIT_PAGE_SIZE,
        limit=AUDIT_PAGE_SIZE + 1,
    )
    return AuditPage(rows[:AUDIT_PAGE_SIZE], page, len(rows) > AUDIT_PAGE_SIZE, await uow.audit.actions())
