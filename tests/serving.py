"""A running `serve` for end-to-end tests: settings, the demo data, and a clean stop."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import App, create_app
from bot.clock import utc_now
from bot.config import Settings
from bot.reference import files as reference_data
from bot.runtime import serve


class SkippingClock:
    """The real time plus every wait asked for so far: a retry_after, a back-off or a poll interval
    passes at once instead of being slept through, and `slept` keeps the durations asked for."""

    def __init__(self) -> None:
        self.skipped = timedelta(0)
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return utc_now() + self.skipped

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.skipped += timedelta(seconds=seconds)
        await asyncio.sleep(0)


def child_pids(pid: int) -> list[int]:
    """Children of every thread of `pid` (the fork server is started from a thread of the supervisor)."""
    pids: list[int] = []
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            pids += [int(p) for p in path.read_text().split()]
        except OSError:  # the thread ended meanwhile
            continue
    return sorted(pids)


def serving_pids(supervisor: int) -> list[int]:
    """The serving children of `serve --workers N`: forked by its fork server, so its grandchildren."""
    servers = [pid for pid in child_pids(supervisor) if b"forkserver" in _cmdline(pid)]
    return [child for server in servers for child in child_pids(server)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def demo_app(
    database_url: str, data_dir: Path, port: int, clock: SkippingClock | None = None, **channels: Any
) -> App:
    """An app on 127.0.0.1:`port` with the demo province and the given channel settings; with a
    skipping clock, its waits pass without sleeping."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        data_dir=data_dir,
        port=port,
        outbox_max_backoff_seconds=1.0,  # retries in seconds, not minutes
        **channels,
    )
    app = await (create_app(settings, clock, sleep=clock.sleep) if clock else create_app(settings))
    async with app.uow() as uow:
        await reference_data.apply(uow, reference_data.load_file(reference_data.DEMO_FILE), "test", app.clock())
        await uow.commit()
    return app


@asynccontextmanager
async def serving(app: App) -> AsyncIterator[None]:
    stop, started = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, stop, started))
    await asyncio.wait_for(started.wait(), 20)
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await app.close()
