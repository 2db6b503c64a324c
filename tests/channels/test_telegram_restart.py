"""A real `hoanhap serve` process in webhook mode, killed mid-conversation and started again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.storage.database import open_database
from bot.storage.unit_of_work import UnitOfWork
from tests.fakes.telegram_api import FakeTelegram
from tests.serving import free_port

REPO = Path(__file__).resolve().parent.parent.parent
SECRET = "test-secret-0123456789"
CHAT = 6001


def start_server(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", "serve"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_healthy(base: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("the server did not come up")


async def sent_out(data_dir: Path) -> None:
    """Until the server's outbox has nothing left to send to the chat (read from its database)."""
    database = open_database(Settings(_env_file=None, data_dir=data_dir).resolved_database_url())  # type: ignore[call-arg]
    try:
        for _ in range(300):
            async with UnitOfWork(database) as uow:
                if not await uow.outbox.pending_for_chat("telegram", str(CHAT)):
                    return
            await asyncio.sleep(0.05)
        raise AssertionError("the outbox did not empty")
    finally:
        await database.engine.dispose()


@pytest.fixture
async def fake() -> FakeTelegram:
    telegram = FakeTelegram()
    await telegram.start()
    yield telegram  # type: ignore[misc]
    await telegram.stop()


async def test_killed_server_loses_nothing(fake: FakeTelegram, tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOANHAP_")}
    env.update(
        HOANHAP_DATA_DIR=str(tmp_path),
        HOANHAP_PORT=str(port),
        HOANHAP_TELEGRAM_TOKEN=fake.token,
        HOANHAP_TELEGRAM_API_BASE=fake.base_url,
        HOANHAP_TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}",
        HOANHAP_TELEGRAM_WEBHOOK_SECRET=SECRET,
    )
    subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "init", "--demo"],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=120,
    )
    # Telegram learns the webhook (as `hoanhap telegram set-webhook` would tell it).
    async with httpx.AsyncClient() as client:
        await client.post(
            f"{fake.base_url}/bot{fake.token}/setWebhook",
            json={"url": f"http://127.0.0.1:{port}/telegram/webhook", "secret_token": SECRET},
        )
    base = f"http://127.0.0.1:{port}"
    person = fake.user(61, "Em")
    server = start_server(env)
    try:
        await wait_healthy(base)
        assert await fake.deliver_until_ok(fake.send_text(CHAT, person, "/start")) == 200
        await fake.wait_for_text(CHAT, "Xin chào", timeout=30)
        assert await fake.deliver_until_ok(fake.send_text(CHAT, person, "/menu")) == 200
        menu = await fake.wait_for_text(CHAT, "Bạn cần gì", timeout=30)
        assert await fake.deliver_until_ok(fake.press(CHAT, person, menu["message_id"], "menu:request")) == 200
        await fake.wait_for_text(CHAT, "Bạn cần giúp về việc gì", timeout=30)

        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
        update = fake.send_text(CHAT, person, "2")  # training, typed while the server is down
        assert await fake.deliver(update) == 0  # Telegram keeps it and tries again later

        server = start_server(env)
        await wait_healthy(base)
        assert await fake.deliver_until_ok(update, attempts=20, delay=0.2) == 200
        await fake.wait_for_text(CHAT, "kể ngắn gọn", timeout=30)  # the form went on where it was
        assert await fake.deliver(update) == 200  # a late duplicate of the same update
        await sent_out(tmp_path)  # its effects, if any, were committed before the 200: all gone out now
        assert sum("kể ngắn gọn" in t for t in fake.texts(CHAT)) == 1  # had its effect once
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
