"""`hoanhap serve` and `hoanhap worker`: the loops over what the composition root built (bot.app)."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import socket

import uvicorn

from bot.app import App, Services, compose
from bot.listings.alerts.broadcast import run_alert_rounds
from bot.listings.expiry import run_expiry_rounds
from bot.listings.followup import run_followup_rounds
from bot.metrics import gc_pauses
from bot.metrics.worker import serve_worker_metrics
from bot.privacy.retention import run_retention_rounds
from bot.requests.escalation import run_escalations

log = logging.getLogger(__name__)


def stop_on_signals(stop: asyncio.Event) -> None:
    """SIGTERM (a service manager, `docker stop`) and SIGINT (Ctrl-C) end the loops cleanly: the
    sender finishes and records the row in hand and hands the rest of its batch back. uvicorn puts
    its own handlers in while it serves and raises the signal again when it is done: this one runs then."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)


async def _escalations(app: App, services: Services, stop: asyncio.Event) -> None:
    """The escalation loop of this process; its posts wake this process's sender."""
    await run_escalations(
        app.database,
        app.texts,
        app.clock,
        app.settings.timezone,
        stop,
        app.settings.escalation_interval_seconds,
        services.sender.wake.set,
    )


def _retention(app: App, stop: asyncio.Event) -> asyncio.Task[None]:
    """The daily retention round of this process (idempotent: several processes may run it)."""
    return asyncio.create_task(run_retention_rounds(app.database, app.settings, app.clock, stop))


def _expiry(app: App, stop: asyncio.Event) -> asyncio.Task[None]:
    """The hourly round that closes the listings past their last day (idempotent, like retention)."""
    return asyncio.create_task(run_expiry_rounds(app.database, app.clock, app.settings.timezone, stop))


def _alerts(app: App, services: Services, stop: asyncio.Event) -> asyncio.Task[None]:
    """The round that writes published listings' notices to the outbox (idempotent, UNIQUE per
    listing and person); what it writes wakes this process's sender."""
    return asyncio.create_task(
        run_alert_rounds(app.database, app.texts, app.clock, app.settings.timezone, stop, wake=services.sender.wake.set)
    )


def _followups(app: App, services: Services, stop: asyncio.Event) -> asyncio.Task[None]:
    """The hourly round that asks people, once, whether they started the job or course (idempotent)."""
    days = app.settings.listing_followup_days
    return asyncio.create_task(
        run_followup_rounds(app.database, app.clock, app.texts, days, stop, services.sender.wake.set)
    )


async def run_worker(app: App, stop: asyncio.Event) -> None:
    services = compose(app)
    freeze_heap()
    rounds = [asyncio.create_task(_escalations(app, services, stop)), _retention(app, stop), _expiry(app, stop)]
    rounds.append(_alerts(app, services, stop))
    rounds.append(_followups(app, services, stop))
    rounds.append(asyncio.create_task(serve_worker_metrics(app, stop)))
    try:
        await services.sender.run_forever(stop)
    finally:
        # The loops end at their next wait; a round under way finishes (or rolls back) first.
        stop.set()
        await asyncio.gather(*rounds, return_exceptions=True)
        await services.close()


async def _pollers(services: Services, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    """Each channel's start, and the long polls of those with no webhook registered."""
    pollers: list[asyncio.Task[None]] = []
    for channel in services.channels:
        await channel.start()
        poll = await channel.poller()
        if poll is not None:
            pollers.append(asyncio.create_task(poll(stop)))
    return pollers


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A listening socket that other serving processes bind too (the kernel shares connections out)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def freeze_heap() -> None:
    """Move everything start-up made out of the collector's sight.

    A full collection walks every tracked object: with the knowledge base's index that is hundreds of
    thousands, a pause of hundreds of milliseconds in the event loop. What exists after start-up lives
    as long as the process, so it need not be walked again (gc.freeze); only what requests create is."""
    with gc_pauses.unmeasured():
        gc.collect()
    gc.freeze()


async def warm_up(app: App) -> None:
    """The matcher built before the first message rather than by it, and frozen with the rest."""
    # Before serving: the collection that follows the build keeps nobody waiting (not a pause).
    with gc_pauses.unmeasured():
        async with app.uow() as uow:
            await app.kb.current(uow)
    freeze_heap()
    app.kb.freeze_rebuilds = True


async def serve(
    app: App, stop: asyncio.Event | None = None, started: asyncio.Event | None = None, child: int | None = None
) -> None:
    """Serve until stopped: web (webhooks), long polls where no webhook is set, the sender.

    `child` is this process's place under `serve --workers N` (bot.supervisor): it shares the port,
    and only child 0 runs the long polls and the escalation and retention rounds."""
    stop = stop or asyncio.Event()
    services = compose(app)
    primary = child is None or child == 0
    # log_config=None: uvicorn's loggers (its tracebacks of failed requests included) go through the
    # root handler and its redaction instead of a handler of uvicorn's own.
    config = uvicorn.Config(
        services.web,
        host=app.settings.host,
        port=app.settings.port,
        log_level="warning",
        log_config=None,
        timeout_graceful_shutdown=app.settings.shutdown_grace_seconds,
    )
    server = uvicorn.Server(config)
    tasks = [asyncio.create_task(services.sender.run_forever(stop))]
    if primary:
        tasks += [asyncio.create_task(_escalations(app, services, stop)), _retention(app, stop), _expiry(app, stop)]
        tasks.append(_alerts(app, services, stop))
        tasks.append(_followups(app, services, stop))
    # Long polls hold nothing uncommitted (an update counts only once handled): cancelled on stop.
    pollers = await _pollers(services, stop) if primary else []
    await warm_up(app)
    sockets = None if child is None else [reuse_port_socket(app.settings.host, app.settings.port)]
    server_task = asyncio.create_task(server.serve(sockets=sockets))
    # uvicorn sets a flag, not an event, once it listens: polling it is the only way to know.
    while not server.started and not server_task.done():  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    log.info("serving on http://%s:%s", app.settings.host, app.settings.port)
    if started is not None:
        started.set()
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait([server_task, stopper], return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    server.should_exit = True
    for poller in pollers:
        poller.cancel()
    await asyncio.gather(server_task, *tasks, *pollers, return_exceptions=True)
    stopper.cancel()
    await services.close()
