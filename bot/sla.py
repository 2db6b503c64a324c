"""A request's targets in its agency's working time: what the staff queue shows and escalation acts on."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import NamedTuple

from bot.storage.models import AgencyRow, RequestRow
from handlers.working_hours import MAX_HOURS, Schedule, Target, target_status

log = logging.getLogger(__name__)

# The usual office hours of a Vietnamese state agency; also the columns' defaults.
DEFAULT_WORK_DAYS = "1,2,3,4,5"
DEFAULT_WORK_PERIODS = "07:30-11:30,13:30-17:00"

# Malformed schedules already reported: every escalation round reads them again, the log needs them once.
_warned: set[tuple[str, str, str]] = set()


class RequestTargets(NamedTuple):
    first_response: Target
    resolution: Target


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timezone columns back naive; everything is written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def schedule_for(agency: AgencyRow, holidays: Iterable[date], tz_name: str) -> Schedule:
    """The agency's working time; the default office hours when its settings cannot be read.

    A bad `tz_name` is the deployment's error, not the agency's, and is raised as ValueError.
    """
    holidays = frozenset(holidays)
    try:
        return Schedule.parse(agency.work_days, agency.work_periods, holidays, tz_name)
    except ValueError as error:
        fallback = Schedule.parse(DEFAULT_WORK_DAYS, DEFAULT_WORK_PERIODS, holidays, tz_name)
        key = (agency.code, agency.work_days, agency.work_periods)
        if key not in _warned:
            _warned.add(key)
            log.warning(
                "agency %s: working schedule %r / %r not usable (%s); counting %s %s instead",
                agency.code,
                agency.work_days,
                agency.work_periods,
                error,
                DEFAULT_WORK_DAYS,
                DEFAULT_WORK_PERIODS,
            )
        return fallback


def _hours(value: float | None) -> float:
    # The columns are edited by admins: a negative or absurd target must not stop the queue rendering.
    return min(max(float(value or 0), 0.0), MAX_HOURS)


def request_targets(request: RequestRow, agency: AgencyRow, schedule: Schedule, now: datetime) -> RequestTargets:
    """First response and resolution, both counted from when the current agency received the request."""
    start = as_utc(request.agency_since or request.created_at)
    now = as_utc(now)
    first_done = as_utc(request.first_response_at) if request.first_response_at else None
    resolved = as_utc(request.resolved_at) if request.resolved_at else None
    return RequestTargets(
        target_status(start, _hours(agency.first_response_hours), first_done, now, schedule),
        target_status(start, _hours(agency.resolution_hours), resolved, now, schedule),
    )
