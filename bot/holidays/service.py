"""Public holidays from the admin console: the days no working-hours target counts."""

from __future__ import annotations

from datetime import date, datetime

from bot.audit.changes import HOLIDAY_NAME_CHARS, NotFound, clean_text, fail
from bot.clock import read_day
from bot.storage.models import HolidayRow
from bot.storage.unit_of_work import UnitOfWork


def parse_day(text: str) -> date:
    try:
        return read_day(text)
    except ValueError:
        fail("ar_err_date")


async def add_holiday(uow: UnitOfWork, day_text: str, name: str, actor: str, now: datetime) -> HolidayRow:
    day = parse_day(day_text)
    name = clean_text(name, HOLIDAY_NAME_CHARS, "ar_err_name_required", required=True)
    if day in await uow.holidays.days():
        fail("ar_err_holiday_exists", day=day.strftime("%d/%m/%Y"))
    row = await uow.holidays.upsert(day, name)
    after = {"day": day.isoformat(), "name": name}
    await uow.audit.add(actor, "holiday.add", f"holiday:{day.isoformat()}", now, after=after)
    return row


async def remove_holiday(uow: UnitOfWork, day_text: str, actor: str, now: datetime) -> None:
    day = parse_day(day_text)
    row = await uow.holidays.get(day)
    if row is None:
        raise NotFound(day_text)
    before = {"day": day.isoformat(), "name": row.name}
    await uow.holidays.remove(day)
    await uow.audit.add(actor, "holiday.remove", f"holiday:{day.isoformat()}", now, before=before)
