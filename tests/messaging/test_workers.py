"""Real `hoanhap worker` and `hoanhap serve` processes sending the outbox to a fake Bot API: stopped
with SIGTERM, run two at once on PostgreSQL, killed with SIGKILL mid-run and replaced."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.app import create_app
from bot.config import Settings
from bot.storage.database import open_database
from bot.storage.unit_of_work import UnitOfWork
from tests.fakes.telegram_api import FakeTelegram
from tests.serving import free_port

REPO = Path(__file__).resolve().parent.parent.parent
FIRST_CHAT = 7001


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    telegram = FakeTelegram()
    await telegram.start()
    yield telegram
    await telegram.stop()


def environment(database_url: str, fake: FakeTelegram, data_dir: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOANHAP_")}
    env.update(
        HOANHAP_DATABASE_URL=database_url,
        HOANHAP_DATA_DIR=str(data_dir),
        HOANHAP_TELEGRAM_TOKEN=fake.token,
        HOANHAP_TELEGRAM_API_BASE=fake.base_url,
        # Short, so that the crash test waits seconds for the dead sender's lease.
        HOANHAP_OUTBOX_LEASE_SECONDS="2",
    )
    env.update({f"HOANHAP_{k.upper()}": v for k, v in settings.items()})
    return env


def start(env: dict[str, str], command: str, log: Path, *options: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli.main", command, *options],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def exited(process: subprocess.Popen[bytes], timeout: float = 30) -> int | None:
    """The exit code, waited for without blocking the loop (the fake Bot API answers on it)."""
    with contextlib.suppress(AssertionError):
        await until(lambda: process.poll() is not None, timeout, "the process to exit")
    return process.returncode


async def stop(process: subprocess.Popen[bytes], log: Path) -> int:
    """SIGTERM, and the exit code (a process still there after 30 s is killed and the test fails)."""
    process.send_signal(signal.SIGTERM)
    code = await exited(process)
    if code is None:
        process.kill()
        process.wait()
        raise AssertionError(f"did not stop on SIGTERM:\n{log.read_text()}")
    return code


async def seed(database_url: str, chats: int, each: int, start_at: int = 0) -> None:
    """Rows for `chats` chats, interleaved (chat 1's first, chat 2's first, ..., chat 1's second)."""
    app = await create_app(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
    try:
        async with app.uow() as uow:
            for i in range(start_at, start_at + each):
                for chat in range(FIRST_CHAT, FIRST_CHAT + chats):
                    await uow.outbox.add("telegram", str(chat), {"text": f"{chat}-{i}"}, app.clock())
            await uow.commit()
    finally:
        await app.close()


async def statuses(database_url: str) -> Counter[str]:
    database = open_database(database_url)
    try:
        counts: Counter[str] = Counter()
        async with UnitOfWork(database) as uow:
            for status in ("pending", "sending", "sent", "failed"):
                counts[status] = await uow.outbox.count(status)
        return counts
    finally:
        await database.engine.dispose()


async def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() >= deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def texts(fake: FakeTelegram, chats: int) -> dict[int, list[str]]:
    return {chat: fake.texts(chat) for chat in range(FIRST_CHAT, FIRST_CHAT + chats)}


def total(fake: FakeTelegram, chats: int) -> int:
    return sum(len(sent) for sent in texts(fake, chats).values())


def distinct(fake: FakeTelegram, chats: int) -> int:
    return len({text for sent in texts(fake, chats).values() for text in sent})


def check_order(fake: FakeTelegram, chats: int, each: int) -> int:
    """Every row delivered, each chat's in order; the number of duplicates (a row sent again)."""
    duplicates = 0
    for chat, sent in texts(fake, chats).items():
        first_seen = list(dict.fromkeys(sent))
        assert first_seen == [f"{chat}-{i}" for i in range(each)], (chat, sent)
        duplicates += len(sent) - len(first_seen)
    return duplicates


def in_flight(fake: FakeTelegram, chats: int) -> bool:
    return len(fake.calls_of("sendMessage")) > total(fake, chats)


async def test_a_worker_stopped_with_sigterm_finishes_the_rows_in_hand(
    fake: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    # More chats than a sender has rows in hand (16 side by side): some of its batch is only leased.
    chats = 20
    await seed(database_url, chats=chats, each=1)
    fake.send_delay = 1.0
    env, log = environment(database_url, fake, tmp_path), tmp_path / "worker.log"
    worker = start(env, "worker", log)
    await until(lambda: in_flight(fake, chats), 60, "a send")
    assert await stop(worker, log) == 0, log.read_text()
    went = total(fake, chats)  # the rows in hand (a round's go side by side) went out...
    assert 1 <= went < chats
    # ...and are recorded; none is left leased to the stopped sender
    assert await statuses(database_url) == Counter(sent=went, pending=chats - went, sending=0, failed=0)
    fake.send_delay = 0.0
    successor = start(env, "worker", log)  # the rest were handed back: due at once, not after a lease
    try:
        await until(lambda: total(fake, chats) == chats, 30, "the other rows")
    finally:
        assert await stop(successor, log) == 0, log.read_text()
    assert check_order(fake, chats, 1) == 0


async def test_serve_stopped_with_sigterm_finishes_the_rows_in_hand(
    fake: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    await seed(database_url, chats=3, each=1)
    fake.send_delay = 1.0
    port = free_port()
    env = environment(database_url, fake, tmp_path, port=str(port), telegram_webhook_url=f"http://127.0.0.1:{port}")
    log = tmp_path / "serve.log"
    server = start(env, "serve", log)
    await until(lambda: in_flight(fake, 3), 60, "a send")
    assert await stop(server, log) == 0, log.read_text()
    went = total(fake, 3)
    assert went >= 1
    assert await statuses(database_url) == Counter(sent=went, pending=3 - went, sending=0, failed=0)


async def test_two_workers_on_postgresql_send_each_row_once_in_order(
    fake: FakeTelegram, empty_postgres: str, tmp_path: Path
) -> None:
    chats, each = 8, 12
    await seed(empty_postgres, chats, each // 2)
    fake.send_delay = 0.005  # long enough that both workers find work
    env, log = environment(empty_postgres, fake, tmp_path), tmp_path / "workers.log"
    workers = [start(env, "worker", log) for _ in range(2)]
    try:
        await until(lambda: total(fake, chats) >= 10, 60, "the first sends")
        await seed(empty_postgres, chats, each // 2, start_at=each // 2)  # more replies while they send
        await until(lambda: total(fake, chats) >= chats * each, 60, "every row")
        await asyncio.sleep(0.5)  # a row sent twice would show up now
    finally:
        codes = [await stop(worker, log) for worker in workers]
    assert codes == [0, 0], log.read_text()
    assert check_order(fake, chats, each) == 0
    assert await statuses(empty_postgres) == Counter(sent=chats * each, pending=0, sending=0, failed=0)


async def test_a_killed_sender_resends_at_most_the_row_in_hand(
    fake: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    """kill -9 mid-batch, another worker started: every row delivered, in order, and the only
    duplicates possible are the rows the platform had accepted when the sender died (the rows in
    hand: a round leases one row per chat and sends them side by side, so at most one a chat)."""
    chats, each = 10, 6
    await seed(database_url, chats, each)
    fake.send_delay = 0.02
    env, log = environment(database_url, fake, tmp_path), tmp_path / "crash.log"
    doomed = start(env, "worker", log)
    await until(lambda: total(fake, chats) >= 15, 60, "the first sends")
    doomed.send_signal(signal.SIGKILL)
    assert await exited(doomed) == -signal.SIGKILL
    successor = start(env, "worker", log)
    try:
        await until(lambda: distinct(fake, chats) == chats * each, 60, "every row")
    finally:
        assert await stop(successor, log) == 0, log.read_text()
    assert check_order(fake, chats, each) <= chats
    assert await statuses(database_url) == Counter(sent=chats * each, pending=0, sending=0, failed=0)
