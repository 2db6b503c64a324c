"""The web chat's limits per session and per address, counted in the database: they hold across worker
processes, keep no address, and refuse in the reader's language."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.app import App, create_app
from bot.channels.webchat_limits import address_block
from bot.config import Settings
from bot.storage.models import RateBucketRow
from bot.web.i18n import LANG_COOKIE
from tests.harness import FakeClock
from tests.storage.sessions import session_of
from tests.web_client import WebClient

PER_ADDRESS = 6
_nonces = itertools.count(1)


def limited(database_url: str, tmp_path: Path, **extra: object) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=database_url,
        data_dir=tmp_path,
        web_chat_messages_per_address=PER_ADDRESS,
        trusted_proxies="10.0.0.1",
        _env_file=None,
        **extra,
    )


@pytest.fixture
async def chat_app(database_url: str, tmp_path: Path, clock: FakeClock) -> AsyncIterator[App]:
    application = await create_app(limited(database_url, tmp_path), clock)
    try:
        yield application
    finally:
        await application.close()


async def send(web: WebClient, text: str = "xin chao", **headers: str) -> httpx.Response:
    token = await web.csrf()
    return await web.http.post(
        "/chat/send",
        data={"csrf_token": token, "text": text, "nonce": str(next(_nonces))},
        headers={"Accept": "application/json", **headers},
    )


async def test_new_sessions_from_one_address_share_its_allowance(chat_app: App, clock: FakeClock) -> None:
    statuses = []
    for _ in range(PER_ADDRESS + 2):
        # a script that drops its cookie every time: a fresh session each message, one address
        async with WebClient(chat_app, address="203.0.113.7") as web:
            statuses.append((await send(web)).status_code)
    assert statuses == [200] * PER_ADDRESS + [429, 429]
    async with WebClient(chat_app, address="198.51.100.9") as elsewhere:
        assert (await send(elsewhere)).status_code == 200  # another address is served as usual
    clock.advance(seconds=61)
    async with WebClient(chat_app, address="203.0.113.7") as web:
        assert (await send(web)).status_code == 200  # a minute later, the address is welcome again


async def test_the_refusal_is_keyed_and_in_the_readers_language(chat_app: App) -> None:
    async with WebClient(chat_app, address="203.0.113.8") as web:
        web.http.cookies.set(LANG_COOKIE, "en")
        responses = [await send(web) for _ in range(PER_ADDRESS + 1)]
    refused = responses[-1]
    assert refused.status_code == 429
    assert refused.json() == {"key": "chat_slow", "error": "You are sending too fast. Please wait a moment."}
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    async with WebClient(chat_app, address="203.0.113.8") as web:
        token = await web.csrf()
        page = await web.http.post("/chat/send", data={"csrf_token": token, "text": "x", "nonce": "nojs"})
    # without JavaScript (no JSON asked for, no language chosen): the words alone, in Vietnamese
    assert (page.status_code, page.text) == (429, "Bạn gửi nhanh quá. Vui lòng đợi một chút.")


async def test_behind_a_trusted_proxy_the_forwarded_address_counts(chat_app: App) -> None:
    async with WebClient(chat_app, address="10.0.0.1") as proxy:
        for _ in range(PER_ADDRESS):
            assert (await send(proxy, **{"X-Forwarded-For": "203.0.113.20"})).status_code == 200
        assert (await send(proxy, **{"X-Forwarded-For": "203.0.113.20"})).status_code == 429
        # the proxy's other clients are not held back by that one
        assert (await send(proxy, **{"X-Forwarded-For": "203.0.113.21"})).status_code == 200


async def test_the_count_holds_across_worker_processes(
    chat_app: App, database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    other = await create_app(limited(database_url, tmp_path), clock, prepare=False)
    try:
        statuses = []
        for number in range(PER_ADDRESS + 1):
            async with WebClient(chat_app if number % 2 else other, address="203.0.113.30") as web:
                statuses.append((await send(web)).status_code)
    finally:
        await other.close()
    assert statuses == [200] * PER_ADDRESS + [429]


async def test_no_address_or_session_is_stored(chat_app: App) -> None:
    async with WebClient(chat_app, address="203.0.113.40") as web:
        await send(web)
    async with chat_app.uow() as uow:
        keys = list((await session_of(uow).execute(select(RateBucketRow.key))).scalars())
    assert len(keys) == 2  # the session's bucket and the address's
    assert all(len(k) == 64 and set(k) <= set("0123456789abcdef") for k in keys)
    assert not any("203.0.113.40" in k for k in keys)


async def test_old_buckets_are_swept(chat_app: App, clock: FakeClock) -> None:
    for number in range(5):
        async with WebClient(chat_app, address=f"203.0.113.{50 + number}") as web:
            await send(web)
    clock.advance(minutes=5)
    async with WebClient(chat_app, address="203.0.113.99") as web:
        await send(web)
    async with chat_app.uow() as uow:
        kept = list((await session_of(uow).execute(select(RateBucketRow.key))).scalars())
    assert len(kept) == 2


@pytest.mark.parametrize(
    ("address", "block"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),  # one household's /64
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),  # an IPv4 client seen through a dual-stack socket
        ("unknown", "unknown"),
        ("", ""),
        ("not an address; DROP TABLE", "not an address; DROP TABLE"),
    ],
)
def test_address_blocks(address: str, block: str) -> None:
    assert address_block(address) == block
