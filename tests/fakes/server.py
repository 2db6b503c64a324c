"""What the fake platform servers share: one aiohttp server on 127.0.0.1, redelivery, waiting for a record."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

from aiohttp import web

JSON = dict[str, Any]


async def until_ok(attempt: Callable[[], Awaitable[int]], attempts: int, delay: float) -> int:
    """Redeliver on anything but 2xx, as the platform retries (its backoff shortened to `delay`); the last status."""
    status = 0
    for index in range(attempts):
        status = await attempt()
        if 200 <= status < 300:
            break
        if index + 1 < attempts:
            await asyncio.sleep(delay)
    return status


async def wait_until(found: Callable[[], JSON | None], timeout: float, failure: Callable[[], str]) -> JSON:
    # The bot answers from its own tasks: poll the fake's records rather than demand the answer is already there.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        record = found()
        if record is not None:
            return record
        if loop.time() >= deadline:
            raise AssertionError(failure())
        await asyncio.sleep(0.01)


class FakeServer:
    """Start, stop and address of one aiohttp server on 127.0.0.1 with an ephemeral port."""

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False

    def _add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def _on_stop(self) -> None:
        """Wake whatever waits inside a handler (a long poll), so stopping never waits for it to time out."""

    async def start(self) -> None:
        if self._runner is not None:
            return
        self._closing = False
        app = web.Application()
        self._add_routes(app)
        # The short shutdown timeout only bounds a handler stuck elsewhere, so stop() never hangs a test
        # for aiohttp's default minute.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing = True
        self._on_stop()
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
