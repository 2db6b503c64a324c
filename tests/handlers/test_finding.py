"""A request found anywhere: its code and the phone given in it open it in a fresh conversation,
link it there (the staff's later news reaches that chat too), and are throttled."""

from __future__ import annotations

from dataclasses import replace

from bot.app import App
from bot.requests.service import reply
from handlers.context import CoreSettings
from tests.handlers.conversation import START, PressRaw, Row, talk
from tests.handlers.test_continuing import staff_reply, timeline
from tests.handlers.test_my_requests import sent_request
from tests.harness import FakeClock, Person

# The phone the form in test_conversation_intake.at_step gives.
PHONE = "0356 789 012"


async def test_a_request_found_by_code_and_phone_in_a_fresh_conversation(demo_app: App, clock: FakeClock) -> None:
    sender, code = await sent_request(demo_app)
    await staff_reply(demo_app, code, "Mời anh đến trụ sở sáng thứ Hai.")
    await sender.collect()
    clock.advance(hours=3)

    # one platform for both chats: whichever sender delivers a row, it reaches its own chat
    elsewhere = Person(demo_app, "p-new-phone", sender.transport)
    rows: list[Row] = [
        (START, "greeting"),
        (code, ("Không thấy yêu cầu", "mine_find_phone", "!Trạng thái")),
        # a wrong phone and a right one, typed any way
        ("0912 345 678", ("mine_find_no_match", "#req:find:-", "!Trạng thái")),
        (code.replace("-", " ").lower(), "mine_find_phone"),
        ("+84 356.789.012", ("mine_found", "Trạng thái: Đang xử lý", "Bạn đã viết: Tôi cần tìm việc làm")),
    ]
    await talk(elsewhere, rows)
    # what the person sent and the status, not the reply written before it was opened here
    assert "Mời anh đến trụ sở" not in elsewhere.text and "Cán bộ đã trả lời (xem ở máy" in elsewhere.text
    # adding information is offered; withdrawing it is left to the chat that sent it
    assert f"req:add:{code}" in elsewhere.choice_ids and f"req:cancel:{code}" not in elsewhere.choice_ids
    await talk(elsewhere, [(PressRaw(f"req:cancelyes:{code}"), "mine_not_open")])

    # the staff's next reply reaches both chats, and the new one can answer it
    clock.advance(hours=1)
    before = len(sender.transport.sent[sender.chat_id])
    await staff_reply(demo_app, code, "Anh nhớ mang căn cước.")
    assert "Anh nhớ mang căn cước." in (await elsewhere.collect())[0].text
    assert "Anh nhớ mang căn cước." in (await sender.collect(before))[0].text
    rows = [
        ("Dạ em nhớ rồi ạ", "reply_forwarded"),
        ("/yeucau", f"#req:show:{code}"),
        (PressRaw(f"req:show:{code}"), ("Cán bộ trả lời: Anh nhớ mang căn cước.", "!Mời anh đến trụ sở")),
    ]
    await talk(elsewhere, rows)
    # the linking is on the timeline, for staff and person alike
    kinds = [kind for kind, _ in await timeline(demo_app, code)]
    assert kinds.count("linked") == 1 and kinds[-1] == "person_message"


async def test_the_code_alone_or_digits_cancel_and_words(demo_app: App) -> None:
    _sender, code = await sent_request(demo_app)
    person = Person(demo_app, "p-lost")
    rows: list[Row] = [
        (START, "greeting"),
        (PressRaw("menu:mine"), ("mine_empty", "#req:find:-")),
        (PressRaw("req:find:-"), "mine_find_code"),
        ("???", "mine_find_code"),
        (code.removeprefix("YC-"), "mine_find_phone"),  # the digits alone, as read out
        ("0912", ("mine_find_bad_phone", "!mine_find_no_match")),  # not a phone: no try counted
        ("/huy", "form_cancelled"),
        (code, "mine_find_phone"),
        # words instead of a phone: the person moved on to a question
        ("xin phieu ly lich tu phap o dau", "^Phiếu lý lịch tư pháp"),
        (code, "mine_find_phone"),
        ("/menu", "menu_prompt"),
        (PHONE, "!mine_found"),  # the search was left: a phone alone is nothing
    ]
    await talk(person, rows)
    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None
        lookups = await uow.requests.lookups(0, row.created_at)
        assert lookups.failed_overall == 0  # none of it reached the database as a try


async def test_tries_are_throttled_per_conversation(demo_app: App, clock: FakeClock) -> None:
    _sender, code = await sent_request(demo_app)
    guesser = Person(demo_app, "p-guess")
    await guesser.start()
    for n in range(5):
        await talk(guesser, [(code, "mine_find_phone"), (f"0912 000 00{n}", "mine_find_no_match")])
    # the sixth, even with the right phone, waits
    await talk(guesser, [(code, "mine_find_phone"), (PHONE, ("mine_find_throttled", "!Trạng thái"))])
    # the throttle lives in the database: another process, a restart, count the same tries
    conversation = await _conversation(demo_app, "p-guess")
    async with demo_app.uow() as uow:
        assert (await uow.requests.lookups(conversation, clock.now.replace(hour=0))).mine == 5
    clock.advance(hours=1, minutes=1)
    await talk(guesser, [(code, "mine_find_phone"), (PHONE, "mine_found")])


async def test_failures_overall_are_throttled_too(demo_app: App) -> None:
    _sender, code = await sent_request(demo_app)
    demo_app.processor.settings = _with(demo_app, lookup_failures_per_hour=3)
    for n in range(3):
        person = Person(demo_app, f"p-many-{n}")
        await person.start()
        await talk(person, [(code, "mine_find_phone"), ("0912 000 001", "mine_find_no_match")])
    fresh = Person(demo_app, "p-many-last")
    await fresh.start()
    await talk(fresh, [(code, "mine_find_phone"), (PHONE, "mine_find_throttled")])


async def test_erasing_either_side_ends_the_link(demo_app: App) -> None:
    sender, code = await sent_request(demo_app)
    elsewhere = Person(demo_app, "p-linked", sender.transport)
    await elsewhere.start()
    await talk(elsewhere, [(code, "mine_find_phone"), (PHONE, "mine_found")])
    # the linked chat erases what is kept about it: the request stays with its sender
    await talk(elsewhere, [("/xoadulieu", "#data:eraseyes"), (PressRaw("data:eraseyes"), "!Lỗi")])
    await talk(elsewhere, [("/yeucau", "mine_empty")])
    before = len(sender.transport.sent[sender.chat_id])
    async with demo_app.uow() as uow:
        await reply(uow, demo_app.texts, code, "Chào anh.", "staff:lan", demo_app.clock())
        await uow.commit()
    assert await elsewhere.collect() == []
    assert "Chào anh." in (await sender.collect(before))[0].text

    # linked again, then the sender erases: the request leads nowhere any more, the phone is gone
    await talk(elsewhere, [(code, "mine_find_phone"), (PHONE, "mine_found")])
    await talk(sender, [("/xoadulieu", "#data:eraseyes"), (PressRaw("data:eraseyes"), "!Lỗi")])
    await talk(elsewhere, [("/yeucau", "mine_empty"), (code, "mine_find_phone"), (PHONE, "mine_find_no_match")])


async def _conversation(app: App, chat_id: str) -> int:
    async with app.uow() as uow:
        row = await uow.conversations.get_for_update("test", chat_id)
        assert row is not None
        return row.id


def _with(app: App, **changes: int) -> CoreSettings:
    return replace(app.processor.settings, **changes)
