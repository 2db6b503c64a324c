"""A person's own requests: list, look up by code, add information, cancel; staff news told plainly."""

from __future__ import annotations

from bot.app import App
from bot.requests.service import change_status, reply, transfer
from tests.handlers.test_conversation_intake import at_step
from tests.harness import Person


async def sent_request(app: App, chat_id: str = "p1") -> tuple[Person, str]:
    person = await at_step(app, "confirm", chat_id=chat_id)
    await person.presses("form:confirm")
    return person, person.text.split("Mã của bạn: ")[1].split()[0]


async def test_list_show_add_cancel(demo_app: App) -> None:
    person, code = await sent_request(demo_app)
    await person.presses("menu:mine")
    await person.presses(code)
    assert f"Yêu cầu {code}" in person.text and "Mới gửi" in person.text

    await person.presses(f"req:add:{code}")
    await person.says("Em có bằng lái xe máy")
    assert "Đã bổ sung" in person.text

    await person.says(code.lower().replace("-", " "))  # typed code, any spelling
    assert "Bạn bổ sung: Em có bằng lái xe máy" in person.text

    await person.presses(f"req:cancel:{code}")
    await person.presses(f"req:cancelyes:{code}")
    assert f"Đã hủy yêu cầu {code}" in person.text

    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.status == "cancelled"
        events = [e.type for e in await uow.requests.events(row.id)]
        assert events == ["created", "routed", "person_message", "status", "erased"]
        # a withdrawn request keeps nothing personal: it stays in the person's list, empty
        assert (row.description, row.phone, row.name, row.erased_at is not None) == ("", "", "", True)
        assert row.conversation_id is not None
        assert all("text" not in e.data for e in await uow.requests.events(row.id))
        # the agency hears of the cancellation; the posts it had not received yet are not sent at all
        notes = [o.payload["event"] for o in await uow.outbox.pending_for_chat("agency", row.agency_code)]
        assert notes == ["cancelled"]

    # a closed request takes no more additions
    await person.presses_raw(f"req:add:{code}")
    assert "đã kết thúc" in person.text


async def test_staff_reply_status_and_transfer_reach_the_person(demo_app: App) -> None:
    person, code = await sent_request(demo_app)
    async with demo_app.uow() as uow:
        await reply(uow, demo_app.texts, code, "Mời anh đến vào sáng thứ Hai.", "staff:lan", demo_app.clock())
        await change_status(uow, demo_app.texts, code, "waiting", "staff:lan", demo_app.clock())
        await transfer(uow, demo_app.texts, code, "demo-ubnd", "việc của xã", "staff:lan", demo_app.clock())
        await uow.commit()
    replies = await person.collect()
    texts = [r.text for r in replies]
    assert "Mời anh đến vào sáng thứ Hai." in texts[0] and "Trung tâm Dịch vụ việc làm" in texts[0]
    assert "Đang chờ bạn bổ sung" in texts[1]
    assert "UBND xã/phường tỉnh Minh Họa (mẫu)" in texts[2]
    assert "việc của xã" not in " ".join(texts)  # the internal reason stays internal
    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.agency_code == "demo-ubnd" and row.status == "waiting"
