"""`hoanhap init`, `chat`, `serve` and `worker`: setting up and running the assistant."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable

from bot.accounts.demo import credentials_path, ensure_demo_accounts, remember, remembered
from bot.app import App
from bot.channels.console import CHANNEL as CONSOLE
from bot.channels.console import ConsoleChannel, ConsoleTransport
from bot.cli.common import Subparsers
from bot.config import Settings
from bot.listings.demo import load_demo_listings
from bot.listings.service import local_today
from bot.reference import files as reference_data


async def cmd_init(app: App, args: argparse.Namespace) -> int:
    created: list[tuple[str, str]] = []
    async with app.uow() as uow:
        entries = await uow.faq.count()
        if args.demo:
            counts = await reference_data.apply(
                uow, reference_data.load_file(reference_data.DEMO_FILE), "system:demo", app.clock()
            )
            now = app.clock()
            listings = await load_demo_listings(uow, now, local_today(now, app.settings.timezone))
            created = await ensure_demo_accounts(uow, app.clock())
            # Kept before the commit: a crash between the two must not lose a password in use.
            remember(app.settings.data_dir, created)
        await uow.commit()
    print(f"database ready: {app.settings.resolved_database_url()}")
    print(f"knowledge base: {entries} entries")
    if args.demo:
        print(
            f"demo data (fictional): {counts['agencies']} agencies, {counts['localities']} localities, "
            f"{counts['rules']} routing rules, {listings} listings"
        )
        if created:
            print(f"demo accounts created: {', '.join(u for u, _ in created)} (see `hoanhap serve` for passwords)")
    return 0


async def cmd_chat(app: App, args: argparse.Namespace) -> int:
    sender = app.sender({CONSOLE: ConsoleTransport(sys.stdout)})
    await ConsoleChannel(app.processor, sender, args.chat_id or app.settings.console_chat_id).run()
    return 0


async def cmd_serve(app: App, args: argparse.Namespace) -> int:
    from bot.runtime import serve, stop_on_signals  # the web and channel stack loads only for the commands that need it

    if args.child is not None:
        stop = asyncio.Event()
        stop_on_signals(stop)
        await serve(app, stop, child=args.child)
        return 0
    if args.workers > 1:
        return await _supervise(app, args.workers)

    base = app.settings.base_url()
    print(f"Hòa Nhập on {base}  (health: /healthz, /readyz)", flush=True)
    print(f"  web chat (for people):     {base}/", flush=True)
    print(f"  staff workspace:           {base}/staff", flush=True)
    print(f"  admin console:             {base}/admin", flush=True)
    print(f"  agency API (OpenAPI):      {base}/api/v1/openapi.json", flush=True)
    demo = remembered(app.settings.data_dir)
    if demo:
        print(f"  demo accounts (from {credentials_path(app.settings.data_dir)}):", flush=True)
        for username, password in demo:
            print(f"    {username:<10} {password}", flush=True)
    if app.settings.telegram_token is None:
        print("Telegram: off (set HOANHAP_TELEGRAM_TOKEN to turn it on)", flush=True)
    elif app.settings.telegram_webhook_url:
        print(f"Telegram: webhook at {app.settings.telegram_webhook_url}", flush=True)
    else:
        print("Telegram: long polling", flush=True)
    stop = asyncio.Event()
    stop_on_signals(stop)
    await serve(app, stop)
    return 0


async def _supervise(app: App, workers: int) -> int:
    from bot.runtime import stop_on_signals
    from bot.supervisor import Supervisor

    if app.database.serial is not None:
        # One SQLite file has one writer at a time: more processes would only queue on its lock.
        print("--workers needs PostgreSQL (HOANHAP_DATABASE_URL); SQLite serves from one process", file=sys.stderr)
        return 2
    print(f"Hòa Nhập: {workers} serving processes on {app.settings.base_url()}", flush=True)
    # The children open their own connections; the supervisor needs none.
    await app.close()
    stop = asyncio.Event()
    stop_on_signals(stop)
    grace = app.settings.shutdown_grace_seconds + 10
    return await Supervisor(workers, grace_seconds=grace, reclaim=_reclaimer(app.settings)).run(stop)


def _reclaimer(settings: Settings) -> Callable[[str], Awaitable[int]]:
    """How the supervisor takes back a dead child's outbox rows: a connection of its own for the moment."""
    from bot.clock import utc_now
    from bot.messaging.outbox import reclaim_sender
    from bot.storage.database import open_database

    async def reclaim(sender: str) -> int:
        database = open_database(settings.resolved_database_url())
        try:
            return await reclaim_sender(database, utc_now(), sender)
        finally:
            await database.engine.dispose()

    return reclaim


async def cmd_worker(app: App, args: argparse.Namespace) -> int:
    from bot.runtime import run_worker, stop_on_signals

    stop = asyncio.Event()
    stop_on_signals(stop)
    await run_worker(app, stop)
    return 0


def register(sub: Subparsers) -> None:
    init = sub.add_parser("init", help="create or migrate the database and load the shipped knowledge base")
    init.add_argument("--demo", action="store_true", help="also load the fictional demo province")
    init.set_defaults(run=cmd_init)

    chat = sub.add_parser("chat", help="talk to the assistant in the terminal (reads standard input)")
    chat.add_argument("--chat-id", default="", help="conversation id (default: HOANHAP_CONSOLE_CHAT_ID)")
    chat.set_defaults(run=cmd_chat)

    sv = sub.add_parser("serve", help="web server, channels whose settings are present, and the outbox sender")
    sv.add_argument(
        "--workers",
        type=int,
        default=1,
        choices=range(1, 65),
        metavar="N",
        help="serving processes sharing the port (PostgreSQL only; default 1)",
    )
    # Set by the supervisor for its children: which one this is (0 runs the rounds and polls).
    sv.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    sv.set_defaults(run=cmd_serve)
    sub.add_parser("worker", help="only the outbox sender").set_defaults(run=cmd_worker)
