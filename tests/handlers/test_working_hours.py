"""Working-time arithmetic for agency targets: deadlines, elapsed working hours, target status."""

from __future__ import annotations

import time as wall
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.working_hours import (
    MAX_HOURS,
    Schedule,
    add_working_hours,
    target_status,
    working_hours_between,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS, OFFICE = "1,2,3,4,5", "07:30-11:30,13:30-17:00"
# 2026-11-02 is a Monday; 11-06 a Friday, 11-08 a Sunday, 11-09 the next Monday.
DEFAULT = Schedule.parse(WEEKDAYS, OFFICE)
MONDAY_OFF = Schedule.parse(WEEKDAYS, OFFICE, {date(2026, 11, 9)})
UTC_OFFICE = Schedule.parse(WEEKDAYS, OFFICE, tz_name="UTC")


def vn(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("case", "schedule", "start", "hours", "due"),
    [
        ("friday afternoon -> monday", DEFAULT, vn(6, 15), 4, vn(9, 9, 30)),
        ("across the lunch break", DEFAULT, vn(2, 10, 30), 2, vn(2, 14, 30)),
        ("start during lunch", DEFAULT, vn(2, 12), 1, vn(2, 14, 30)),
        ("holiday on monday", MONDAY_OFF, vn(6, 15), 4, vn(10, 9, 30)),
        ("start at 22:00", DEFAULT, vn(2, 22), 1, vn(3, 8, 30)),
        ("start before opening", DEFAULT, vn(2, 6), 1, vn(2, 8, 30)),
        ("start on sunday", DEFAULT, vn(8, 10), 8, vn(10, 8)),
        ("start exactly at the morning's end", DEFAULT, vn(2, 11, 30), 1, vn(2, 14, 30)),
        ("start exactly at the day's end", DEFAULT, vn(2, 17), 1, vn(3, 8, 30)),
        ("due exactly at the morning's end", DEFAULT, vn(2, 10, 30), 1, vn(2, 11, 30)),
        ("due exactly at the day's end", DEFAULT, vn(2, 7, 30), 7.5, vn(2, 17)),
        ("a quarter of an hour", DEFAULT, vn(2, 7, 30), 0.25, vn(2, 7, 45)),
        ("a third of an hour", DEFAULT, vn(2, 7, 30), 1 / 3, vn(2, 7, 50)),
        ("an hour and a half over lunch", DEFAULT, vn(2, 11), 1.5, vn(2, 14, 30)),
        ("zero hours is the start", DEFAULT, vn(7, 12), 0, vn(7, 12)),
        ("resolution target of 80 hours", DEFAULT, vn(2, 7, 30), 80, vn(16, 14, 30)),
        ("first response from the demo clock", DEFAULT, utc(2, 8), 8, vn(3, 15, 30)),
        ("utc input, friday afternoon in hanoi", DEFAULT, utc(6, 8), 4, utc(9, 2, 30)),
        ("same instant, office in utc", UTC_OFFICE, utc(2, 10), 1, utc(2, 11)),
        ("same instant, office in hanoi", DEFAULT, utc(2, 10), 1, utc(3, 1, 30)),
        ("input in another zone", DEFAULT, vn(6, 15).astimezone(ZoneInfo("America/New_York")), 4, vn(9, 9, 30)),
    ],
)
def test_add_working_hours(case: str, schedule: Schedule, start: datetime, hours: float, due: datetime) -> None:
    result = add_working_hours(start, hours, schedule)
    assert result == due, f"{case}: {result.astimezone(schedule.tz)} != {due.astimezone(schedule.tz)}"
    assert result.tzinfo is UTC
    assert working_hours_between(start, result, schedule) == pytest.approx(hours)


@pytest.mark.parametrize(
    ("case", "schedule", "start", "hours", "due"),
    [
        # Clocks go back on Sunday 2026-10-25: the office week on either side keeps its local hours.
        (
            "office week across autumn dst",
            Schedule.parse(WEEKDAYS, "09:00-17:00", tz_name="Europe/Berlin"),
            datetime(2026, 10, 23, 16, tzinfo=BERLIN),
            2,
            datetime(2026, 10, 26, 10, tzinfo=BERLIN),
        ),
        # Clocks go forward on Sunday 2026-03-29: that day has 23 real hours.
        (
            "round the clock, spring",
            Schedule.parse("1,2,3,4,5,6,7", "00:00-24:00", tz_name="Europe/Berlin"),
            datetime(2026, 3, 29, 0, tzinfo=BERLIN),
            23,
            datetime(2026, 3, 30, 0, tzinfo=BERLIN),
        ),
        (
            "round the clock, autumn",
            Schedule.parse("1,2,3,4,5,6,7", "00:00-24:00", tz_name="Europe/Berlin"),
            datetime(2026, 10, 25, 0, tzinfo=BERLIN),
            25,
            datetime(2026, 10, 26, 0, tzinfo=BERLIN),
        ),
        (
            "hanoi has no dst",
            Schedule.parse("1,2,3,4,5,6,7", "00:00-24:00"),
            vn(1, 0, month=3),
            24 * 31,
            vn(1, 0, month=4),
        ),
    ],
)
def test_zones_with_and_without_dst(
    case: str, schedule: Schedule, start: datetime, hours: float, due: datetime
) -> None:
    assert add_working_hours(start, hours, schedule) == due, case


@pytest.mark.parametrize(
    ("schedule", "start", "end", "hours"),
    [
        (DEFAULT, vn(6, 15), vn(9, 9, 30), 4.0),
        (DEFAULT, vn(9, 9, 30), vn(6, 15), -4.0),  # end first: the same amount, negative
        (MONDAY_OFF, vn(6, 15), vn(9, 9, 30), 2.0),
        (MONDAY_OFF, vn(6, 15), vn(10, 9, 30), 4.0),
        (DEFAULT, vn(7, 8), vn(8, 20), 0.0),  # a weekend
        (DEFAULT, vn(2, 11, 45), vn(2, 13, 15), 0.0),  # inside lunch
        (DEFAULT, vn(2, 7), vn(2, 18), 7.5),
        (DEFAULT, vn(2, 7, 30), vn(9, 7, 30), 37.5),
        (UTC_OFFICE, vn(2, 7, 30), vn(2, 17), 2.5),  # 00:30-10:00 UTC: the office in UTC opens 07:30
        (DEFAULT, utc(2, 0), utc(2, 0), 0.0),
    ],
)
def test_working_hours_between(schedule: Schedule, start: datetime, end: datetime, hours: float) -> None:
    assert working_hours_between(start, end, schedule) == pytest.approx(hours)


@pytest.mark.parametrize(
    ("case", "done_at", "now", "done", "met", "overdue", "remaining"),
    [
        ("open, in time", None, vn(3, 8), False, False, False, 5.5),
        ("open, overdue", None, vn(3, 16, 30), False, False, True, -1.0),
        ("open, past due after hours", None, vn(3, 20), False, False, True, -1.5),
        ("done in time keeps its margin", vn(3, 10), vn(13, 9), True, True, False, 3.5),
        ("done at the due instant", vn(3, 15, 30), vn(13, 9), True, True, False, 0.0),
        ("done late", vn(4, 8, 30), vn(13, 9), True, False, True, -2.5),
    ],
)
def test_target_status(
    case: str, done_at: datetime | None, now: datetime, done: bool, met: bool, overdue: bool, remaining: float
) -> None:
    # Sent Monday 15:00 with an 8-hour target: due Tuesday 15:30.
    target = target_status(vn(2, 15), 8, done_at, now, DEFAULT)
    assert target.due_at == vn(3, 15, 30)
    assert (target.done, target.met, target.overdue) == (done, met, overdue), case
    assert target.remaining_hours == pytest.approx(remaining), case


def test_due_at_the_end_of_a_day_is_overdue_with_no_hours_left_until_the_next() -> None:
    target = target_status(vn(2, 7, 30), 7.5, None, vn(2, 18), DEFAULT)
    assert target.due_at == vn(2, 17) and target.overdue
    assert target.remaining_hours == 0.0


@pytest.mark.parametrize(
    ("days", "periods", "tz_name", "message"),
    [
        ("", OFFICE, "UTC", "no work days"),
        ("  ", OFFICE, "UTC", "no work days"),
        ("0,1,2", OFFICE, "UTC", "ISO weekday"),
        ("1,8", OFFICE, "UTC", "ISO weekday"),
        ("mon,tue", OFFICE, "UTC", "ISO weekday"),
        ("1,,2", OFFICE, "UTC", "ISO weekday"),
        ("1-5", OFFICE, "UTC", "ISO weekday"),
        ("²", OFFICE, "UTC", "ISO weekday"),
        (WEEKDAYS, "", "UTC", "no work periods"),
        (WEEKDAYS, "25:00-26:00", "UTC", "not a time of day"),
        (WEEKDAYS, "08:60-09:00", "UTC", "not a time of day"),
        (WEEKDAYS, "24:00-24:00", "UTC", "not a time of day"),
        (WEEKDAYS, "07:30-07:00", "UTC", "does not end after it starts"),
        (WEEKDAYS, "08:00-08:00", "UTC", "does not end after it starts"),
        (WEEKDAYS, "07:30-11:30,11:00-12:00", "UTC", "overlaps"),
        (WEEKDAYS, "13:00-17:00,07:30-13:30", "UTC", "overlaps"),
        (WEEKDAYS, "morning", "UTC", "not a period"),
        (WEEKDAYS, "07:30-11:30-13:00", "UTC", "not a period"),
        (WEEKDAYS, "07:30-11:30,", "UTC", "not a period"),
        (WEEKDAYS, "7h30-11h30", "UTC", "not a time like"),
        (WEEKDAYS, OFFICE, "Mars/Olympus", "unknown time zone"),
        (WEEKDAYS, OFFICE, "../etc/passwd", "unknown time zone"),
        (WEEKDAYS, OFFICE, "", "unknown time zone"),
    ],
)
def test_malformed_schedules_are_refused(days: str, periods: str, tz_name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Schedule.parse(days, periods, (), tz_name)


def test_lenient_spelling_is_accepted() -> None:
    schedule = Schedule.parse(" 5, 1 ,1 ", " 13:30-17:00 , 7:30-11:30,17:00-24:00", [date(2026, 1, 1)], "UTC")
    assert schedule.days == {1, 5}
    assert schedule.periods == ((time(7, 30), time(11, 30)), (time(13, 30), time(17)), (time(17), time.max))
    assert schedule.holidays == {date(2026, 1, 1)}


@pytest.mark.parametrize(
    ("days", "periods"),
    [
        (frozenset(), ((time(8), time(9)),)),
        (frozenset({1}), ()),
        (frozenset({0}), ((time(8), time(9)),)),
        (frozenset({1}), ((time(9), time(8)),)),
    ],
)
def test_a_schedule_without_working_time_cannot_be_built(
    days: frozenset[int], periods: tuple[tuple[time, time], ...]
) -> None:
    with pytest.raises(ValueError):
        Schedule(days, periods, frozenset(), VN)


@pytest.mark.parametrize("hours", [-1.0, MAX_HOURS + 1, float("nan"), float("inf")])
def test_hours_out_of_range_are_refused(hours: float) -> None:
    with pytest.raises(ValueError, match="hours must be"):
        add_working_hours(vn(2, 8), hours, DEFAULT)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_working_hours(datetime(2026, 11, 2, 8), 1, DEFAULT)
    with pytest.raises(ValueError, match="aware"):
        working_hours_between(vn(2, 8), datetime(2026, 11, 2, 9), DEFAULT)


def test_the_largest_target_is_quick() -> None:
    began = wall.perf_counter()
    due = add_working_hours(vn(2, 8), MAX_HOURS, DEFAULT)
    assert working_hours_between(vn(2, 8), due, DEFAULT) == pytest.approx(MAX_HOURS)
    assert wall.perf_counter() - began < 2


def test_holidays_without_end_give_up_instead_of_looping() -> None:
    # Every remaining day a holiday (a data-entry accident): no working time within the horizon.
    first = date(2026, 11, 2)
    everything = frozenset(first + timedelta(days=n) for n in range(366 * 101))
    schedule = Schedule.parse(WEEKDAYS, OFFICE, everything)
    with pytest.raises(ValueError, match="no working time"):
        add_working_hours(vn(2, 8), 1, schedule)
