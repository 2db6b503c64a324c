"""Agencies from the admin console: their details, targets and working schedule, and the one-time
codes that link an agency's Telegram group."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.audit.changes import (
    AGENCY_NAME_CHARS,
    WORK_DAYS_CHARS,
    WORK_PERIODS_CHARS,
    NotFound,
    checked_code,
    clean_text,
    fail,
    save_changes,
    target_hours,
)
from bot.messaging.agency_desk import create_link_code
from bot.reference import files as reference_data
from bot.storage.models import AgencyChannelRow, AgencyRow
from bot.storage.repos.meta import REFERENCE_REVISION
from bot.storage.unit_of_work import UnitOfWork
from handlers.working_hours import Schedule

KIND = re.compile(r"^[a-z0-9_]{1,64}$")
# Not column limits, only sanity: a contact or an opening-hours text is a few lines.
CONTACT_CHARS = 2000
HOURS_TEXT_CHARS = 500
AGENCY_AUDIT_FIELDS = (*reference_data.AGENCY_FIELDS, "work_days", "work_periods")


@dataclass(frozen=True)
class AgencyInput:
    code: str = ""
    name: str = ""
    kind: str = ""
    contact: str = ""
    hours: str = ""
    first_response_hours: str = "8"
    resolution_hours: str = "80"
    work_days: str = "1,2,3,4,5"
    work_periods: str = "07:30-11:30,13:30-17:00"
    active: bool = True


def agency_summary(row: AgencyRow) -> dict[str, Any]:
    return {f: getattr(row, f) for f in AGENCY_AUDIT_FIELDS}


def _schedule_fields(days: str, periods: str, timezone: str) -> tuple[str, str]:
    """Work days and periods as the targets' clock reads them; refused when it could not."""
    days = "".join(days.split())
    periods = "".join(periods.split())
    try:
        schedule = Schedule.parse(days, periods, (), timezone)
    except ValueError as error:
        fail("ar_err_schedule", detail=error)
    days = ",".join(str(d) for d in sorted(schedule.days))
    if len(days) > WORK_DAYS_CHARS or len(periods) > WORK_PERIODS_CHARS:
        fail("ar_err_schedule_long", limit=WORK_PERIODS_CHARS)
    return days, periods


def _agency_fields(data: AgencyInput, timezone: str) -> dict[str, Any]:
    first = target_hours(data.first_response_hours, "ar_err_first_response")
    resolution = target_hours(data.resolution_hours, "ar_err_resolution")
    if resolution < first:
        fail("ar_err_resolution_before_first")
    kind = data.kind.strip()
    if not KIND.fullmatch(kind):
        fail("ar_err_kind")
    work_days, work_periods = _schedule_fields(data.work_days, data.work_periods, timezone)
    return {
        "name": clean_text(data.name, AGENCY_NAME_CHARS, "ar_err_name_required", required=True),
        "kind": kind,
        "contact": clean_text(data.contact, CONTACT_CHARS, "", multiline=True),
        "hours": clean_text(data.hours, HOURS_TEXT_CHARS, "", multiline=True),
        "first_response_hours": first,
        "resolution_hours": resolution,
        "work_days": work_days,
        "work_periods": work_periods,
        "active": data.active,
    }


async def create_agency(uow: UnitOfWork, data: AgencyInput, actor: str, now: datetime, timezone: str) -> AgencyRow:
    code = checked_code(data.code)
    fields = _agency_fields(data, timezone)
    if await uow.agencies.get_row(code) is not None:
        fail("ar_err_duplicate_code", code=code)
    row = await uow.agencies.upsert(code, **fields)
    await uow.meta.bump(REFERENCE_REVISION)
    await uow.audit.add(actor, "agency.create", f"agency:{code}", now, after=agency_summary(row))
    return row


async def update_agency(
    uow: UnitOfWork, code: str, data: AgencyInput, actor: str, now: datetime, timezone: str
) -> AgencyRow:
    row = await uow.agencies.get_row(code)
    if row is None:
        raise NotFound(code)
    fields = _agency_fields(data, timezone)
    return await save_changes(uow, row, fields, agency_summary, "agency.update", f"agency:{code}", actor, now)


async def agency_channels(uow: UnitOfWork) -> dict[str, list[AgencyChannelRow]]:
    """Every agency's linked groups, for the list's link status (one query, not one per agency)."""
    found: dict[str, list[AgencyChannelRow]] = {}
    for row in await uow.agency_channels.all():
        found.setdefault(row.agency_code, []).append(row)
    return found


async def create_agency_link_code(
    uow: UnitOfWork, agency_code: str, actor: str, now: datetime, valid_for: timedelta
) -> str:
    """A one-time code for the agency's Telegram group, recorded as the admin's doing."""
    if await uow.agencies.get_row(agency_code) is None:
        raise NotFound(agency_code)
    return await create_link_code(uow, agency_code, now, valid_for, actor=actor)
