"""An agency's Telegram group end to end, against the fake Bot API: numbers masked in posts and shown by a
recorded press, actors by Telegram id, and an agency's allow-list of staff ids."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bot.agencies import staff_ids
from bot.messaging.agency_desk import create_link_code
from tests.channels.test_telegram import GROUP, Running, act, button, recorded, running
from tests.handlers.test_conversation_intake import at_step

__all__ = ["running"]  # the fixture, in polling and in webhook mode
AGENCY = "demo-vieclam"  # where the intake's employment request in Xã An Hòa goes
WHOLE, MASKED = "0356 789 012", "03xx xxx 012"


async def answered(r: Running, query_id: str, timeout: float = 10) -> dict[str, Any]:
    """The bot's answerCallbackQuery for a press, once it has come."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for call in r.fake.calls_of("answerCallbackQuery"):
            if call["callback_query_id"] == query_id:
                return call
        if asyncio.get_running_loop().time() >= deadline:
            raise AssertionError(f"press {query_id} was never answered")
        await asyncio.sleep(0.02)


async def press(r: Running, user: dict[str, Any], post: dict[str, Any], prefix: str) -> dict[str, Any]:
    update = r.fake.press(GROUP, user, post["message_id"], button(post, prefix))
    await act(r, update)
    return await answered(r, update["callback_query"]["id"])


async def posted_request(r: Running) -> tuple[str, dict[str, Any]]:
    """A group linked to the agency, a person's request sent to it: its code and its post in the group."""
    lan = r.fake.user(77, "Lan", username="lan_cb")
    async with r.app.uow() as uow:
        code = await create_link_code(uow, AGENCY, r.app.clock(), timedelta(hours=1))
        await uow.commit()
    await act(r, r.fake.send_text(GROUP, lan, f"/lienket {code}", chat_type="supergroup"))
    await r.fake.wait_for_text(GROUP, "đã được liên kết")
    person = await at_step(r.app, "confirm", "group-test-person")
    await person.presses("form:confirm")
    request_code = person.text.split("Mã của bạn: ")[1].split()[0]
    post = await r.fake.wait_for_text(GROUP, f"Yêu cầu mới {request_code}")
    await recorded(r, GROUP, post)
    return request_code, post


async def revealed(r: Running) -> list[tuple[str, str, str]]:
    async with r.app.uow() as uow:
        rows = await uow.audit.newest(action="request.phone_revealed", limit=50)
    return [(row.actor, row.target, (row.after or {}).get("user_id", "")) for row in reversed(rows)]


async def test_numbers_are_masked_and_each_look_is_recorded(running: Running) -> None:
    r = running
    code, post = await posted_request(r)
    assert MASKED in post["text"] and WHOLE not in post["text"]
    lan = r.fake.user(77, "Lan", username="lan_cb")
    copycat = r.fake.user(99, "Lan")  # the same display name, another account

    first = await press(r, lan, post, "staff:phone:")
    assert first["show_alert"] is True and WHOLE in first["text"] and code in first["text"]
    await press(r, lan, post, "staff:phone:")
    await press(r, copycat, post, "staff:phone:")
    # every look, by Telegram id with the name beside it: the copied name is not taken for Lan
    assert await revealed(r) == [("tg:77 Lan", code, "77"), ("tg:77 Lan", code, "77"), ("tg:99 Lan", code, "99")]
    # the post keeps its buttons after a look: its keyboard was never edited
    assert not [c for c in r.fake.calls_of("editMessageReplyMarkup") if c["message_id"] == post["message_id"]]
    assert WHOLE not in " ".join(r.fake.texts(GROUP))  # and the number never reached the group itself


async def test_a_claim_leaves_the_phone_button(running: Running) -> None:
    r = running
    code, post = await posted_request(r)
    lan = r.fake.user(77, "Lan")
    await press(r, lan, post, "staff:claim:")
    await r.fake.wait_for_text(GROUP, f"Lan đã nhận xử lý {code}")
    stored = r.fake.message(GROUP, post["message_id"])
    assert stored is not None
    kept = [key["callback_data"] for row in stored["reply_markup"]["inline_keyboard"] for key in row]
    assert kept == [f"staff:phone:{code}"]
    assert WHOLE in (await press(r, lan, stored, "staff:phone:"))["text"]
    async with r.app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.assignee == "tg:77 Lan"


async def test_only_listed_staff_act_when_the_agency_keeps_a_list(running: Running) -> None:
    r = running
    code, post = await posted_request(r)
    lan, stranger = r.fake.user(77, "Lan"), r.fake.user(555, "Khách")
    async with r.app.uow() as uow:
        await staff_ids.add(uow, AGENCY, "77", "test", r.app.clock())
        await uow.commit()

    refused = await press(r, stranger, post, "staff:claim:")
    assert refused["show_alert"] is True and "555" in refused["text"] and "chưa có trong danh sách" in refused["text"]
    looked = await press(r, stranger, post, "staff:phone:")
    assert WHOLE not in looked["text"] and "chưa có trong danh sách" in looked["text"]
    await act(r, r.fake.send_text(GROUP, stranger, "Tôi nhận", reply_to_message_id=post["message_id"]))
    await act(r, r.fake.send_text(GROUP, stranger, f"/xong {code}", chat_type="supergroup"))
    await r.fake.wait_for_text(GROUP, "chưa có trong danh sách")
    assert await revealed(r) == []
    async with r.app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.assignee is None and row.status == "new"
        assert not [e for e in await uow.requests.events(row.id) if e.type == "replied"]

    await press(r, lan, post, "staff:claim:")  # the listed one acts as before
    await r.fake.wait_for_text(GROUP, f"Lan đã nhận xử lý {code}")
    # chatter from anyone, not addressed to a request, stays unanswered: the next thing the group
    # reads is the answer to Lan's command that follows it
    before = len(r.fake.texts(GROUP))
    await act(r, r.fake.send_text(GROUP, stranger, "chào cả nhà", chat_type="supergroup"))
    await act(r, r.fake.send_text(GROUP, lan, "/xong", chat_type="supergroup"))
    await r.fake.wait_for_text(GROUP, "/xong", start=before)
    assert len(r.fake.texts(GROUP)) == before + 1
