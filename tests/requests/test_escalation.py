"""Escalation of requests past their first-response target, counted in their agency's working time."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.messaging.notify import AGENCY_CHANNEL
from bot.requests import escalation
from bot.requests.escalation import escalate_overdue, run_escalations
from bot.requests.service import change_status, reply, transfer
from bot.requests.sla import request_targets, schedule_for
from bot.runtime import run_worker
from bot.storage.models import AgencyRow, RequestRow
from handlers.domain import NewRequest, RoutingDecision
from tests.harness import FakeClock

VN = ZoneInfo("Asia/Ho_Chi_Minh")
JOBS, WARDS = "demo-vieclam", "demo-ubnd"  # both answer within 8 working hours
GROUP = "-100777"


def hanoi(day: int, hour: int, minute: int = 0) -> datetime:
    """November 2026 in local time: the 2nd is a Monday (where the fake clock starts, at 15:00)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=VN).astimezone(UTC)


async def new_request(app: App, clock: FakeClock, agency: str = JOBS, chat: str = "p1") -> str:
    async with app.uow() as uow:
        conversation = await uow.conversations.get_or_create("test", chat, chat, clock())
        request = NewRequest(
            conversation_id=conversation.id,
            category="employment",
            description="Tôi cần tìm việc làm gần nhà",
            locality_code="mh-an-hoa",
            phone="0356789012",
            name="Nguyễn Văn Bình",
            contact_time="",
            consent_at=clock(),
            routing=RoutingDecision(agency, None, "test", "test"),
        )
        code = await uow.requests.create(request, clock())
        await uow.commit()
    return code


async def add_staff(app: App, clock: FakeClock, username: str, agency: str, *, lead: bool = True) -> None:
    async with app.uow() as uow:
        await uow.users.add(username, password_hash="x", role="staff", now=clock(), agency_code=agency, is_lead=lead)
        await uow.commit()


async def escalate(app: App) -> int:
    return await escalate_overdue(app.database, app.texts, app.settings.timezone, app.clock())


async def notified(app: App, username: str) -> list[tuple[str, str]]:
    async with app.uow() as uow:
        user = await uow.users.by_username(username)
        assert user is not None
        return [(n.kind, n.data["code"]) for n in reversed(await uow.notifications.unread(user.id))]


async def overdue_posts(app: App, agency: str, channel: str = AGENCY_CHANNEL) -> list[str]:
    async with app.uow() as uow:
        rows = await uow.outbox.pending_for_chat(channel, agency)
        return [r.payload["text"] for r in rows if r.payload.get("event") == "overdue"]


async def escalations_of(app: App, code: str) -> list[dict[str, Any]]:
    async with app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None
        return [{"actor": e.actor, **e.data} for e in await uow.requests.events(row.id) if e.type == "escalated"]


async def staffed(app: App, clock: FakeClock) -> None:
    await add_staff(app, clock, "lan", JOBS)
    await add_staff(app, clock, "binh", JOBS, lead=False)
    await add_staff(app, clock, "hoa", WARDS)


async def test_overdue_request_is_escalated_once_to_its_own_leads(demo_app: App, clock: FakeClock) -> None:
    await staffed(demo_app, clock)
    code = await new_request(demo_app, clock)  # Monday 15:00: due Tuesday 15:30
    assert await escalate(demo_app) == 0
    clock.now = hanoi(3, 15)
    assert await escalate(demo_app) == 0
    clock.now = hanoi(3, 15, 31)
    assert await escalate(demo_app) == 1
    assert await escalate(demo_app) == 0  # the job runs again: nothing new
    clock.advance(days=3)
    assert await escalate(demo_app) == 0

    assert await escalations_of(demo_app, code) == [{"actor": "system", "due_at": "2026-11-03T08:30:00+00:00"}]
    assert await notified(demo_app, "lan") == [("overdue", code)]
    assert await notified(demo_app, "binh") == []  # not a lead
    assert await notified(demo_app, "hoa") == []  # another agency's lead
    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.escalated_at is not None
        assert row.escalated_at.replace(tzinfo=UTC) == hanoi(3, 15, 31)
    (post,) = await overdue_posts(demo_app, JOBS)
    assert post.startswith(f"⏰ {code}: yêu cầu đã quá thời hạn phản hồi")
    assert "0356" not in post and "Bình" not in post and "tìm việc" not in post  # no personal data
    assert await overdue_posts(demo_app, WARDS) == []


async def test_the_post_goes_to_the_agencys_linked_group(demo_app: App, clock: FakeClock) -> None:
    async with demo_app.uow() as uow:
        await uow.agency_channels.link(JOBS, "staffnet", GROUP, "test", clock())
        await uow.commit()
    code = await new_request(demo_app, clock)
    clock.now = hanoi(4, 8)
    assert await escalate(demo_app) == 1
    assert [p.split(":")[0] for p in await overdue_posts(demo_app, GROUP, "staffnet")] == [f"⏰ {code}"]


async def test_requests_answered_or_closed_in_time_are_not_escalated(demo_app: App, clock: FakeClock) -> None:
    await staffed(demo_app, clock)
    answered = await new_request(demo_app, clock, chat="p1")
    resolved = await new_request(demo_app, clock, chat="p2")
    cancelled = await new_request(demo_app, clock, chat="p3")
    clock.now = hanoi(3, 10)
    async with demo_app.uow() as uow:
        await reply(uow, demo_app.texts, answered, "Chào anh, cán bộ sẽ gọi lại.", "lan", clock())
        await change_status(uow, demo_app.texts, resolved, "resolved", "lan", clock())
        await change_status(uow, demo_app.texts, cancelled, "cancelled", "system", clock())
        await uow.commit()
    clock.now = hanoi(10, 9)
    assert await escalate(demo_app) == 0
    assert await notified(demo_app, "lan") == []
    assert await overdue_posts(demo_app, JOBS) == []


async def test_a_weekend_does_not_count(demo_app: App, clock: FakeClock) -> None:
    await staffed(demo_app, clock)
    clock.now = hanoi(6, 16)  # Friday 16:00: one hour on Friday, seven on Monday, due Monday 16:30
    code = await new_request(demo_app, clock)
    clock.now = hanoi(9, 8)  # 64 hours later, but one working hour and a half
    assert await escalate(demo_app) == 0
    clock.now = hanoi(9, 16, 29)
    assert await escalate(demo_app) == 0
    clock.now = hanoi(9, 16, 31)
    assert await escalate(demo_app) == 1
    assert await notified(demo_app, "lan") == [("overdue", code)]


async def test_a_holiday_pushes_the_deadline(demo_app: App, clock: FakeClock) -> None:
    await staffed(demo_app, clock)
    async with demo_app.uow() as uow:
        await uow.holidays.upsert(date(2026, 11, 3), "Ngày nghỉ thử")
        await uow.commit()
    code = await new_request(demo_app, clock)  # Monday 15:00; Tuesday off: due Wednesday 15:30
    clock.now = hanoi(3, 16)
    assert await escalate(demo_app) == 0
    clock.now = hanoi(4, 15, 29)
    assert await escalate(demo_app) == 0
    clock.now = hanoi(4, 15, 31)
    assert await escalate(demo_app) == 1
    assert await escalations_of(demo_app, code) == [{"actor": "system", "due_at": "2026-11-04T08:30:00+00:00"}]


async def test_a_transfer_starts_a_new_clock_and_a_new_escalation(demo_app: App, clock: FakeClock) -> None:
    await staffed(demo_app, clock)
    code = await new_request(demo_app, clock)
    clock.now = hanoi(3, 16)
    assert await escalate(demo_app) == 1
    async with demo_app.uow() as uow:
        await transfer(uow, demo_app.texts, code, WARDS, "Việc của UBND", "lan", clock())
        await uow.commit()
    # Tuesday 16:00 at the commune: one hour today, seven tomorrow: due Wednesday 16:30.
    assert await escalate(demo_app) == 0
    clock.now = hanoi(4, 16, 29)
    assert await escalate(demo_app) == 0
    clock.now = hanoi(4, 16, 31)
    assert await escalate(demo_app) == 1
    assert await escalate(demo_app) == 0

    assert await notified(demo_app, "lan") == [("overdue", code)]
    assert await notified(demo_app, "hoa") == [("overdue", code)]
    assert [e["due_at"] for e in await escalations_of(demo_app, code)] == [
        "2026-11-03T08:30:00+00:00",
        "2026-11-04T09:30:00+00:00",
    ]
    assert len(await overdue_posts(demo_app, WARDS)) == 1


async def test_each_agency_counts_in_its_own_working_time(demo_app: App, clock: FakeClock) -> None:
    await staffed(demo_app, clock)
    async with demo_app.uow() as uow:
        agency = await uow.agencies.get_row(JOBS)
        assert agency is not None
        agency.work_days, agency.work_periods = "1,2,3,4,5,6,7", "00:00-24:00"
        await uow.commit()
    await new_request(demo_app, clock)
    clock.advance(hours=7, minutes=59)
    assert await escalate(demo_app) == 0
    clock.advance(minutes=2)
    assert await escalate(demo_app) == 1


async def test_a_malformed_schedule_falls_back_to_office_hours_and_warns_once(
    demo_app: App, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    garbage = f"sáng-{uuid.uuid4().hex[:8]}"  # unique: the warning is kept once per process
    async with demo_app.uow() as uow:
        agency = await uow.agencies.get_row(JOBS)
        assert agency is not None
        agency.work_periods = garbage
        await uow.commit()
    await new_request(demo_app, clock)
    with caplog.at_level(logging.WARNING, logger="bot.requests.sla"):
        clock.now = hanoi(3, 15, 29)
        assert await escalate(demo_app) == 0
        clock.now = hanoi(3, 15, 31)
        assert await escalate(demo_app) == 1
    assert [r.getMessage() for r in caplog.records if garbage in r.getMessage()] != []
    assert len([r for r in caplog.records if garbage in r.getMessage()]) == 1


async def test_the_worker_runs_the_escalations(demo_app: App, clock: FakeClock) -> None:
    await staffed(demo_app, clock)
    code = await new_request(demo_app, clock)
    clock.now = hanoi(4, 8)
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(demo_app, stop))
    try:
        for _ in range(200):
            if await escalations_of(demo_app, code):
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(worker, 20)
    assert await notified(demo_app, "lan") == [("overdue", code)]


async def test_a_failing_round_does_not_stop_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    rounds: list[datetime] = []
    woken: list[bool] = []
    stop = asyncio.Event()

    async def flaky(database: Any, texts: Any, tz_name: str, now: datetime) -> int:
        rounds.append(now)
        if len(rounds) == 1:
            raise ConnectionError("database restarting")
        if len(rounds) == 3:
            stop.set()
        return 2

    monkeypatch.setattr(escalation, "escalate_overdue", flaky)
    clock = FakeClock()
    nothing: Any = None  # the stand-in round touches neither database nor texts
    await asyncio.wait_for(
        run_escalations(nothing, nothing, clock, "Asia/Ho_Chi_Minh", stop, 0.01, lambda: woken.append(True)), 5
    )
    assert len(rounds) == 3 and len(woken) == 2


def test_targets_read_naive_database_times_as_utc() -> None:
    agency = AgencyRow(code="a", first_response_hours=8, resolution_hours=40, work_days="1,2,3,4,5")
    agency.work_periods = "07:30-11:30,13:30-17:00"
    naive = datetime(2026, 11, 2, 8)  # as SQLite returns it: Monday 15:00 in Hanoi
    request = RequestRow(
        code="YC-1", created_at=naive, agency_since=None, first_response_at=datetime(2026, 11, 3, 1), resolved_at=None
    )
    schedule = schedule_for(agency, [], "Asia/Ho_Chi_Minh")
    first, resolution = request_targets(request, agency, schedule, datetime(2026, 11, 3, 2, tzinfo=UTC))
    assert first.due_at == hanoi(3, 15, 30) and first.met and not first.overdue
    assert first.remaining_hours == pytest.approx(5.5)  # answered Tuesday 08:00, 5.5 working hours early
    assert resolution.due_at == hanoi(10, 8) and not resolution.done


def test_targets_start_again_with_the_current_agency() -> None:
    agency = AgencyRow(code="a", first_response_hours=-3, resolution_hours=10**9)
    agency.work_days, agency.work_periods = "1,2,3,4,5", "07:30-11:30,13:30-17:00"
    request = RequestRow(
        code="YC-2",
        created_at=hanoi(2, 8),
        agency_since=hanoi(5, 9),
        first_response_at=None,
        resolved_at=None,
    )
    first, resolution = request_targets(request, agency, schedule_for(agency, [], "UTC"), hanoi(5, 9))
    # Targets out of range are clamped rather than failing the whole queue.
    assert first.due_at == hanoi(5, 9) and first.start == hanoi(5, 9)
    assert resolution.hours == 10_000
