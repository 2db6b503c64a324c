"""A conversation that continues: after a staff message, what the person types is their answer to it.

Tables of what the person does and what the bot answers, with the request's timeline, the agency's
posts and the question log checked after: words passed to a request never reach the unanswered inbox.
"""

from __future__ import annotations

from bot.app import App
from bot.requests.service import change_status, note, reply
from tests.handlers.conversation import Press, PressRaw, Row, talk
from tests.handlers.test_my_requests import sent_request
from tests.harness import FakeClock, Person


async def staff_reply(app: App, code: str, text: str = "Mời anh đến trụ sở sáng thứ Hai.") -> None:
    async with app.uow() as uow:
        await reply(uow, app.texts, code, text, "staff:lan", app.clock())
        await uow.commit()


async def timeline(app: App, code: str) -> list[tuple[str, str]]:
    async with app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None
        return [(e.type, str((e.data or {}).get("text", ""))) for e in await uow.requests.events(row.id)]


async def agency_posts(app: App, code: str) -> list[str]:
    async with app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None
        return [o.payload["text"] for o in await uow.outbox.pending_for_chat("agency", row.agency_code)]


async def questions(app: App) -> list[str]:
    async with app.uow() as uow:
        return [row.question for row in await uow.match_log.recent()]


async def test_typed_words_after_a_staff_reply_reach_the_staff(demo_app: App) -> None:
    person, code = await sent_request(demo_app)
    await staff_reply(demo_app, code)
    relayed = await person.collect()
    assert "Mời anh đến trụ sở" in relayed[0].text
    logged = await questions(demo_app)

    rows: list[Row] = [
        ("cam on anh, mai 9h em den", ("reply_forwarded", code, "#newq:1", f"#req:show:{code}", "!fallback")),
        # commands and buttons work as before, and do not end the conversation with the staff
        ("/menu", "menu_prompt"),
        (Press("menu:mine"), ("mine_list", f"#req:show:{code}")),
        ("Dạ em mang theo căn cước được không ạ?", ("reply_forwarded", "#newq:2")),
        # an empty message and one too long are answered as such, and passed to nobody
        ("   ", "!reply_forwarded"),
        ("x" * 2001, ("2000", "!reply_forwarded")),
    ]
    await talk(person, rows)

    assert [t for kind, t in await timeline(demo_app, code) if kind == "person_message"] == [
        "cam on anh, mai 9h em den",
        "Dạ em mang theo căn cước được không ạ?",
    ]
    posts = await agency_posts(demo_app, code)
    assert any("cam on anh, mai 9h em den" in p for p in posts)
    assert any("Dạ em mang theo căn cước" in p for p in posts)
    # the unanswered inbox never saw them
    assert await questions(demo_app) == logged


async def test_this_is_a_new_question(demo_app: App, clock: FakeClock) -> None:
    person, code = await sent_request(demo_app)
    await staff_reply(demo_app, code)
    await person.collect()
    rows: list[Row] = [
        ("lam lai cccd o dau", ("reply_forwarded", "#newq:1")),
        # one tap: taken back from the request, answered by the FAQ
        (Press("newq:1"), ("^căn cước", "!reply_forwarded")),
        # the button again, or a forged one: stale
        (PressRaw("newq:1"), "stale_button"),
        (PressRaw("newq:99"), "stale_button"),
        # typed words go to the FAQ again, until the staff write anew
        ("xin phieu ly lich tu phap o dau", ("^Phiếu lý lịch tư pháp", "!reply_forwarded")),
    ]
    await talk(person, rows)
    events = await timeline(demo_app, code)
    assert [kind for kind, _ in events][-2:] == ["person_message", "person_message_withdrawn"]
    posts = await agency_posts(demo_app, code)
    assert any("câu hỏi mới" in p for p in posts)
    assert "lam lai cccd o dau" in await questions(demo_app)

    clock.advance(minutes=30)
    await staff_reply(demo_app, code, "Anh cần thêm giấy xác nhận của xã.")
    await person.collect()
    await talk(person, [("Dạ vâng, em sẽ xin.", ("reply_forwarded", "#newq:2"))])


async def test_how_long_it_lasts(demo_app: App, clock: FakeClock) -> None:
    person, code = await sent_request(demo_app)
    # an internal note is no message to the person: their words still go to the FAQ
    async with demo_app.uow() as uow:
        await note(uow, code, "gọi lại sau", "staff:lan", clock())
        await uow.commit()
    await talk(person, [("xin phieu ly lich tu phap o dau", ("^Phiếu lý lịch tư pháp", "!reply_forwarded"))])

    # "waiting for you" opens it too, with the button to answer
    async with demo_app.uow() as uow:
        await change_status(uow, demo_app.texts, code, "waiting", "staff:lan", clock())
        await uow.commit()
    told = await person.collect()
    assert "Đang chờ bạn bổ sung" in told[0].text and f"req:add:{code}" in [c.id for c in told[0].choices]
    clock.advance(days=6)
    await talk(person, [("Em gửi thêm: em đã có bằng lái.", "reply_forwarded")])

    # past the window (7 days after the staff's last message), words are questions again
    clock.advance(days=2)
    await talk(person, [("xin phieu ly lich tu phap o dau", ("^Phiếu lý lịch tư pháp", "!reply_forwarded"))])

    # and once the request is closed, however recent the reply
    await staff_reply(demo_app, code)
    async with demo_app.uow() as uow:
        await change_status(uow, demo_app.texts, code, "resolved", "staff:lan", clock())
        await uow.commit()
    await person.collect()
    await talk(person, [("cam on anh nhieu", "!reply_forwarded")])


async def test_another_chat_and_open_forms_are_not_taken(demo_app: App) -> None:
    person, code = await sent_request(demo_app)
    await staff_reply(demo_app, code)
    await person.collect()
    # someone else's words are theirs: nothing of the staff's reply reaches them
    stranger = Person(demo_app, "p-other")
    await stranger.start()
    await talk(stranger, [("cam on anh", "!reply_forwarded")])
    # a form the person opens takes their answers; the request's staff do not get them
    rows: list[Row] = [
        (PressRaw("menu:request"), "form_ask_category"),
        (Press("form:cat:loan"), "kể ngắn gọn"),
        ("Em muốn vay vốn mở tiệm sửa xe", ("xã/phường nào", "!reply_forwarded")),
        ("/huy", "form_cancelled"),
        ("Dạ em cảm ơn", "reply_forwarded"),
    ]
    await talk(person, rows)
    texts = [t for kind, t in await timeline(demo_app, code) if kind == "person_message"]
    assert texts == ["Dạ em cảm ơn"]
