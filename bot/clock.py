"""The time, as one function the composition root can replace in tests (and the waits, as another);
and stored instants in UTC."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

Clock = Callable[[], datetime]
# asyncio.sleep, or in tests a clock's skip ahead: back-off and retry_after waits pass without sleeping.
Sleep = Callable[[float], Awaitable[None]]


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """An instant in UTC. SQLite hands timezone columns back naive; everything is written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def as_utc_or_none(moment: datetime | None) -> datetime | None:
    """as_utc for a column that may be empty."""
    return None if moment is None else as_utc(moment)


_DAY_MONTH_YEAR = re.compile(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def read_day(text: str, first_year: int = 2000, last_year: int = 2100) -> date:
    """A day as a date field sends it (2026-09-02) or as people write it (2/9/2026), within the years
    a form can mean; ValueError for anything else, which each caller words in its own texts."""
    text = text.strip()
    if _DAY_MONTH_YEAR.fullmatch(text):
        day, month, year = (int(p) for p in text.split("/"))
        parsed = date(year, month, day)
    elif _ISO_DAY.fullmatch(text):
        parsed = date.fromisoformat(text)
    else:
        raise ValueError(text)
    if not first_year <= parsed.year <= last_year:
        raise ValueError(text)
    return parsed
