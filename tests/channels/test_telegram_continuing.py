"""Telegram end to end: after a staff reply, what the person types reaches the agency's group; the
"new question" button takes it back and the FAQ answers. Against the fake Bot API, polling and webhook."""

from __future__ import annotations

from datetime import timedelta

from bot.messaging.agency_desk import create_link_code
from bot.requests.service import reply
from tests.channels.test_telegram import GROUP, PERSON_CHAT, Running, act, button, running
from tests.requests.test_staff_workspace import new_request

__all__ = ["running"]


async def test_a_staff_reply_then_typed_words_reach_the_group(running: Running) -> None:
    r, fake = running, running.fake
    person = fake.user(46, "Em")
    lan = fake.user(78, "Lan", username="lan_cb")
    async with r.app.uow() as uow:
        link = await create_link_code(uow, "demo-vieclam", r.app.clock(), timedelta(hours=1))
        await uow.commit()
    await act(r, fake.send_text(GROUP, lan, f"/lienket {link}", chat_type="supergroup", chat_title="Việc làm"))
    await fake.wait_for_text(GROUP, "đã được liên kết")
    await act(r, fake.send_text(PERSON_CHAT, person, "/start"))
    await fake.wait_for_text(PERSON_CHAT, "Xin chào")
    code = await new_request(r.app, channel="telegram", chat_id=str(PERSON_CHAT))

    async with r.app.uow() as uow:
        await reply(uow, r.app.texts, code, "Mời anh đến trụ sở sáng thứ Hai.", "Lan (@lan_cb)", r.app.clock())
        await uow.commit()
    await fake.wait_for_text(PERSON_CHAT, "Mời anh đến trụ sở")
    async with r.app.uow() as uow:
        logged = len(await uow.match_log.recent())

    # typed, not pressed: the words go to the request and its group
    await act(r, fake.send_text(PERSON_CHAT, person, "cam on anh, mai 9h em den"))
    forwarded = await fake.wait_for_text(PERSON_CHAT, "Đã gửi cho cán bộ")
    await fake.wait_for_text(GROUP, "cam on anh, mai 9h em den")
    async with r.app.uow() as uow:
        assert len(await uow.match_log.recent()) == logged  # never in the unanswered inbox

    # "this is a new question": taken back (the group is told), answered by the FAQ
    start = len(fake.sent(PERSON_CHAT))
    await act(r, fake.send_text(PERSON_CHAT, person, "xin phieu ly lich tu phap o dau"))
    second = await fake.wait_for_text(PERSON_CHAT, "Đã gửi cho cán bộ", start=start)
    assert second["message_id"] != forwarded["message_id"]
    await act(r, fake.press(PERSON_CHAT, person, second["message_id"], button(second, "newq:")))
    await fake.wait_for_text(PERSON_CHAT, "Phiếu lý lịch tư pháp")
    await fake.wait_for_text(GROUP, "câu hỏi mới cho trợ lý")
    async with r.app.uow() as uow:
        assert (await uow.match_log.recent())[0].question == "xin phieu ly lich tu phap o dau"
        row = await uow.requests.get_row(code)
        assert row is not None
        kinds = [e.type for e in await uow.requests.events(row.id)]
    assert kinds[-3:] == ["person_message", "person_message", "person_message_withdrawn"]
