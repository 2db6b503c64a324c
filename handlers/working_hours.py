"""Working time: the clock agency targets run on (work days, periods of the day, public holidays).

Instants go in and come out as aware datetimes in UTC; the schedule is read in its own time zone.
Working time is real elapsed time inside the periods, so on a day a zone changes its clocks a period
crossing the change counts the hours that actually passed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
# "24:00" as a period's end: midnight of the next day (`time` cannot hold 24:00 itself).
END_OF_DAY = time.max
# Targets are hours to weeks; anything beyond is a typo, and refusing it keeps every call short.
MAX_HOURS = 10_000.0
# Days looked through for working time before giving up (holidays covering decades, say).
MAX_DAYS = 366 * 100

# ASCII digits only: str.isdigit and \d also accept digits int() cannot read.
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_DAY = re.compile(r"[0-9]+")
_ONE_HOUR = timedelta(hours=1)


def _parse_time(text: str, *, end: bool) -> time:
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text.strip()!r} is not a time like 07:30")
    hour, minute = int(match.group(1)), int(match.group(2))
    if end and (hour, minute) == (24, 0):
        return END_OF_DAY
    if hour > 23 or minute > 59:
        raise ValueError(f"{text.strip()!r} is not a time of day")
    return time(hour, minute)


def _format_time(moment: time) -> str:
    return "24:00" if moment == END_OF_DAY else moment.strftime("%H:%M")


def _parse_days(days: str) -> frozenset[int]:
    if not days.strip():
        raise ValueError("no work days given")
    parsed: set[int] = set()
    for raw in days.split(","):
        item = raw.strip()
        if _DAY.fullmatch(item) is None or not 1 <= int(item) <= 7:
            raise ValueError(f"work days: {item!r} is not an ISO weekday 1 (Monday) to 7 (Sunday)")
        parsed.add(int(item))
    return frozenset(parsed)


def _parse_periods(periods: str) -> tuple[tuple[time, time], ...]:
    if not periods.strip():
        raise ValueError("no work periods given")
    parsed: list[tuple[time, time]] = []
    for item in periods.split(","):
        bounds = item.split("-")
        if len(bounds) != 2:
            raise ValueError(f"work periods: {item.strip()!r} is not a period like 07:30-11:30")
        try:
            parsed.append((_parse_time(bounds[0], end=False), _parse_time(bounds[1], end=True)))
        except ValueError as error:
            raise ValueError(f"work periods: {error}") from None
    return tuple(sorted(parsed))


# A state agency's usual day (07:30-11:30, 13:30-17:00), for periods that cannot be read.
_USUAL_DAY_HOURS = 7.5


def working_days(hours: float, periods: str) -> int:
    """How many working days `hours` of working time take, at least one: what the person is told
    ("within N working days"), from a target in hours and the periods of the agency's day."""
    try:
        parsed = _parse_periods(periods)
    except ValueError:
        parsed = ()
    day = sum(
        (24 * 60 if end == END_OF_DAY else end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        for start, end in parsed
    )
    day_hours = day / 60 if day > 0 else _USUAL_DAY_HOURS
    if not math.isfinite(hours) or hours <= 0:
        return 1
    # A hair under a whole number of days is that many days, not one more (7.5 h as 7.4999...).
    return max(1, math.ceil(min(hours, MAX_HOURS) / day_hours - 1e-9))


def _zone(tz_name: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz_name!r}") from None


def _aware_utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {moment.isoformat()}")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Schedule:
    """ISO weekdays worked, the periods of such a day (local time, sorted, not overlapping), holidays."""

    days: frozenset[int]
    periods: tuple[tuple[time, time], ...]
    holidays: frozenset[date]
    tz: ZoneInfo

    def __post_init__(self) -> None:
        # Checked here as well as in parse: a schedule without working time would never reach a deadline.
        if not self.days:
            raise ValueError("a schedule needs at least one work day")
        if not self.days <= set(range(1, 8)):
            raise ValueError(f"work days must be ISO weekdays 1 to 7, got {sorted(self.days)}")
        if not self.periods:
            raise ValueError("a schedule needs at least one work period")
        previous_end: time | None = None
        for start, end in self.periods:
            label = f"{_format_time(start)}-{_format_time(end)}"
            if start == END_OF_DAY or end <= start:
                raise ValueError(f"work period {label} does not end after it starts")
            if previous_end is not None and start < previous_end:
                raise ValueError(f"work period {label} overlaps or precedes the one before it")
            previous_end = end

    @classmethod
    def parse(cls, days: str, periods: str, holidays: Iterable[date] = (), tz_name: str = DEFAULT_TIMEZONE) -> Schedule:
        """From the agency's settings: days "1,2,3,4,5", periods "07:30-11:30,13:30-17:00"."""
        return cls(_parse_days(days), _parse_periods(periods), frozenset(holidays), _zone(tz_name))

    def periods_on(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """The working periods of a local calendar day, as UTC instants."""
        if day.isoweekday() not in self.days or day in self.holidays:
            return
        for start, end in self.periods:
            begins = datetime.combine(day, start, tzinfo=self.tz).astimezone(UTC)
            if end == END_OF_DAY:
                ends = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.tz).astimezone(UTC)
            else:
                ends = datetime.combine(day, end, tzinfo=self.tz).astimezone(UTC)
            # A period inside a skipped hour (clocks going forward) has no time in it.
            if ends > begins:
                yield begins, ends

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()


def add_working_hours(start: datetime, hours: float, schedule: Schedule) -> datetime:
    """The earliest instant by which `hours` of working time have passed since `start`.

    A start outside working time counts from the next period; a deadline that falls exactly on the
    end of a period is that end, not the start of the next one. Zero hours is `start` itself.
    Raises ValueError for a naive start, hours outside 0..MAX_HOURS, or no working time in MAX_DAYS.
    """
    start = _aware_utc(start, "start")
    if not math.isfinite(hours) or not 0 <= hours <= MAX_HOURS:
        raise ValueError(f"hours must be between 0 and {MAX_HOURS:g}, got {hours}")
    remaining = timedelta(hours=hours)
    if not remaining:
        return start
    day = schedule.local_day(start)
    for _ in range(MAX_DAYS):
        for opens, ends in schedule.periods_on(day):
            begins = max(opens, start)
            if begins >= ends:
                continue
            if remaining <= ends - begins:
                return begins + remaining
            remaining -= ends - begins
        day += timedelta(days=1)
    raise ValueError(f"the schedule has no working time left within {MAX_DAYS} days of {start.isoformat()}")


def working_hours_between(start: datetime, end: datetime, schedule: Schedule) -> float:
    """Working hours from `start` to `end`; negative (the same amount) when `end` comes first."""
    start, end = _aware_utc(start, "start"), _aware_utc(end, "end")
    if end < start:
        return -working_hours_between(end, start, schedule)
    total = timedelta(0)
    day, last = schedule.local_day(start), schedule.local_day(end)
    while day <= last:
        for begins, ends in schedule.periods_on(day):
            overlap = min(ends, end) - max(begins, start)
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total / _ONE_HOUR


@dataclass(frozen=True)
class Target:
    """One target of a request (first response, resolution) as of `now`."""

    start: datetime
    hours: float
    due_at: datetime
    done_at: datetime | None
    # Done at all, whether in time or late.
    done: bool
    # Done no later than due.
    met: bool
    # Missed: done late, or still open past the due time.
    overdue: bool
    # Working hours from now (or from when it was done) to the due time; at or below zero when overdue.
    remaining_hours: float


def target_status(start: datetime, hours: float, done_at: datetime | None, now: datetime, schedule: Schedule) -> Target:
    """Where a target stands: its clock stops when it is done, so a done target keeps its margin."""
    start = _aware_utc(start, "start")
    due_at = add_working_hours(start, hours, schedule)
    done_at = _aware_utc(done_at, "done_at") if done_at is not None else None
    stopped_at = done_at if done_at is not None else _aware_utc(now, "now")
    met = done_at is not None and done_at <= due_at
    return Target(
        start=start,
        hours=hours,
        due_at=due_at,
        done_at=done_at,
        done=done_at is not None,
        met=met,
        overdue=stopped_at > due_at,
        remaining_hours=working_hours_between(stopped_at, due_at, schedule),
    )
