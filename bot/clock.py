"""The time, as one function the composition root can replace in tests; and stored instants in UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """An instant in UTC. SQLite hands timezone columns back naive; everything is written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def as_utc_or_none(moment: datetime | None) -> datetime | None:
    """as_utc for a column that may be empty."""
    return None if moment is None else as_utc(moment)
