"""An agency's working time as a running total, so targets of thousands of requests cost a lookup each.

handlers/working_hours.py walks the calendar day by day for every question: a request overdue by
months costs months of days. Here the working periods are built once per day and kept (with the
working time before each period), so "when are N working hours past this instant" and "how many
working hours between two instants" are two binary searches. Answers are the same to the
microsecond: both count in timedelta's integer microseconds. Whatever this cannot answer the same
way (a naive instant, hours out of range, a schedule whose periods run backwards across a clock
change) goes to the day-by-day functions, which also raise the same errors.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from handlers.working_hours import (
    MAX_DAYS,
    MAX_HOURS,
    Schedule,
    Target,
    add_working_hours,
    target_status,
    working_hours_between,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_HOUR_US = 3_600_000_000
# Days built ahead at once when a deadline lies beyond what is built.
_CHUNK = 64
# Due times a calendar remembers (by start and hours): a queue asks for the same open requests' on
# every refresh, and an answer never changes for its schedule (another schedule is another calendar).
MAX_DUE_KEPT = 50_000


def epoch_us(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICRO


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def _days_around(moment: datetime) -> tuple[date, date]:
    """Days whose local periods may hold this instant: a zone is less than a day off UTC."""
    day = moment.date() if moment.tzinfo is UTC else moment.astimezone(UTC).date()
    return day - timedelta(days=1), day + timedelta(days=1)


@lru_cache(maxsize=256)
def _remaining_us(hours: float) -> int:
    """Microseconds of `hours` as add_working_hours counts them; -1 for what it refuses."""
    if not math.isfinite(hours) or not 0 <= hours <= MAX_HOURS:
        return -1
    return timedelta(hours=hours) // _MICRO


def _instant(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


# Calendars kept between pages, per thread (the dashboard counts in a worker thread; a calendar grows
# as it is read, so it is never shared between threads). A schedule is its days, periods, holidays
# and zone: an agency's edited hours or a new holiday make another key, never a stale answer.
MAX_KEPT = 64
_kept: OrderedDict[tuple[int, Schedule], WorkingCalendar] = OrderedDict()
_kept_lock = threading.Lock()


def calendar_for(schedule: Schedule) -> WorkingCalendar:
    key = (threading.get_ident(), schedule)
    with _kept_lock:
        found = _kept.get(key)
        if found is None:
            found = _kept[key] = WorkingCalendar(schedule)
            while len(_kept) > MAX_KEPT:
                _kept.popitem(last=False)
        else:
            _kept.move_to_end(key)
        return found


class WorkingCalendar:
    """One schedule's periods from day `lo` to `hi`, with the working microseconds before each."""

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule
        self._lo: date | None = None
        self._hi: date | None = None
        self._starts: list[int] = []
        self._ends: list[int] = []
        # Working microseconds before period i, and up to its end.
        self._before: list[int] = []
        self._upto: list[int] = []
        self._monotonic = True
        self._due: dict[tuple[int, tuple[float, ...]], tuple[int, ...]] = {}

    def _build(self, lo: date, hi: date) -> None:
        self._lo, self._hi = lo, hi
        self._starts, self._ends, self._before, self._upto = [], [], [], []
        self._append(lo, hi)

    def _append(self, first: date, last: date) -> None:
        day, total = first, self._upto[-1] if self._upto else 0
        while day <= last:
            for begins, ends in self.schedule.periods_on(day):
                start, end = epoch_us(begins), epoch_us(ends)
                if self._ends and start < self._ends[-1]:
                    self._monotonic = False
                self._starts.append(start)
                self._ends.append(end)
                self._before.append(total)
                total += end - start
                self._upto.append(total)
            day += timedelta(days=1)
        self._hi = last

    def _cover(self, first: date, last: date) -> None:
        if self._lo is None or self._hi is None or first < self._lo:
            # Back a little further than asked: requests come oldest first, but not always.
            self._build(first - timedelta(days=_CHUNK), max(last, self._hi or last))
        elif last > self._hi:
            self._append(self._hi + timedelta(days=1), max(last, self._hi + timedelta(days=_CHUNK)))

    def _worked_before(self, us: int) -> int:
        """Working microseconds from the start of the built range to `us` (inside it)."""
        i = bisect_right(self._starts, us) - 1
        if i < 0:
            return 0
        return self._before[i] + min(us - self._starts[i], self._ends[i] - self._starts[i])

    def add_hours(self, start: datetime, hours: float) -> datetime:
        """add_working_hours(start, hours, schedule), by lookup."""
        if start.tzinfo is None or not math.isfinite(hours) or not 0 <= hours <= MAX_HOURS:
            return add_working_hours(start, hours, self.schedule)
        remaining = timedelta(hours=hours) // _MICRO
        if not remaining:
            return _utc(start)
        day, _ = _days_around(start)
        self._cover(day, day + timedelta(days=_CHUNK))
        goal = self._worked_before(epoch_us(start)) + remaining
        while self._monotonic and (not self._upto or self._upto[-1] < goal):
            hi = self._hi or day
            if (hi - day).days > MAX_DAYS:
                break
            self._append(hi + timedelta(days=1), hi + timedelta(days=_CHUNK))
        if not self._monotonic or not self._upto or self._upto[-1] < goal:
            return add_working_hours(start, hours, self.schedule)
        j = bisect_left(self._upto, goal)
        return _instant(self._starts[j] + goal - self._before[j])

    def due_us(self, start: datetime, hours: tuple[float, ...]) -> tuple[int, ...]:
        """add_hours(start, h) for each of `hours`, as microseconds since the epoch: what orders a queue
        (one lookup of `start` for them all, and no datetimes built; remembered for the next page)."""
        if start.tzinfo is None:
            return tuple(epoch_us(self.add_hours(start, h)) for h in hours)
        key = (epoch_us(start), hours)
        found = self._due.get(key)
        if found is None:
            if len(self._due) >= MAX_DUE_KEPT:
                self._due.clear()
            found = self._due[key] = self._count_due_us(start, hours)
        return found

    def _count_due_us(self, start: datetime, hours: tuple[float, ...]) -> tuple[int, ...]:
        day, _ = _days_around(start)
        if self._lo is None or self._hi is None or day < self._lo or day + timedelta(days=_CHUNK) > self._hi:
            self._cover(day, day + timedelta(days=_CHUNK))
        if not self._monotonic:
            return tuple(epoch_us(self.add_hours(start, h)) for h in hours)
        at = epoch_us(start)
        worked = self._worked_before(at)
        found = []
        for h in hours:
            remaining = _remaining_us(h)
            goal = worked + remaining
            if remaining <= 0 or not self._upto or self._upto[-1] < goal:
                found.append(epoch_us(self.add_hours(start, h)))  # zero, out of range, or beyond what is built
                continue
            j = bisect_left(self._upto, goal)
            found.append(self._starts[j] + goal - self._before[j])
        return tuple(found)

    def hours_between(self, start: datetime, end: datetime) -> float:
        """working_hours_between(start, end, schedule), by lookup."""
        if start.tzinfo is None or end.tzinfo is None:
            return working_hours_between(start, end, self.schedule)
        (a, b), (c, d) = _days_around(start), _days_around(end)
        self._cover(min(a, c), max(b, d))
        if not self._monotonic:
            return working_hours_between(start, end, self.schedule)
        worked = self._worked_before(epoch_us(end)) - self._worked_before(epoch_us(start))
        # As the day-by-day count does: the other way round, negated (so -0.0 stays -0.0).
        return -(-worked / _HOUR_US) if end < start else worked / _HOUR_US

    def target(self, start: datetime, hours: float, done_at: datetime | None, now: datetime) -> Target:
        """target_status(start, hours, done_at, now, schedule), by lookup."""
        if start.tzinfo is None or now.tzinfo is None or (done_at is not None and done_at.tzinfo is None):
            return target_status(start, hours, done_at, now, self.schedule)
        start = _utc(start)
        due_at = self.add_hours(start, hours)
        done_at = _utc(done_at) if done_at is not None else None
        stopped_at = done_at if done_at is not None else _utc(now)
        return Target(
            start=start,
            hours=hours,
            due_at=due_at,
            done_at=done_at,
            done=done_at is not None,
            met=done_at is not None and done_at <= due_at,
            overdue=stopped_at > due_at,
            remaining_hours=self.hours_between(stopped_at, due_at),
        )
