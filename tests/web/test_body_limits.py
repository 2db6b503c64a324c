"""Bodies are capped while they stream in, with or without a Content-Length, and a webhook's secret is
checked before a byte of its body is read.

The defect: the 4 MB limit read only Content-Length and webhooks read the whole body before the
secret; four chunked 250 MB requests without a secret took the server from 230 MB to 1.4 GB.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import App, compose
from bot.web.middleware import MAX_REQUEST_BYTES, request_limit
from tests.serving import demo_app, free_port, serving

CHUNK = 64 * 1024
TELEGRAM_SECRET = "telegram-webhook-secret-123"
ZALO_SECRET = "zalo-webhook-secret-123"
WEBHOOKS = ["/telegram/webhook", "/zalo/webhook", "/zalo/oa/webhook"]


class Stream:
    """A request body that counts how much of it the server asked for: a form of 64 KB fields, which
    the form parser's own limits (1 MB a field, 1,000 fields) would let through to a gigabyte."""

    def __init__(self, total: int) -> None:
        self.chunks = total // CHUNK
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.pulled += 1
            yield b"&f=" + b"x" * (CHUNK - 3)


async def _app_with_webhooks(sqlite_url: str, tmp_path: Path, port: int) -> App:
    unreachable = "http://127.0.0.1:9"  # no platform is called in these tests
    return await demo_app(
        sqlite_url,
        tmp_path,
        port,
        telegram_token="123456:test-token",
        telegram_api_base=unreachable,
        telegram_webhook_url=f"http://127.0.0.1:{port}",
        telegram_webhook_secret=TELEGRAM_SECRET,
        zalo_bot_token="654321:test-token",
        zalo_api_base=unreachable,
        zalo_webhook_secret=ZALO_SECRET,
        zalo_oa_app_id="oa-app",
        zalo_oa_secret_key="oa-secret-key",
        zalo_oa_api_base=unreachable,
        zalo_oa_oauth_base=unreachable,
    )


@pytest.fixture
async def web(sqlite_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The whole web app of `serve` (webhooks included), in process: a body is pulled only as the
    application reads it, so `Stream.pulled` is what the server read."""
    app = await _app_with_webhooks(sqlite_url, tmp_path, free_port())
    services = compose(app)
    try:
        transport = httpx.ASGITransport(app=services.web)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        await services.close()
        await app.close()


@pytest.mark.parametrize("path", ["/chat/send", "/login"])
async def test_a_chunked_body_over_the_limit_is_refused_as_it_arrives(web: httpx.AsyncClient, path: str) -> None:
    limit = request_limit(path)
    body = Stream(16 * limit)
    response = await web.post(path, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413, response.text
    assert body.pulled <= limit // CHUNK + 1, f"read {body.pulled} of {body.chunks} chunks"


async def test_a_declared_length_over_the_limit_is_refused_unread(web: httpx.AsyncClient) -> None:
    body = Stream(2 * CHUNK)
    headers = {"Content-Length": str(MAX_REQUEST_BYTES + 1), "Content-Type": "application/x-www-form-urlencoded"}
    response = await web.post("/chat/send", content=body, headers=headers)
    assert response.status_code == 413 and body.pulled == 0
    for bad in ("-1", "12a", "1" * 40):
        response = await web.post("/chat/send", content=b"x=1", headers={"Content-Length": bad})
        assert response.status_code in (400, 413)


async def test_bodies_within_the_limit_still_arrive(web: httpx.AsyncClient) -> None:
    page = await web.get("/")
    assert page.status_code == 200
    streamed = Stream(4 * CHUNK)
    response = await web.post(
        "/chat/send", content=streamed, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 403  # read whole, then refused for its missing CSRF token
    assert streamed.pulled == streamed.chunks


@pytest.mark.parametrize("path", WEBHOOKS)
async def test_a_webhook_without_its_secret_is_refused_before_its_body(web: httpx.AsyncClient, path: str) -> None:
    body = Stream(64 * CHUNK)
    response = await web.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 401
    assert body.pulled == 0


@pytest.mark.parametrize(
    ("path", "header"),
    [("/telegram/webhook", {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}),
     ("/zalo/webhook", {"X-Bot-Api-Secret-Token": ZALO_SECRET}),
     ("/zalo/oa/webhook", {"X-ZEvent-Signature": "mac=" + "0" * 64})],
)  # fmt: skip
async def test_a_webhook_body_over_its_own_limit_is_refused_as_it_arrives(
    web: httpx.AsyncClient, path: str, header: dict[str, str]
) -> None:
    from bot.channels.webhooks import MAX_BODY

    body = Stream(64 * MAX_BODY)
    response = await web.post(path, content=body, headers={"Content-Type": "application/json", **header})
    assert response.status_code == 413
    assert body.pulled <= MAX_BODY // CHUNK + 2


async def _answer(reader: asyncio.StreamReader) -> bytes:
    return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)


async def test_a_real_server_answers_a_webhook_without_secret_before_any_body(sqlite_url: str, tmp_path: Path) -> None:
    """Over a socket to uvicorn: the request's headers only, a chunked body promised but never sent.
    The 401 comes back at once; before the fix the server sat waiting for the body."""
    port = free_port()
    app = await _app_with_webhooks(sqlite_url, tmp_path, port)
    async with serving(app):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(
                b"POST /telegram/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            await writer.drain()
            head = await _answer(reader)
        finally:
            writer.close()
    assert head.startswith(b"HTTP/1.1 401")


async def test_a_real_server_stops_reading_a_chunked_flood(sqlite_url: str, tmp_path: Path) -> None:
    """Over a socket to uvicorn: a chunked form body far past the limit is answered 413 long before
    it is all sent (what is sent past the limit is what the sockets' buffers held)."""
    port = free_port()
    app = await _app_with_webhooks(sqlite_url, tmp_path, port)
    total, sent = 64 * MAX_REQUEST_BYTES, 0
    async with serving(app):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answer = asyncio.create_task(_answer(reader))
        try:
            writer.write(
                b"POST /chat/send HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            piece = b"%x\r\n&f=%s\r\n" % (CHUNK, b"x" * (CHUNK - 3))
            while sent < total and not answer.done():
                try:
                    writer.write(piece)
                    await writer.drain()
                except ConnectionError:
                    break
                sent += CHUNK
            head = await answer
        finally:
            writer.close()
    assert head.startswith(b"HTTP/1.1 413")
    # Before the fix: a 400 from the form parser after its 1,000 fields (64 MB), or all of it read.
    assert sent < 8 * MAX_REQUEST_BYTES, f"sent {sent} of {total} bytes before the answer"
