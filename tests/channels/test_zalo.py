"""Zalo end to end, against fake Bot Platform and Official Account servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import App
from bot.channels.zalo.bot_platform import POLL_INTERVAL, set_zalo_webhook
from bot.channels.zalo.common import MAX_TEXT, pieces
from bot.requests.service import reply
from tests.fakes.zalo_api import FakeZaloBot, FakeZaloOA
from tests.serving import SkippingClock, demo_app, free_port, serving

CHAT = "zalo-user-1"


class Running:
    def __init__(
        self, app: App, bot: FakeZaloBot, oa: FakeZaloOA, port: int, webhook: bool, clock: SkippingClock
    ) -> None:
        self.app, self.bot, self.oa, self.port, self.webhook, self.clock = app, bot, oa, port, webhook, clock

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def act(self, event: dict[str, object]) -> None:
        if self.webhook:
            assert await self.bot.deliver_until_ok(event) == 200


@pytest.fixture(params=["polling", "webhook"])
async def running(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    bot, oa = FakeZaloBot(), FakeZaloOA()
    await bot.start()
    await oa.start()
    port = free_port()
    webhook = request.param == "webhook"
    clock = SkippingClock()
    app = await demo_app(
        database_url,
        tmp_path,
        port,
        clock,
        zalo_bot_token=bot.token,
        zalo_api_base=bot.base_url,
        zalo_oa_app_id=oa.app_id,
        zalo_oa_secret_key=oa.secret_key,
        zalo_oa_api_base=oa.api_base_url,
        zalo_oa_oauth_base=oa.oauth_base_url,
    )
    async with app.uow() as uow:
        await uow.zalo_tokens.store(oa.access_token, oa.refresh_token, app.clock())
        await uow.commit()
    if webhook:
        await set_zalo_webhook(app, f"http://127.0.0.1:{port}")
    oa.set_webhook(f"http://127.0.0.1:{port}/zalo/oa/webhook")
    try:
        async with serving(app):
            yield Running(app, bot, oa, port, webhook, clock)
    finally:
        await bot.stop()
        await oa.stop()


async def test_bot_platform_journey(running: Running) -> None:
    r, bot = running, running.bot
    person = bot.user(CHAT, "Hoa")
    await r.act(bot.send_text(CHAT, person, "xin phieu ly lich tu phap o dau"))
    first = await bot.wait_for_text(CHAT, "Phiếu lý lịch tư pháp", timeout=30)
    assert any("Xin chào" in t for t in bot.texts(CHAT))  # the first message also gets the greeting
    assert "1. " in first["text"]  # choices as a numbered list
    assert bot.calls_of("sendChatAction")

    await r.act(bot.send_sticker(CHAT, person))
    await bot.wait_for_text(CHAT, "chỉ đọc được tin nhắn chữ", timeout=30)
    await r.act(bot.send_image(CHAT, person))
    await r.act(bot.send_text(CHAT, person, "can cho o tam"))
    await bot.wait_for_text(CHAT, "Có phải", timeout=30)
    before = len(bot.texts(CHAT))
    await r.act(bot.send_text(CHAT, person, "1"))  # a suggestion chosen by its number
    for _ in range(300):
        if any("📍" in t for t in bot.texts(CHAT)[before:]):
            break
        await asyncio.sleep(0.1)
    assert any("📍" in t for t in bot.texts(CHAT)[before:])  # the chosen entry's answer

    await r.act(bot.send_text(CHAT, person, "/menu"))
    await bot.wait_for_text(CHAT, "Bạn cần gì", timeout=30)
    for answer, expect in [
        ("3", "Bạn cần giúp về việc gì"),
        ("2", "kể ngắn gọn"),
        ("Tôi muốn học nghề sửa xe máy", "xã/phường nào"),
        ("xa an hoa", "Số điện thoại"),
        ("0912 345 678", "gọi bạn là gì"),
        ("Bỏ qua", "lúc nào"),
        ("4", "đồng ý gửi không"),
        ("1", "Kiểm tra lại"),
        ("1", "Đã gửi yêu cầu"),
    ]:
        await r.act(bot.send_text(CHAT, person, answer))
        await bot.wait_for_text(CHAT, expect, timeout=30)
    code = next(t for t in bot.texts(CHAT) if "Mã của bạn" in t).split("Mã của bạn: ")[1].split()[0]
    async with r.app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.agency_code == "demo-vieclam" and row.phone == "+84912345678"
        await reply(uow, r.app.texts, code, "Mời anh đến Trung tâm.", "staff:lan", r.app.clock())
        await uow.commit()
    r.app.processor.on_commit()
    await bot.wait_for_text(CHAT, "Mời anh đến Trung tâm.", timeout=30)  # the agency's reply, on Zalo
    # Polling kept Zalo's second between polls, on the skipping clock rather than slept through.
    polls = r.clock.slept.count(POLL_INTERVAL)
    assert polls >= 15 if not r.webhook else polls == 0


async def test_oa_reply_waits_for_the_window(running: Running) -> None:
    r, oa = running, running.oa
    assert await oa.deliver_until_ok(oa.follow("oa-user")) == 200
    await oa.wait_for_text("oa-user", "Xin chào", timeout=30)
    assert await oa.deliver_until_ok(oa.user_send_text("oa-user", "giá xăng hôm nay")) == 200
    await oa.wait_for_text("oa-user", "chưa có câu trả lời chắc chắn", timeout=30)
    for answer in ("1", "1", "0912345678", "Bỏ qua", "4", "1", "1"):
        assert await oa.deliver_until_ok(oa.user_send_text("oa-user", answer)) == 200
    await oa.wait_for_text("oa-user", "Đã gửi yêu cầu", timeout=30)
    code = next(t for t in oa.sent("oa-user") if "Mã của bạn" in t).split("Mã của bạn: ")[1].split()[0]

    oa.expire_access_token()  # the token runs out: refreshed once, and the message still goes
    oa.close_window("oa-user")
    async with r.app.uow() as uow:
        await reply(uow, r.app.texts, code, "Cán bộ sẽ gọi lại chiều nay.", "staff:an", r.app.clock())
        await uow.commit()
    r.app.processor.on_commit()
    for _ in range(100):
        async with r.app.uow() as uow:
            held = [row for row in await uow.outbox.pending_for_chat("zalo_oa", "oa-user")]
            rows = await uow.outbox.count("held")
        if rows:
            break
        await asyncio.sleep(0.1)
    assert rows == 1 and not held  # visibly waiting for the person, not failed, not dropped
    assert oa.refresh_calls == 1
    assert await oa.deliver_until_ok(oa.user_send_text("oa-user", "alo")) == 200
    await oa.wait_for_text("oa-user", "Cán bộ sẽ gọi lại chiều nay.", timeout=30)


async def test_webhooks_refuse_bad_requests(running: Running) -> None:
    r = running
    if not r.webhook:
        pytest.skip("webhook mode only")
    event = r.bot.send_text(CHAT, r.bot.user(CHAT), "vay von")
    url = f"{r.base}/zalo/webhook"
    secret = {"X-Bot-Api-Secret-Token": str((r.bot.webhook or {})["secret_token"])}
    async with httpx.AsyncClient() as client:
        assert (await client.post(url, json=event)).status_code == 401
        assert (await client.post(url, json=event, headers={"X-Bot-Api-Secret-Token": "nope-nope"})).status_code == 401
        assert (await client.post(url, content=b"[not json", headers=secret)).status_code == 400
        assert (await client.post(url, json={"event_name": "x"}, headers=secret)).status_code == 400
        async with r.app.uow() as uow:
            assert await uow.match_log.recent() == []
        assert (await client.post(url, json={"ok": True, "result": event}, headers=secret)).status_code == 200
        assert (await client.post(url, json=event, headers=secret)).status_code == 200  # the same event again
    async with r.app.uow() as uow:
        assert len(await uow.match_log.recent()) == 1
    oa_event = r.oa.user_send_text("oa-x", "vay von")
    assert await r.oa.deliver(oa_event, sign=False) == 401
    assert await r.oa.deliver(oa_event, tamper=True) == 401
    assert await r.oa.deliver(oa_event) == 200
    assert await r.oa.deliver(oa_event) == 200
    async with r.app.uow() as uow:
        assert len(await uow.match_log.recent()) == 2


def test_long_replies_split_under_the_limit_without_cutting_words() -> None:
    text = ("Người đã chấp hành xong án phạt tù được vay vốn ưu đãi. " * 60 + "\n\n") * 3
    parts = pieces({"text": text, "choices": [["menu:main", "🏠 Menu"]]})
    assert len(parts) > 1 and all(len(p) <= MAX_TEXT for p in parts)
    words = " ".join(parts).split()
    assert all(w in text.split() or w in ("1.", "🏠", "Menu") for w in words)
