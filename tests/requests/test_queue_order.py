"""The fast queue gives what the straightforward one gave: the per-day calendar answers as the day-by-day
working-hours functions do, and the queue's order and overdue marks (every page, the overdue filter,
the count) equal targets counted the old way over every open row, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.app import App
from bot.clock import as_utc
from bot.requests.calendar import WorkingCalendar, calendar_for, epoch_us
from bot.requests.sla import request_targets, schedule_for
from bot.storage.models import HolidayRow, RequestRow
from handlers.domain import OPEN_STATUSES
from handlers.working_hours import Schedule, add_working_hours, target_status, working_hours_between
from tests.harness import FakeClock
from tests.requests.test_staff_workspace import browser, codes_in, new_request, overdue_in, staffed
from tests.storage.sessions import session_of

__all__ = ["staffed"]  # the fixture, shared with the workspace tests

SCHEDULES = (
    ("1,2,3,4,5", "07:30-11:30,13:30-17:00", "Asia/Ho_Chi_Minh"),
    ("1,2,3,4,5,6", "08:00-12:00", "Asia/Ho_Chi_Minh"),
    ("1,2,3,4,5,6,7", "00:00-24:00", "Asia/Ho_Chi_Minh"),
    # Clocks change here twice a year: periods crossing the change count the hours that passed.
    ("1,2,3,4,5,6,7", "00:30-03:30,22:00-24:00", "Europe/Berlin"),
    ("1,3,5", "09:00-10:00", "America/New_York"),
)
HOLIDAYS = (date(2026, 1, 1), *(date(2026, 2, d) for d in range(16, 21)), date(2026, 4, 30), date(2026, 9, 2))


def _moments(rng: random.Random, count: int) -> list[datetime]:
    base = datetime(2025, 12, 20, tzinfo=UTC)
    return [base + timedelta(seconds=rng.uniform(0, 400 * 86400)) for _ in range(count)]


@pytest.mark.parametrize(("days", "periods", "zone"), SCHEDULES)
def test_the_calendar_answers_as_the_day_by_day_count(days: str, periods: str, zone: str) -> None:
    schedule = Schedule.parse(days, periods, HOLIDAYS, zone)
    calendar = WorkingCalendar(schedule)
    rng = random.Random(f"{days}{periods}{zone}")
    hours = [0.0, 0.5, 1 / 3, 8.0, 40.0, 123.456, 1000.0, *(rng.uniform(0, 300) for _ in range(20))]
    moments = _moments(rng, 60)
    # On a period's edges too: a deadline exactly at a period's end is that end.
    moments += [b for day in (date(2026, 3, 29), date(2026, 11, 2)) for b, _ in schedule.periods_on(day)]
    for start in moments:
        chosen = tuple(rng.sample(hours, 6))
        for h in chosen:
            assert calendar.add_hours(start, h) == add_working_hours(start, h, schedule), (start, h)
        expected = tuple(epoch_us(add_working_hours(start, h, schedule)) for h in chosen)
        assert WorkingCalendar(schedule).due_us(start, chosen) == calendar.due_us(start, chosen) == expected
        assert calendar.due_us(start, chosen) == expected, "remembered as counted"
        end = rng.choice(moments)
        assert calendar.hours_between(start, end) == working_hours_between(start, end, schedule), (start, end)
        done = rng.choice([None, end])
        now = rng.choice(moments)
        h = rng.choice(hours)
        assert calendar.target(start, h, done, now) == target_status(start, h, done, now, schedule)


def test_a_new_holiday_is_another_calendar_never_a_remembered_due_time() -> None:
    days, periods, zone = SCHEDULES[0]
    start = datetime(2026, 4, 29, 2, 0, tzinfo=UTC)  # Wednesday morning in Vietnam, before the 30th
    before = calendar_for(Schedule.parse(days, periods, (), zone))
    assert before.due_us(start, (16.0,)) == before.due_us(start, (16.0,))
    after = calendar_for(Schedule.parse(days, periods, (date(2026, 4, 30),), zone))
    assert after is not before
    assert after.due_us(start, (16.0,))[0] > before.due_us(start, (16.0,))[0]


def test_the_calendar_refuses_what_the_day_by_day_count_refuses() -> None:
    calendar = WorkingCalendar(Schedule.parse("1", "08:00-09:00", (), "Asia/Ho_Chi_Minh"))
    start = datetime(2026, 1, 5, tzinfo=UTC)
    for bad in (-1.0, float("nan"), float("inf"), 10_001.0):
        with pytest.raises(ValueError, match="hours must be between"):
            calendar.add_hours(start, bad)
    with pytest.raises(ValueError, match="aware"):
        calendar.add_hours(datetime(2026, 1, 5), 1.0)
    # Every work day a holiday for over a year: the deadline lies beyond it, as day by day.
    mondays = Schedule.parse("1", "08:00-09:00", (date(2026, 1, 5) + timedelta(weeks=w) for w in range(60)))
    assert WorkingCalendar(mondays).add_hours(start, 3.0) == add_working_hours(start, 3.0, mondays)
    assert WorkingCalendar(mondays).add_hours(start, 3.0) > start + timedelta(weeks=60)


async def _reference_order(app: App, agency: str | None) -> tuple[list[str], list[str]]:
    """Every open row in scope, both targets counted day by day, sorted as the queue always sorted."""
    async with app.uow() as uow:
        agencies = {row.code: row for row in await uow.agencies.all_rows()}
        holidays = await uow.holidays.days()
        statement = select(RequestRow).where(RequestRow.status.in_(OPEN_STATUSES))
        if agency is not None:
            statement = statement.where(RequestRow.agency_code == agency)
        rows = list((await session_of(uow).execute(statement)).scalars())
    now = as_utc(app.clock())
    keyed = []
    for row in rows:
        schedule = schedule_for(agencies[row.agency_code], holidays, app.settings.timezone)
        first, resolution = targets = request_targets(row, agencies[row.agency_code], schedule, now)
        next_due = first.due_at if not first.done else resolution.due_at
        keyed.append(((0 if targets.overdue else 1, next_due, row.id), row.code, targets.overdue))
    keyed.sort()
    return [code for _, code, _ in keyed], [code for _, code, overdue in keyed if overdue]


async def _seed(app: App, clock: FakeClock, count: int) -> None:
    rng = random.Random(20261203)
    async with app.uow() as uow:
        for day in HOLIDAYS:
            session_of(uow).add(HolidayRow(day=day, name="nghỉ lễ"))
        session_of(uow).add(HolidayRow(day=date(2026, 11, 20), name="nghỉ lễ"))
        await uow.commit()
    categories = ("employment", "training", "papers", "loan", "social")
    for i in range(count):
        clock.advance(hours=rng.uniform(0.2, 30))
        await new_request(app, category=rng.choice(categories), chat_id=f"q{i}")
    async with app.uow() as uow:
        rows = list((await session_of(uow).execute(select(RequestRow))).scalars())
        for row in rows:
            changes: dict[str, object] = {}
            created = as_utc(row.created_at)
            if rng.random() < 0.3:  # answered within the day
                changes["first_response_at"] = created + timedelta(hours=rng.uniform(0.1, 20))
            if rng.random() < 0.15:  # transferred: the new agency's clock starts then
                changes["agency_since"] = created + timedelta(hours=rng.uniform(1, 10))
            if rng.random() < 0.15:
                changes["status"] = rng.choice(("in_progress", "waiting", "resolved"))
            if changes:
                await session_of(uow).execute(update(RequestRow).where(RequestRow.id == row.id).values(**changes))
        await uow.commit()


async def test_the_queue_orders_and_marks_as_counting_every_row_would(staffed: App, clock: FakeClock) -> None:
    await _seed(staffed, clock, 70)
    mixed = []
    for step in ({"hours": 0}, {"days": 9}, {"days": 40}):
        clock.advance(**step)
        for username, agency in (("admin", None), ("vieclam", "demo-vieclam")):
            order, overdue = await _reference_order(staffed, agency)
            async with browser(staffed, username) as staff:
                pages = [await staff.get(f"/staff?page={n}") for n in range(1, 2 + (len(order) - 1) // 50)]
                shown = [code for page in pages for code in codes_in(page)]
                marked = [code for page in pages for code in overdue_in(page)]
                assert shown == order and marked == overdue, (username, step)
                only_overdue = await staff.get("/staff?status=overdue")
                assert codes_in(only_overdue) == overdue[:50]
                assert f"Quá hạn: {len(overdue)}" in pages[0].text
            mixed.append(0 < len(overdue) < len(order))
    assert any(mixed)  # some overdue, some not: the mix the comparison needs
