"""Telegram end to end, against a fake Bot API server on 127.0.0.1, in polling and in webhook mode."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels.telegram.client import make_bot
from bot.channels.telegram.webhook import set_telegram_webhook
from bot.messaging.agency_desk import create_link_code
from bot.storage.models import OutboxRow
from tests.fakes.telegram_api import FakeTelegram
from tests.serving import SkippingClock, demo_app, free_port, serving
from tests.storage.sessions import session_of

PERSON_CHAT = 5001
GROUP = -100777


class Running:
    def __init__(self, app: App, fake: FakeTelegram, port: int, clock: SkippingClock) -> None:
        self.app, self.fake, self.port, self.clock = app, fake, port, clock

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(params=["polling", "webhook"])
async def running(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    fake = FakeTelegram()
    await fake.start()
    port = free_port()
    webhook = request.param == "webhook"
    clock = SkippingClock()
    app = await demo_app(
        database_url,
        tmp_path,
        port,
        clock,
        telegram_token=fake.token,
        telegram_api_base=fake.base_url,
        telegram_webhook_url=f"http://127.0.0.1:{port}" if webhook else "",
    )
    if webhook:
        bot = make_bot(fake.token, fake.base_url)
        await set_telegram_webhook(app, bot)
        await bot.session.close()
    try:
        async with serving(app):
            yield Running(app, fake, port, clock)
    finally:
        await fake.stop()


async def act(r: Running, update: dict[str, Any]) -> None:
    """What Telegram does with an update: queue it for getUpdates, or POST it until answered 2xx."""
    if r.fake.webhook:
        assert await r.fake.deliver_until_ok(update) == 200


async def recorded(r: Running, chat_id: int, message: dict[str, Any], timeout: float = 10) -> None:
    """Wait until the sender has recorded a post's platform id: before that a staff reply to it is unmatched."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with r.app.uow() as uow:
            if await uow.outbox.request_of_post("telegram", str(chat_id), str(message["message_id"])) is not None:
                return
        if asyncio.get_running_loop().time() >= deadline:
            raise AssertionError(f"post {message['message_id']} in {chat_id} was never recorded as sent")
        await asyncio.sleep(0.05)


def button(message: dict[str, Any], prefix: str) -> str:
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for key in row:
            if key.get("callback_data", "").startswith(prefix):
                return str(key["callback_data"])
    raise AssertionError(f"no button {prefix!r} in {markup}")


async def test_the_whole_journey(running: Running) -> None:
    r, fake = running, running.fake
    person = fake.user(42, "An")
    lan = fake.user(77, "Lan", username="lan_cb")
    async with r.app.uow() as uow:
        code = await create_link_code(uow, "demo-congan", r.app.clock(), timedelta(hours=1))
        await uow.commit()

    await act(r, fake.send_text(GROUP, lan, f"/lienket {code}", chat_type="supergroup", chat_title="Công an"))
    await fake.wait_for_text(GROUP, "đã được liên kết")

    await act(r, fake.send_text(PERSON_CHAT, person, "/start"))
    greeting = await fake.wait_for_text(PERSON_CHAT, "Xin chào")
    assert button(greeting, "menu:ask")

    await act(r, fake.send_text(PERSON_CHAT, person, "xin phieu ly lich tu phap o dau"))
    answer = await fake.wait_for_text(PERSON_CHAT, "Phiếu lý lịch tư pháp")
    await act(r, fake.press(PERSON_CHAT, person, answer["message_id"], button(answer, "help:")))
    await fake.wait_for_text(PERSON_CHAT, "kể ngắn gọn")
    await act(r, fake.send_text(PERSON_CHAT, person, "Tôi cần xin phiếu lý lịch tư pháp số 1 để đi làm"))
    communes = await fake.wait_for_text(PERSON_CHAT, "xã/phường nào")
    await act(r, fake.press(PERSON_CHAT, person, communes["message_id"], "form:loc:mh-an-hoa"))
    phone = await fake.wait_for_text(PERSON_CHAT, "Số điện thoại")
    assert phone["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    await act(r, fake.share_contact(PERSON_CHAT, person, "+84912345678", contact_user_id=99))  # not theirs
    await fake.wait_for_text(PERSON_CHAT, "chỉ nhận số điện thoại của chính bạn")
    await act(r, fake.share_contact(PERSON_CHAT, person, "+84912345678", contact_user_id=42))
    name = await fake.wait_for_text(PERSON_CHAT, "gọi bạn là gì")
    await act(r, fake.press(PERSON_CHAT, person, name["message_id"], "form:skip"))
    when = await fake.wait_for_text(PERSON_CHAT, "lúc nào")
    await act(r, fake.press(PERSON_CHAT, person, when["message_id"], "form:time:any"))
    consent = await fake.wait_for_text(PERSON_CHAT, "đồng ý gửi không")
    await act(r, fake.press(PERSON_CHAT, person, consent["message_id"], "form:yes"))
    summary = await fake.wait_for_text(PERSON_CHAT, "Kiểm tra lại")
    await act(r, fake.press(PERSON_CHAT, person, summary["message_id"], "form:confirm"))
    sent = await fake.wait_for_text(PERSON_CHAT, "Đã gửi yêu cầu")
    request_code = sent["text"].split("Mã của bạn: ")[1].split()[0]

    post = await fake.wait_for_text(GROUP, f"Yêu cầu mới {request_code}")
    assert "09xx xxx 678" in post["text"] and "0912 345 678" not in post["text"]  # masked in the group
    await recorded(r, GROUP, post)
    await act(
        r,
        fake.send_text(
            GROUP,
            lan,
            "Mời anh mang căn cước đến trụ sở sáng thứ Hai.",
            reply_to_message_id=post["message_id"],
            chat_type="supergroup",
        ),
    )
    relayed = await fake.wait_for_text(PERSON_CHAT, "Mời anh mang căn cước")
    await act(r, fake.press(PERSON_CHAT, person, relayed["message_id"], button(relayed, "req:add:")))
    await fake.wait_for_text(PERSON_CHAT, "bổ sung cho yêu cầu")
    await act(r, fake.send_text(PERSON_CHAT, person, "Dạ em cảm ơn, em sẽ đến."))
    await fake.wait_for_text(GROUP, "Dạ em cảm ơn, em sẽ đến.")
    await act(r, fake.send_text(GROUP, lan, f"/xong {request_code}", chat_type="supergroup"))
    await fake.wait_for_text(PERSON_CHAT, "Đã giải quyết")

    # every pressed button was answered and its keyboard taken away; the commands were registered
    assert len(fake.calls_of("answerCallbackQuery")) >= 6
    assert len(fake.calls_of("editMessageReplyMarkup")) >= 6
    assert fake.calls_of("setMyCommands")
    async with r.app.uow() as uow:
        row = await uow.requests.get_row(request_code)
        assert row is not None and row.status == "resolved" and row.agency_code == "demo-congan"
        events = [(e.type, e.actor) for e in await uow.requests.events(row.id)]
    assert ("replied", "tg:77 Lan") in events and ("person_message", "person") in events


async def test_rate_limits_and_server_errors_lose_nothing(running: Running) -> None:
    r, fake = running, running.fake
    person = fake.user(43, "Binh")
    fake.fail("sendMessage", times=2, status=429, retry_after=1)
    fake.fail("sendMessage", times=2, status=500)
    questions = ["/start", "xin phieu ly lich tu phap", "lam lai cccd", "vay von", "gia xang hom nay"]
    for text in questions:
        await act(r, fake.send_text(PERSON_CHAT, person, text))
    await fake.wait_for_text(PERSON_CHAT, "chưa có câu trả lời chắc chắn", timeout=60)
    # The last reply has reached Telegram; its outcome is recorded a moment after the answer.
    for _ in range(500):
        async with r.app.uow() as uow:
            if await uow.outbox.count("pending") + await uow.outbox.count("sending") == 0:
                break
        await asyncio.sleep(0.01)
    async with r.app.uow() as uow:
        assert await uow.outbox.count("failed") == 0
        rows = await session_of(uow).execute(
            select(OutboxRow.payload).where(OutboxRow.chat_id == str(PERSON_CHAT)).order_by(OutboxRow.id)
        )
        written = [payload["text"] for payload in rows.scalars()]
        row_ids = await session_of(uow).execute(
            select(OutboxRow.id).where(OutboxRow.chat_id == str(PERSON_CHAT)).order_by(OutboxRow.id)
        )
        attempts = [a for row_id in row_ids.scalars() for a in await uow.outbox.attempts(row_id)]
    # every reply arrived once, in the order it was written
    assert [m["plain_text"] for m in fake.sent(PERSON_CHAT)] == written
    assert len(fake.calls_of("sendMessage")) == len(written) + 4  # the four refused attempts
    # the sender waited what Telegram asked (retry_after 1), then backed off (at most 1 s, jittered),
    # and each wait passed on the skipping clock instead of being slept through
    retries = [(a.error.split(":")[0], a.retry_after) for a in attempts if a.outcome == "retry"]
    assert [reason for reason, _ in retries] == ["429", "429", "transient", "transient"]
    assert [wait for _, wait in retries[:2]] == [1.0, 1.0]
    assert all(wait is not None and 0.5 <= wait <= 1.5 for _, wait in retries[2:])
    assert sorted(r.clock.slept) == sorted(wait for _, wait in retries if wait is not None)
    assert [a.outcome for a in attempts].count("sent") == len(written)


async def test_non_text_messages_and_forged_buttons(running: Running) -> None:
    r, fake = running, running.fake
    person = fake.user(44, "Chi")
    await act(r, fake.send_sticker(PERSON_CHAT, person))
    await fake.wait_for_text(PERSON_CHAT, "chỉ đọc được tin nhắn chữ")
    await act(r, fake.press(PERSON_CHAT, person, 1, "req:cancelyes:YC-000001"))
    await act(r, fake.press(PERSON_CHAT, person, 1, "x" * 60))
    await fake.wait_for_text(PERSON_CHAT, "Nút này không còn dùng được")
    assert len(fake.calls_of("answerCallbackQuery")) == 2


async def test_webhook_refuses_bad_requests(running: Running) -> None:
    r = running
    if not r.fake.webhook:
        pytest.skip("webhook mode only")
    update = r.fake.user(45, "Dung")
    body = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 45, "type": "private"},
            "from": update,
            "text": "vay von",
        },
    }
    url = f"{r.base}/telegram/webhook"
    async with httpx.AsyncClient() as client:
        assert (await client.post(url, json=body)).status_code == 401
        assert (
            await client.post(url, json=body, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
        ).status_code == 401
        secret = {"X-Telegram-Bot-Api-Secret-Token": r.fake.webhook["secret_token"]}
        assert (await client.post(url, content=b"{not json", headers=secret)).status_code == 400
        assert (await client.post(url, json={"no": "update"}, headers=secret)).status_code == 400
        async with r.app.uow() as uow:
            assert await uow.match_log.recent() == []  # nothing recorded for the refused ones
        assert (await client.post(url, json=body, headers=secret)).status_code == 200
        assert (await client.post(url, json=body, headers=secret)).status_code == 200  # delivered twice
    async with r.app.uow() as uow:
        assert len(await uow.match_log.recent()) == 1  # its effects once
