"""The time, as one function the composition root can replace in tests (and the waits, as another);
and stored instants in UTC."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

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
