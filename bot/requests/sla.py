"""A request's targets in its agency's working time: what the staff queue shows and escalation acts on."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import NamedTuple, Protocol

from bot.clock import as_utc, as_utc_or_none
from bot.requests.calendar import WorkingCalendar, calendar_for, epoch_us
from bot.storage.models import AgencyRow, RequestRow
from bot.storage.unit_of_work import UnitOfWork
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

    @property
    def overdue(self) -> bool:
        """An open request past a target not yet met: its first response, or its resolution."""
        first, resolution = self
        return (not first.done and first.overdue) or (not resolution.done and resolution.overdue)


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
    first_done = as_utc_or_none(request.first_response_at)
    resolved = as_utc_or_none(request.resolved_at)
    return RequestTargets(
        target_status(start, _hours(agency.first_response_hours), first_done, now, schedule),
        target_status(start, _hours(agency.resolution_hours), resolved, now, schedule),
    )


class Dated(Protocol):
    """What targets are counted from: a RequestRow, or the few columns of one the queue orders by."""

    @property
    def agency_code(self) -> str: ...
    @property
    def agency_since(self) -> datetime | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def first_response_at(self) -> datetime | None: ...
    @property
    def resolved_at(self) -> datetime | None: ...


class Urgency(NamedTuple):
    """What the queue orders open requests by: overdue first, then the next target to fall."""

    overdue: bool
    # Microseconds since the epoch (UTC): only ever compared.
    next_due: int | None


NO_URGENCY = Urgency(False, None)


# Told about a request whose dates its agency's schedule cannot place (it then has no targets).
UnusableDates = Callable[[RequestRow, ValueError], None]


class AgencyClocks:
    """Targets of many requests at one moment, each agency's schedule parsed once."""

    def __init__(
        self,
        agencies: Iterable[AgencyRow],
        holidays: Iterable[date],
        tz_name: str,
        now: datetime,
        on_unusable_dates: UnusableDates | None = None,
    ) -> None:
        self.agencies = {agency.code: agency for agency in agencies}
        self.holidays = frozenset(holidays)
        self.tz_name = tz_name
        self.now = now
        self.on_unusable_dates = on_unusable_dates
        self._schedules: dict[str, Schedule] = {}
        self._calendars: dict[str, WorkingCalendar] = {}
        self._now_us: int | None = None
        self._target_hours: dict[str, tuple[float, float]] = {}

    @classmethod
    async def load(
        cls, uow: UnitOfWork, tz_name: str, now: datetime, on_unusable_dates: UnusableDates | None = None
    ) -> AgencyClocks:
        return cls(await uow.agencies.all_rows(), await uow.holidays.days(), tz_name, now, on_unusable_dates)

    def schedule(self, agency: AgencyRow) -> Schedule:
        schedule = self._schedules.get(agency.code)
        if schedule is None:
            schedule = self._schedules[agency.code] = schedule_for(agency, self.holidays, self.tz_name)
        return schedule

    def calendar(self, agency: AgencyRow) -> WorkingCalendar:
        """The agency's working periods, built once per day for every request this counts."""
        calendar = self._calendars.get(agency.code)
        if calendar is None:
            calendar = self._calendars[agency.code] = calendar_for(self.schedule(agency))
        return calendar

    def targets(self, request: RequestRow) -> RequestTargets | None:
        """None when the request's agency is unknown (no target to count against) or its dates unusable."""
        agency = self.agencies.get(request.agency_code)
        if agency is None:
            return None
        # Outside the try: a bad time zone is the deployment's error, not this request's.
        calendar = self.calendar(agency)
        start = as_utc(request.agency_since or request.created_at)
        now = as_utc(self.now)
        try:
            first_done, resolved = as_utc_or_none(request.first_response_at), as_utc_or_none(request.resolved_at)
            return RequestTargets(
                calendar.target(start, _hours(agency.first_response_hours), first_done, now),
                calendar.target(start, _hours(agency.resolution_hours), resolved, now),
            )
        except ValueError as error:
            # One request's unusable dates must not hold back the others, nor break a page.
            if self.on_unusable_dates is not None:
                self.on_unusable_dates(request, error)
            return None

    def urgency(self, request: Dated) -> Urgency:
        """Only the due times (no hours left): enough to order and mark every open request of a queue."""
        agency = self.agencies.get(request.agency_code)
        if agency is None:
            return NO_URGENCY
        calendar = self.calendar(agency)
        start = as_utc(request.agency_since or request.created_at)
        hours = self._target_hours.get(agency.code)
        if hours is None:
            hours = self._target_hours[agency.code] = (
                _hours(agency.first_response_hours),
                _hours(agency.resolution_hours),
            )
        try:
            first_due, resolution_due = calendar.due_us(start, hours)
        except ValueError:
            return NO_URGENCY  # told once the request is shown, through targets()
        if self._now_us is None:
            self._now_us = epoch_us(as_utc(self.now))
        now = self._now_us
        first_open = request.first_response_at is None
        overdue = (first_open and now > first_due) or (request.resolved_at is None and now > resolution_due)
        return Urgency(overdue, first_due if first_open else resolution_due)
