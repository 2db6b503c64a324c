"""The audit log page: who changed what, newest first, filtered by who, by action and by date."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import read_day
from bot.storage.models import AuditLogRow
from bot.storage.unit_of_work import UnitOfWork

AUDIT_PAGE_SIZE = 50
# The most rows one CSV export holds (newest first): a year of a busy province's changes.
EXPORT_LIMIT = 20_000


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    # Local calendar days (the deployment's time zone), both included.
    first_day: date | None = None
    last_day: date | None = None

    def bounds(self, tz_name: str) -> tuple[datetime | None, datetime | None]:
        """The UTC instants of local midnight at the first day, and after the last."""
        zone = ZoneInfo(tz_name)

        def midnight(day: date) -> datetime:
            return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)

        since = midnight(self.first_day) if self.first_day else None
        before = midnight(self.last_day + timedelta(days=1)) if self.last_day else None
        return since, before


def parse_day(text: str) -> date | None:
    """A date input's day; anything else (or a year out of range) is no filter, never an error."""
    try:
        return read_day(text[:10], 1900, 9998)
    except ValueError:
        return None


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


async def audit_rows(
    uow: UnitOfWork, found: AuditFilter, tz_name: str, *, offset: int, limit: int
) -> list[AuditLogRow]:
    since, before = found.bounds(tz_name)
    actor, action = found.actor.strip()[:120], found.action[:64]
    return await uow.audit.newest(actor=actor, action=action, since=since, before=before, offset=offset, limit=limit)


async def audit_page(uow: UnitOfWork, found: AuditFilter, tz_name: str, page: int = 1) -> AuditPage:
    """Newest first; `actor` matches part of the name (any case), `action` exactly."""
    page = max(1, min(page, 100_000))
    rows = await audit_rows(uow, found, tz_name, offset=(page - 1) * AUDIT_PAGE_SIZE, limit=AUDIT_PAGE_SIZE + 1)
    return AuditPage(rows[:AUDIT_PAGE_SIZE], page, len(rows) > AUDIT_PAGE_SIZE, await uow.audit.actions())
