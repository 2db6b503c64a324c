"""The counters move as updates arrive through a real webhook from the fake Bot API and replies go out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import App
from bot.channels.telegram.client import make_bot
from bot.channels.telegram.webhook import set_telegram_webhook
from tests.fakes.telegram_api import FakeTelegram
from tests.ops.scrape import Samples, samples, value
from tests.serving import SkippingClock, demo_app, free_port, serving

CHAT = 6101
WEBHOOK = "/telegram/webhook"


class Running:
    def __init__(self, app: App, fake: FakeTelegram, port: int) -> None:
        self.app, self.fake, self.port = app, fake, port

    async def scrape(self) -> Samples:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{self.port}/metrics")
        assert response.status_code == 200
        return samples(response.text)


@pytest.fixture
async def running(database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    fake = FakeTelegram()
    await fake.start()
    port = free_port()
    app = await demo_app(
        database_url,
        tmp_path,
        port,
        SkippingClock(),
        telegram_token=fake.token,
        telegram_api_base=fake.base_url,
        telegram_webhook_url=f"http://127.0.0.1:{port}",
    )
    bot = make_bot(fake.token, fake.base_url)
    await set_telegram_webhook(app, bot)
    await bot.session.close()
    try:
        async with serving(app):
            yield Running(app, fake, port)
    finally:
        await fake.stop()


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


async def delivered(r: Running, outcome: str, at_least: float, before: Samples, timeout: float = 20) -> Samples:
    """The page once the sender has recorded that many attempts with that outcome (it runs on its own)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        after = await r.scrape()
        if moved(before, after, "hoanhap_deliveries_total", channel="telegram", outcome=outcome) >= at_least:
            return after
        if asyncio.get_running_loop().time() >= deadline:
            raise AssertionError(f"fewer than {at_least} {outcome} deliveries recorded")
        await asyncio.sleep(0.05)


async def test_updates_decisions_webhooks_and_deliveries_are_counted(running: Running) -> None:
    r, fake = running, running.fake
    person = fake.user(61, "An")
    before = await r.scrape()

    assert await fake.deliver(fake.send_text(CHAT, person, "/start")) == 200
    await fake.wait_for_text(CHAT, "Xin chào")
    question = fake.send_text(CHAT, person, "xin phieu ly lich tu phap o dau")
    assert await fake.deliver(question) == 200
    await fake.wait_for_text(CHAT, "Phiếu lý lịch tư pháp")
    assert await fake.deliver(fake.send_text(CHAT, person, "gia xang hom nay bao nhieu")) == 200
    await fake.wait_for_text(CHAT, "chưa có câu trả lời chắc chắn")
    assert await fake.deliver(question) == 200  # Telegram delivering the same update again
    async with httpx.AsyncClient() as client:  # someone without the webhook's secret
        refused = await client.post(f"http://127.0.0.1:{r.port}{WEBHOOK}", json={"update_id": 1})
    assert refused.status_code == 401

    after = await delivered(r, "sent", 3, before)
    assert moved(before, after, "hoanhap_updates_received_total", channel="telegram") == 4
    assert moved(before, after, "hoanhap_updates_duplicate_total", channel="telegram") == 1
    assert moved(before, after, "hoanhap_matcher_decisions_total", decision="answer") == 1
    assert moved(before, after, "hoanhap_matcher_decisions_total", decision="fallback") == 1
    assert moved(before, after, "hoanhap_webhook_responses_total", webhook=WEBHOOK, status="200") == 4
    assert moved(before, after, "hoanhap_webhook_responses_total", webhook=WEBHOOK, status="401") == 1
    assert moved(before, after, "hoanhap_delivery_failures_total", channel="telegram", kind="transient") == 0


async def test_refusals_are_counted_by_kind(running: Running) -> None:
    r, fake = running, running.fake
    person, blocked = fake.user(62, "Binh"), fake.user(63, "Chi")
    before = await r.scrape()
    fake.fail("sendMessage", times=1, status=429, retry_after=1)
    fake.fail("sendMessage", times=1, status=500)
    assert await fake.deliver(fake.send_text(CHAT + 1, person, "/start")) == 200
    await fake.wait_for_text(CHAT + 1, "Xin chào", timeout=30)
    fake.forbid(CHAT + 2)
    assert await fake.deliver(fake.send_text(CHAT + 2, blocked, "/start")) == 200

    after = await delivered(r, "failed", 1, before)
    assert moved(before, after, "hoanhap_delivery_failures_total", channel="telegram", kind="rate_limited") == 1
    assert moved(before, after, "hoanhap_delivery_failures_total", channel="telegram", kind="transient") == 1
    assert moved(before, after, "hoanhap_delivery_failures_total", channel="telegram", kind="unreachable") == 1
    assert moved(before, after, "hoanhap_deliveries_total", channel="telegram", outcome="retry") == 2
    assert moved(before, after, "hoanhap_deliveries_total", channel="telegram", outcome="sent") >= 1
