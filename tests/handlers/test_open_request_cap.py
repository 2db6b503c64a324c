"""At most `max_open_requests` (3) open requests per person: the form refuses another, listing the open
codes, until one is done; as tables of what the person does and what the bot answers."""

from __future__ import annotations

from bot.app import App
from bot.requests import service
from handlers.domain import RESOLVED
from tests.handlers.conversation import START, Press, PressRaw, talk
from tests.handlers.test_conversation_intake import at_step
from tests.harness import FakeClock, Person

LIMIT = 3  # Settings.max_open_requests, the default


async def send_requests(app: App, chat_id: str, count: int) -> list[str]:
    codes = []
    for _ in range(count):
        person = await at_step(app, "confirm", chat_id)
        await person.presses("form:confirm")
        assert "Đã gửi yêu cầu" in person.text, person.text
        codes.append(person.text.split("Mã của bạn: ")[1].split()[0])
        # A form a minute, at most: ten messages each, within a chat's burst allowance (bot/messaging/flood.py).
        assert isinstance(app.clock, FakeClock)
        app.clock.advance(minutes=1)
    return codes


async def count_requests(app: App) -> int:
    async with app.uow() as uow:
        return len(await uow.requests.list_rows(limit=100))


async def test_a_fourth_request_is_refused_with_the_open_codes(demo_app: App) -> None:
    codes = await send_requests(demo_app, "p1", LIMIT)
    listed = ", ".join(codes)
    await talk(
        Person(demo_app, "p1"),
        [
            (START, "greeting"),
            # from the menu: refused before a single question, with the codes and a way to them
            (Press("menu:request"), ("form_too_many_open", listed, "#menu:mine", "!form_ask_category")),
            # the menu's own button, pressed again from the refusal: the same answer
            (PressRaw("menu:request"), ("form_too_many_open", listed)),
            # the "ask a person" road from an answer that did not help takes the same door
            ("xin phieu ly lich tu phap o dau", "Phiếu lý lịch tư pháp"),
            (Press("cần được giúp"), ("form_too_many_open", "!kể ngắn gọn")),
            # the person's requests are one press away, all three there
            (PressRaw("menu:mine"), tuple(f"#req:show:{code}" for code in codes)),
        ],
    )
    assert await count_requests(demo_app) == LIMIT


async def test_once_one_is_done_the_form_opens_again(demo_app: App) -> None:
    first, *_ = await send_requests(demo_app, "p1", LIMIT)
    async with demo_app.uow() as uow:
        await service.change_status(uow, demo_app.texts, first, RESOLVED, "cli", demo_app.clock())
        await uow.commit()
    await talk(
        Person(demo_app, "p1"),
        [
            (PressRaw("menu:request"), ("form_intro", "form_ask_category", "!form_too_many_open")),
        ],
    )


async def test_a_cancelled_request_frees_its_place(demo_app: App) -> None:
    first, second, third = await send_requests(demo_app, "p1", LIMIT)
    await talk(
        Person(demo_app, "p1"),
        [
            (PressRaw(f"req:cancel:{first}"), "mine_cancel_confirm"),
            (PressRaw(f"req:cancelyes:{first}"), first),
            (PressRaw("menu:request"), ("form_ask_category", "!form_too_many_open")),
            (PressRaw("form:cancel"), "!form_too_many_open"),
        ],
    )
    assert {second, third} <= set(await open_codes(demo_app, "p1"))


async def open_codes(app: App, chat_id: str) -> list[str]:
    async with app.uow() as uow:
        conversation = await uow.conversations.get_for_update("test", chat_id)
        assert conversation is not None
        return list(await uow.requests.open_codes(conversation.id))


async def test_other_peoples_requests_do_not_count(demo_app: App) -> None:
    await send_requests(demo_app, "p1", LIMIT)
    await talk(Person(demo_app, "p2"), [(START, "greeting"), (PressRaw("menu:request"), "form_ask_category")])


async def test_a_form_filled_while_the_cap_was_reached_elsewhere_is_not_sent(demo_app: App) -> None:
    """Out of order: a request reopened by staff while the person was at the summary."""
    first, *_ = await send_requests(demo_app, "p1", LIMIT)
    async with demo_app.uow() as uow:
        await service.change_status(uow, demo_app.texts, first, RESOLVED, "cli", demo_app.clock())
        await uow.commit()
    person = await at_step(demo_app, "confirm", "p1")
    async with demo_app.uow() as uow:
        await service.change_status(uow, demo_app.texts, first, "in_progress", "cli", demo_app.clock())
        await uow.commit()
    await talk(person, [(PressRaw("form:confirm"), ("form_too_many_open", first, "!Đã gửi yêu cầu"))])
    assert await count_requests(demo_app) == LIMIT
    # and nothing of the unsent form is left to resume
    await talk(person, [(PressRaw("menu:request"), ("form_too_many_open", "!form_resume_prompt"))])
