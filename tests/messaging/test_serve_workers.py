"""`hoanhap serve --workers 2` on PostgreSQL: two processes on one port take the webhooks of the same
chats, each update twice at once (a redelivery racing the original), and still every message is
handled once, in each chat's order, and each reply sent once, in order.

What each chat should receive is what the same messages get from a single in-process app."""

from __future__ import annotations

import asyncio
import html
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text as sql

from bot.app import create_app
from bot.config import Settings
from bot.storage.database import open_database
from handlers.messages import IncomingMessage
from tests.fakes.telegram_api import FakeTelegram
from tests.messaging.test_workers import exited, start, until
from tests.serving import free_port, serving_pids

REPO = Path(__file__).resolve().parent.parent.parent
SECRET = "workers-secret"
CHATS = range(8101, 8109)
SAYINGS = ("xin chao", "moi ra tu tim viec o dau", "gia vang hom nay", "xin phieu ly lich tu phap o dau", "/lang")


@pytest.fixture
async def fake() -> FakeTelegram:
    telegram = FakeTelegram()
    await telegram.start()
    yield telegram  # type: ignore[misc]
    await telegram.stop()


async def expected_replies(tmp_path: Path) -> list[str]:
    """What one chat is told for SAYINGS, by one in-process app (no sender: the outbox's texts)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'reference.db'}"
    app = await create_app(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    try:
        for n, text in enumerate(SAYINGS):
            await app.processor.process(IncomingMessage(channel="telegram", chat_id="1", text=text, update_id=str(n)))
        async with app.uow() as uow:
            return [str(row.payload["text"]) for row in await uow.outbox.pending_for_chat("telegram", "1")]
    finally:
        await app.close()


def update(update_id: int, chat: int, text: str) -> dict[str, object]:
    person = {"id": chat, "is_bot": False, "first_name": "An"}
    message = {"message_id": update_id, "date": 0, "chat": {"id": chat, "type": "private"}, "from": person}
    message["text"] = text
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": update_id, "message": message}


async def one_chat(client: httpx.AsyncClient, url: str, chat: int) -> None:
    """The chat's messages one after another, as Telegram sends them; each posted twice at once."""
    for n, text in enumerate(SAYINGS):
        body = update(chat * 100 + n, chat, text)
        for _attempt in range(50):
            answers = await asyncio.gather(
                *(client.post(url, json=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) for _ in range(2))
            )
            if all(a.status_code == 200 for a in answers):
                break
            await asyncio.sleep(0.1)  # a 503 of back-pressure, or a process restarting: again, as Telegram does
        else:
            raise AssertionError(f"update {body['update_id']} never answered 200")


def serve_workers(fake: FakeTelegram, database_url: str, tmp_path: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOANHAP_")}
    env.update(
        HOANHAP_DATABASE_URL=database_url,
        HOANHAP_DATA_DIR=str(tmp_path),
        HOANHAP_PORT=str(port),
        HOANHAP_TELEGRAM_TOKEN=fake.token,
        HOANHAP_TELEGRAM_API_BASE=fake.base_url,
        HOANHAP_TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}",
        HOANHAP_TELEGRAM_WEBHOOK_SECRET=SECRET,
    )
    log = tmp_path / "serve.log"
    return start(env, "serve", log, "--workers", "2"), port, log


async def test_two_serving_processes_handle_each_update_once_in_order(
    fake: FakeTelegram, empty_postgres: str, tmp_path: Path
) -> None:
    wanted = await expected_replies(tmp_path)
    server, port, log = serve_workers(fake, empty_postgres, tmp_path)
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            base = f"http://127.0.0.1:{port}"
            await until_ready(client, base, server, log)
            await asyncio.gather(*(one_chat(client, f"{base}/telegram/webhook", chat) for chat in CHATS))
            await until(lambda: all(len(fake.texts(c)) >= len(wanted) for c in CHATS), 60, "every reply")
            await asyncio.sleep(0.5)  # a reply sent twice would arrive now
        assert len(serving_pids(server.pid)) == 2
    finally:
        server.send_signal(signal.SIGTERM)
        code = await exited(server, 60)
    assert code == 0, log.read_text()
    for chat in CHATS:
        assert [html.unescape(t) for t in fake.texts(chat)] == wanted, chat
    database = open_database(empty_postgres)
    try:
        async with database.engine.connect() as connection:
            handled = (await connection.execute(sql("SELECT count(*) FROM inbound_updates"))).scalar_one()
            conversations = (await connection.execute(sql("SELECT count(*) FROM conversations"))).scalar_one()
    finally:
        await database.engine.dispose()
    assert (handled, conversations) == (len(CHATS) * len(SAYINGS), len(CHATS))


async def test_a_killed_child_is_forked_again_and_serves(
    fake: FakeTelegram, empty_postgres: str, tmp_path: Path
) -> None:
    """kill -9 of a serving child: the supervisor forks a replacement from its fork server (the stack
    already imported), which takes the port with the living child; every chat is answered after."""
    server, port, log = serve_workers(fake, empty_postgres, tmp_path)
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            base = f"http://127.0.0.1:{port}"
            await until_ready(client, base, server, log)
            # Ready is one child answering; the other may still be starting.
            await until(lambda: log.read_text().count("serving on") == 2, 60, "both children to serve")
            before = serving_pids(server.pid)
            os.kill(before[0], signal.SIGKILL)
            await until(lambda: log.read_text().count("serving on") == 3, 60, "the replacement to serve")
            after = serving_pids(server.pid)
            assert before[1] in after and before[0] not in after and len(after) == 2
            await asyncio.gather(*(one_chat(client, f"{base}/telegram/webhook", chat) for chat in CHATS))
            await until(lambda: all(len(fake.texts(c)) >= len(SAYINGS) for c in CHATS), 60, "every reply")
    finally:
        server.send_signal(signal.SIGTERM)
        code = await exited(server, 60)
    assert code == 0, log.read_text()
    assert "ended with -9; starting it again" in log.read_text()


async def test_children_end_with_a_killed_fork_server_and_are_forked_again(
    fake: FakeTelegram, empty_postgres: str, tmp_path: Path
) -> None:
    """kill -9 of the fork server: its children stop (SIGTERM at their parent's death) instead of
    serving on out of the supervisor's reach; a new fork server forks their replacements."""
    server, port, log = serve_workers(fake, empty_postgres, tmp_path)
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            await until_ready(client, f"http://127.0.0.1:{port}", server, log)
            await until(lambda: log.read_text().count("serving on") == 2, 60, "both children to serve")
            before = serving_pids(server.pid)
            (fork_server,) = {int(stat(pid)[1]) for pid in before}
            os.kill(fork_server, signal.SIGKILL)
            await until(lambda: not any(map(running, before)), 60, "the old children to end")
            await until(lambda: log.read_text().count("serving on") == 4, 90, "two replacements to serve")
            assert len(serving_pids(server.pid)) == 2
            webhook = f"http://127.0.0.1:{port}/telegram/webhook"
            await asyncio.gather(*(one_chat(client, webhook, chat) for chat in CHATS))
            await until(lambda: all(len(fake.texts(c)) >= len(SAYINGS) for c in CHATS), 60, "every reply")
    finally:
        server.send_signal(signal.SIGTERM)
        code = await exited(server, 60)
    assert code == 0, log.read_text()


def stat(pid: int) -> list[str]:
    """/proc/PID/stat's fields after the command's name: state, parent, ..."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def running(pid: int) -> bool:
    try:
        return stat(pid)[0] != "Z"
    except OSError:
        return False


async def until_ready(client: httpx.AsyncClient, base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(1200):  # two processes importing the whole stack on a busy 2-core machine: up to a minute
        if server.poll() is not None:
            raise AssertionError(log.read_text())
        try:
            if (await client.get(f"{base}/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"not ready:\n{log.read_text()}")


async def test_workers_refuse_sqlite(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOANHAP_")}
    env.update(HOANHAP_DATA_DIR=str(tmp_path), HOANHAP_PORT=str(free_port()))
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "serve", "--workers", "2"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "PostgreSQL" in done.stderr
