"""The person's view of a request: every event in plain words, the status by name, the staff's
replies readable again, internal notes never, local times, and when to expect the staff."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import App
from bot.requests.service import change_status, claim, note, reply, transfer
from tests.handlers.conversation import Press, PressRaw, Row, talk
from tests.handlers.test_conversation_intake import at_step
from tests.handlers.test_my_requests import sent_request
from tests.harness import FakeClock


async def test_times_are_in_the_deployments_zone(demo_app: App, clock: FakeClock) -> None:
    # 21:44 UTC on 2 November is 04:44 on 3 November in Hanoi (UTC+7)
    clock.now = datetime(2026, 11, 2, 21, 44, tzinfo=UTC)
    person, code = await sent_request(demo_app)
    await talk(person, [(PressRaw(f"req:show:{code}"), ("04:44 03/11/2026", "03/11 04:44", "!21:44"))])


async def test_every_event_in_plain_words(demo_app: App, clock: FakeClock) -> None:
    person, code = await sent_request(demo_app)
    rows: list[Row] = [
        (
            PressRaw(f"req:show:{code}"),
            (
                "Trạng thái: Mới gửi",
                "Bạn đã viết: Tôi cần tìm việc làm phụ hồ gần nhà",
                # the agency's first-response target (8 working hours) in its working days (7.5 h)
                "Cán bộ sẽ liên hệ trong 2 ngày làm việc",
                "Bạn đã gửi yêu cầu",
                "Đã chuyển đến Trung tâm Dịch vụ việc làm",
            ),
        ),
    ]
    await talk(person, rows)

    async with demo_app.uow() as uow:
        now = clock()
        await claim(uow, code, "staff:lan", "demo-vieclam", now)
        await note(uow, code, "Người này hay gọi muộn, ghi chú nội bộ", "staff:lan", now)
        await reply(uow, demo_app.texts, code, "Mời anh đến trụ sở sáng thứ Hai.", "staff:lan", now)
        await change_status(uow, demo_app.texts, code, "waiting", "staff:lan", now)
        await uow.commit()
    await person.collect()
    rows = [
        (
            PressRaw(f"req:show:{code}"),
            (
                "Trạng thái: Đang chờ bạn bổ sung",
                "Một cán bộ đã nhận xử lý",
                "Cán bộ trả lời: Mời anh đến trụ sở sáng thứ Hai.",
                "Trạng thái mới: Đang xử lý",
                "Trạng thái mới: Đang chờ bạn bổ sung",
                "Cán bộ đang chờ bạn bổ sung",
                f"#req:add:{code}",
                # the staff replied: no promise of a first contact any more
                "!Cán bộ sẽ liên hệ trong",
                "!ghi chú nội bộ",
                "!Cán bộ đã cập nhật",
            ),
        ),
    ]
    await talk(person, rows)
    assert person.replies[-1].choices[0].id == f"req:add:{code}"  # adding comes first when it is awaited

    async with demo_app.uow() as uow:
        await transfer(uow, demo_app.texts, code, "demo-ubnd", "lý do nội bộ", "staff:lan", clock())
        await uow.commit()
    await person.collect()
    rows = [(PressRaw(f"req:show:{code}"), ("Đã chuyển sang UBND xã/phường tỉnh Minh Họa (mẫu)", "!lý do nội bộ"))]
    await talk(person, rows)


async def test_the_sent_message_says_when_to_expect_the_staff(demo_app: App) -> None:
    person = await at_step(demo_app, "confirm")
    await talk(
        person,
        [(Press("form:confirm"), ("Đã gửi yêu cầu", "Cán bộ sẽ liên hệ trong 2 ngày làm việc", "số điện thoại"))],
    )
