"""Public holidays from the admin console: the days no working-hours target counts."""

from __future__ import annotations

import re
from datetime import date, datetime

from bot.audit.changes import HOLIDAY_NAME_CHARS, NotFound, clean_text, fail
from bot.storage.models import HolidayRow
from bot.storage.unit_of_work import UnitOfWork


def parse_day(text: str) -> date:
    """A date as the browser's date field sends it (2026-09-02), or as people write it (2/9/2026)."""
    text = text.strip()
    try:
        if re.fullmatch(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}", text):
            day, month, year = (int(p) for p in text.split("/"))
            parsed = date(year, month, day)
        elif re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            parsed = date.fromisoformat(text)
        else:
            fail("ar_err_date")
    except ValueError:
        fail("ar_err_date")
    if not 2000 <= parsed.year <= 2100:
        fail("ar_err_date")
    return parsed


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
