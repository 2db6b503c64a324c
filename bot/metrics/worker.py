"""`hoanhap worker`'s /metrics on HOANHAP_WORKER_METRICS_PORT: the worker has no web app of its own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from bot.app import App
from bot.metrics import gc_pauses
from bot.metrics.views import router

log = logging.getLogger(__name__)


class _SignalFreeServer(uvicorn.Server):
    """uvicorn takes SIGTERM and SIGINT for itself while it serves; the worker's own handlers must
    keep them (they stop the sender after the row in hand), so this server leaves them alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def metrics_app(app: App) -> FastAPI:
    web = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    web.state.hoanhap = app
    web.include_router(router)
    return web


async def serve_worker_metrics(app: App, stop: asyncio.Event) -> None:
    """Serve /metrics until `stop` is set; nothing when no port is configured."""
    port = app.settings.worker_metrics_port
    if port is None:
        return
    gc_pauses.install()
    config = uvicorn.Config(
        metrics_app(app), host=app.settings.worker_metrics_host, port=port, log_level="warning", log_config=None
    )
    server = _SignalFreeServer(config)
    task = asyncio.create_task(server.serve())
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait([task, stopped], return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stopped.cancel()
    await task
    log.info("worker metrics on %s:%s stopped", app.settings.worker_metrics_host, port)
