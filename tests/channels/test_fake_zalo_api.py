"""The fake Zalo servers, checked through httpx as the bot's clients call them: the Bot Platform and the
Official Account API with its OAuth server."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from aiohttp import web

from tests.fakes.zalo_api import BOT_SECRET_HEADER, OA_SIGNATURE_HEADER, FakeZaloBot, FakeZaloOA

CHAT = "chat-7"
SECRET = "s3cret-token"

Received = list[tuple[dict[str, str], bytes]]


@pytest.fixture
async def bot() -> AsyncIterator[FakeZaloBot]:
    async with FakeZaloBot() as server:
        yield server


@pytest.fixture
async def oa() -> AsyncIterator[FakeZaloOA]:
    async with FakeZaloOA() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


async def call(http: httpx.AsyncClient, bot: FakeZaloBot, method: str, **params: Any) -> httpx.Response:
    return await http.post(f"{bot.base_url}/bot{bot.token}/{method}", json=params)


async def send_cs(http: httpx.AsyncClient, oa: FakeZaloOA, user_id: str, text: str, token: str | None = None) -> Any:
    response = await http.post(
        f"{oa.api_base_url}/v3.0/oa/message/cs",
        headers={"access_token": oa.access_token if token is None else token},
        json={"recipient": {"user_id": user_id}, "message": {"text": text}},
    )
    # Zalo answers errors with HTTP 200 too.
    assert response.status_code == 200
    return response.json()


async def refresh(http: httpx.AsyncClient, oa: FakeZaloOA, refresh_token: str, secret_key: str | None = None) -> Any:
    response = await http.post(
        f"{oa.oauth_base_url}/v4/oa/access_token",
        headers={"secret_key": oa.secret_key if secret_key is None else secret_key},
        data={"refresh_token": refresh_token, "app_id": oa.app_id, "grant_type": "refresh_token"},
    )
    assert response.status_code == 200
    return response.json()


@asynccontextmanager
async def receiver(
    answer: Callable[[web.Request, bytes], Awaitable[web.Response]] | None = None,
) -> AsyncIterator[tuple[str, Received]]:
    """A tiny webhook endpoint: its URL and the (headers, raw body) of every request it got."""
    received: Received = []

    async def handle(request: web.Request) -> web.Response:
        raw = await request.read()
        received.append((dict(request.headers), raw))
        if answer is not None:
            return await answer(request, raw)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/webhook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/webhook", received
    finally:
        await runner.cleanup()


# ---- Bot Platform ------------------------------------------------------------------------------------


async def test_get_me_token_and_method(bot: FakeZaloBot, http: httpx.AsyncClient) -> None:
    assert bot.base_url.startswith("http://127.0.0.1:")
    response = await call(http, bot, "getMe")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert set(body["result"]) == {"id", "account_name", "account_type", "can_join_groups"}

    wrong = await http.post(f"{bot.base_url}/botnot-the-token/getMe", json={})
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    unknown = await call(http, bot, "sendVoodoo")
    assert unknown.status_code == 404
    assert unknown.json()["error_code"] == 404
    assert [method for method, _ in bot.calls] == ["getMe", "getMe", "sendVoodoo"]


async def test_send_message_limits(bot: FakeZaloBot, http: httpx.AsyncClient) -> None:
    ok = await call(http, bot, "sendMessage", chat_id=CHAT, text="Xin chào")
    assert ok.status_code == 200
    result = ok.json()["result"]
    assert set(result) == {"message_id", "date"}
    assert (await call(http, bot, "sendMessage", chat_id=CHAT, text="x" * 2000)).status_code == 200

    too_long = await call(http, bot, "sendMessage", chat_id=CHAT, text="x" * 2001)
    assert too_long.status_code == 400
    assert too_long.json()["ok"] is False
    assert "text too long" in too_long.json()["description"]
    for params in ({"chat_id": CHAT, "text": ""}, {"chat_id": CHAT}, {"text": "no chat"}):
        refused = await call(http, bot, "sendMessage", **params)
        assert refused.status_code == 400, params

    assert bot.texts(CHAT) == ["Xin chào", "x" * 2000]
    assert bot.sent(CHAT)[0]["message_id"] == result["message_id"]
    assert len(bot.calls_of("sendMessage")) == 6
    assert (await bot.wait_for_text(CHAT, "chào", timeout=1))["text"] == "Xin chào"
    with pytest.raises(AssertionError, match="Xin chào"):
        await bot.wait_for_text(CHAT, "never sent", timeout=0.05)


async def test_other_send_methods_and_faults(bot: FakeZaloBot, http: httpx.AsyncClient) -> None:
    assert (await call(http, bot, "sendChatAction", chat_id=CHAT, action="typing")).json() == {
        "ok": True,
        "result": True,
    }
    assert (await call(http, bot, "sendChatAction", chat_id=CHAT, action="dancing")).status_code == 400
    photo = await call(http, bot, "sendPhoto", chat_id=CHAT, photo="https://example.invalid/a.jpg", caption="Ảnh")
    assert photo.status_code == 200
    assert (await call(http, bot, "sendSticker", chat_id=CHAT, sticker="abc")).status_code == 200
    assert [item["type"] for item in bot.media(CHAT)] == ["photo", "sticker"]

    bot.fail("sendMessage", 2, 502)
    for _ in range(2):
        failed = await call(http, bot, "sendMessage", chat_id=CHAT, text="một")
        assert failed.status_code == 502
        assert failed.json() == {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    assert (await call(http, bot, "sendMessage", chat_id=CHAT, text="một")).status_code == 200
    assert bot.texts(CHAT) == ["một"]


async def test_get_updates_hands_out_one_event_per_call(bot: FakeZaloBot, http: httpx.AsyncClient) -> None:
    an = bot.user("u-1", "An")
    first = bot.send_text(CHAT, an, "tin một")
    second = bot.send_image(CHAT, an, caption="ảnh")
    assert first["event_name"] == "message.text.received"
    assert first["message"]["message_id"] == "msg-1001"
    assert first["message"]["chat"] == {"id": CHAT, "chat_type": "PRIVATE"}
    assert first["message"]["from"] == {"id": "u-1", "display_name": "An", "is_bot": False}
    assert first["message"]["date"] > 1_000_000_000_000  # milliseconds
    assert second["message"]["photo_url"] == "https://example.invalid/p.jpg"

    got = [(await call(http, bot, "getUpdates", timeout=1)).json() for _ in range(2)]
    assert got == [{"ok": True, "result": first}, {"ok": True, "result": second}]
    assert bot.pending_updates == []


async def test_get_updates_times_out_with_408(bot: FakeZaloBot, http: httpx.AsyncClient) -> None:
    started = time.monotonic()
    response = await call(http, bot, "getUpdates", timeout=1)
    elapsed = time.monotonic() - started
    assert response.status_code == 408
    assert response.json() == {"ok": False, "error_code": 408, "description": "Request timeout"}
    assert 0.9 <= elapsed < 1.8


async def test_long_poll_answers_as_soon_as_an_event_arrives(bot: FakeZaloBot, http: httpx.AsyncClient) -> None:
    poll = asyncio.create_task(call(http, bot, "getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    event = bot.send_sticker(CHAT, bot.user("u-2"))
    response = await asyncio.wait_for(poll, timeout=1)
    assert response.json()["result"] == event
    assert event["event_name"] == "message.sticker.received"


async def test_webhook_delivery_with_secret_bare_and_wrapped(bot: FakeZaloBot, http: httpx.AsyncClient) -> None:
    async with receiver() as (url, received):
        short = await call(http, bot, "setWebhook", url=url, secret_token="short")
        assert short.status_code == 400
        assert (await call(http, bot, "setWebhook", url=url, secret_token=SECRET)).json()["ok"] is True
        assert (await call(http, bot, "getWebhookInfo")).json()["result"]["url"] == url
        conflict = await call(http, bot, "getUpdates", timeout=1)
        assert conflict.status_code == 409

        event = bot.send_text(CHAT, bot.user("u-3", "Bình"), "Chào bot")
        # With a webhook set the event waits for deliver(), not in the getUpdates queue.
        assert bot.pending_updates == []
        assert await bot.deliver(event) == 200
        assert await bot.deliver(event, wrapped=True) == 200

    [(bare_headers, bare), (wrapped_headers, wrapped)] = received
    assert bare_headers[BOT_SECRET_HEADER] == SECRET
    assert wrapped_headers[BOT_SECRET_HEADER] == SECRET
    assert json.loads(bare) == event
    assert json.loads(wrapped) == {"ok": True, "result": event}
    assert [status for _, status in bot.deliveries] == [200, 200]

    # The receiver is gone: the connection fails.
    assert await bot.deliver(event) == 0
    assert (await call(http, bot, "deleteWebhook")).json()["ok"] is True
    queued = bot.send_unsupported(CHAT, bot.user("u-3"))
    assert (await call(http, bot, "getUpdates", timeout=1)).json()["result"] == queued


async def test_deliver_until_ok_retries(bot: FakeZaloBot, http: httpx.AsyncClient) -> None:
    statuses = iter([500, 503])

    async def flaky(request: web.Request, raw: bytes) -> web.Response:
        return web.Response(status=next(statuses, 200))

    async with receiver(flaky) as (url, received):
        await call(http, bot, "setWebhook", url=url, secret_token=SECRET)
        event = bot.send_text(CHAT, bot.user("u-4"), "lần nữa")
        assert await bot.deliver_until_ok(event, delay=0.01) == 200
    assert len(received) == 3


# ---- Official Account --------------------------------------------------------------------------------


async def test_oa_send_ok(oa: FakeZaloOA, http: httpx.AsyncClient) -> None:
    event = oa.user_send_text("u-10", "Xin chào OA")
    assert event["event_name"] == "user_send_text"
    assert event["sender"] == {"id": "u-10"} and event["recipient"] == {"id": oa.oa_id}
    assert event["message"]["text"] == "Xin chào OA"
    assert event["timestamp"].isdigit()

    body = await send_cs(http, oa, "u-10", "Chào bạn")
    assert body["error"] == 0 and body["message"] == "Success"
    assert body["data"]["user_id"] == "u-10" and body["data"]["message_id"]
    assert oa.sent("u-10") == ["Chào bạn"]
    assert (await oa.wait_for_text("u-10", "bạn", timeout=1))["message_id"] == body["data"]["message_id"]
    assert oa.calls_of("message/cs")[0]["access_token"] == "at-1"

    too_long = await send_cs(http, oa, "u-10", "x" * 2001)
    assert too_long["error"] == -201
    assert oa.sent("u-10") == ["Chào bạn"]


async def test_oa_token_expiry_and_single_use_refresh(oa: FakeZaloOA, http: httpx.AsyncClient) -> None:
    oa.follow("u-11")
    oa.expire_access_token()
    expired = await send_cs(http, oa, "u-11", "một")
    assert expired == {"error": -216, "message": "Access token is invalid"}

    assert (await refresh(http, oa, "rt-1", secret_key="wrong"))["error"] == -14002
    rotated = await refresh(http, oa, "rt-1")
    assert rotated == {"access_token": "at-2", "refresh_token": "rt-2", "expires_in": "90000"}
    assert (oa.access_token, oa.refresh_token) == ("at-2", "rt-2")

    # The old refresh token is spent, and the old access token is no longer the current one.
    reused = await refresh(http, oa, "rt-1")
    assert reused["error"] == -14014 and reused["error_name"] == "Invalid refresh token"
    assert (await send_cs(http, oa, "u-11", "một", token="at-1"))["error"] == -216
    assert (await send_cs(http, oa, "u-11", "một", token="at-2"))["error"] == 0
    assert oa.refresh_calls == 3
    assert oa.sent("u-11") == ["một"]


async def test_oa_reply_window(http: httpx.AsyncClient) -> None:
    now = [1_800_000_000.0]
    async with FakeZaloOA(window_seconds=3600, clock=lambda: now[0]) as oa:
        assert (await send_cs(http, oa, "stranger", "chào"))["error"] == -213
        oa.user_send_image("u-12")
        assert (await send_cs(http, oa, "u-12", "một"))["error"] == 0
        oa.close_window("u-12")
        closed = await send_cs(http, oa, "u-12", "hai")
        assert closed == {"error": -213, "message": "User has not interacted with OA in the last 7 days"}
        oa.user_send_text("u-12", "tôi đây")
        assert (await send_cs(http, oa, "u-12", "ba"))["error"] == 0
        # The window also closes by itself once the user has been quiet for window_seconds.
        now[0] += 3601
        assert (await send_cs(http, oa, "u-12", "bốn"))["error"] == -213
        assert oa.sent("u-12") == ["một", "ba"]


async def test_oa_webhook_signature(oa: FakeZaloOA) -> None:
    async def verify(request: web.Request, raw: bytes) -> web.Response:
        # Recomputed here, independently of the fake: sha256(app_id + raw body + timestamp + secret key).
        header = request.headers.get(OA_SIGNATURE_HEADER, "")
        timestamp = str(json.loads(raw)["timestamp"])
        expected = hashlib.sha256((oa.app_id + raw.decode() + timestamp + oa.secret_key).encode()).hexdigest()
        return web.Response(status=200 if header == f"mac={expected}" else 401)

    async with receiver(verify) as (url, received):
        oa.set_webhook(url)
        event = oa.user_send_text("u-13", "Tôi cần giúp đỡ")
        assert await oa.deliver(event) == 200
        assert await oa.deliver(event, tamper=True) == 401
        assert await oa.deliver(event, sign=False) == 401
        assert await oa.deliver_until_ok(event) == 200

    assert json.loads(received[0][1]) == event
    assert OA_SIGNATURE_HEADER not in received[2][0]
    assert [status for _, status in oa.deliveries] == [200, 401, 401, 200]
