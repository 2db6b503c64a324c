"""`hoanhap serve` and `hoanhap worker`: the web server, the channels that are set up, the outbox sender."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field

import uvicorn
from aiogram import Bot
from fastapi import APIRouter, FastAPI

from bot.agency_desk import AgencyDesk
from bot.app import App
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.client import make_bot, register_commands
from bot.channels.telegram.transport import TelegramTransport
from bot.channels.telegram.updates import CHANNEL as TELEGRAM
from bot.channels.telegram.webhook import PATH as TELEGRAM_PATH
from bot.channels.telegram.webhook import webhook_router
from bot.delivery import OutboxSender, Transport
from bot.web.app import create_web_app

log = logging.getLogger(__name__)
TELEGRAM_SECRET_KEY = "telegram_webhook_secret"


@dataclass
class Services:
    web: FastAPI
    sender: OutboxSender
    telegram: TelegramChannel | None = None
    bots: list[Bot] = field(default_factory=list)

    async def close(self) -> None:
        for bot in self.bots:
            await bot.session.close()


async def telegram_secret(app: App) -> str:
    """The webhook secret: from the settings, else the one `hoanhap telegram set-webhook` generated."""
    configured = app.settings.telegram_webhook_secret
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    async with app.uow() as uow:
        return await uow.meta.get(TELEGRAM_SECRET_KEY) or ""


async def set_telegram_webhook(app: App, bot: Bot) -> str:
    """Register our endpoint with Telegram under a fresh secret, kept in the database for every worker."""
    url = app.settings.telegram_webhook_url.rstrip("/")
    if not url:
        raise ValueError("HOANHAP_TELEGRAM_WEBHOOK_URL is not set")
    secret = secrets.token_urlsafe(32)
    async with app.uow() as uow:
        await uow.meta.set(TELEGRAM_SECRET_KEY, secret)
        await uow.commit()
    target = url if url.endswith(TELEGRAM_PATH) else url + TELEGRAM_PATH
    await bot.set_webhook(url=target, secret_token=secret, allowed_updates=["message", "callback_query"])
    return target


def build_services(app: App) -> Services:
    settings = app.settings
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    bot = make_bot(token, settings.telegram_api_base) if token else None
    transports: dict[str, Transport] = {}
    if bot is not None:
        transports[TELEGRAM] = TelegramTransport(bot, app.texts.get(app.texts.default_locale, "telegram_share_phone"))
    sender = app.sender(transports)
    # Whatever commits outbox rows in this process wakes the sender at once.
    app.processor.on_commit = sender.wake.set
    routers: list[APIRouter] = []
    telegram: TelegramChannel | None = None
    if bot is not None:
        desk = AgencyDesk(app.database, app.texts, app.clock, sender.wake.set)
        telegram = TelegramChannel(bot, app.processor, desk)

        async def secret() -> str:
            return await telegram_secret(app)

        routers.append(webhook_router(telegram, secret))
    return Services(create_web_app(app, routers), sender, telegram, [bot] if bot is not None else [])


async def run_worker(app: App, stop: asyncio.Event) -> None:
    services = build_services(app)
    try:
        await services.sender.run_forever(stop)
    finally:
        await services.close()


async def serve(app: App, stop: asyncio.Event | None = None, started: asyncio.Event | None = None) -> None:
    """Serve until stopped: web (webhooks), Telegram polling when no webhook URL is set, the sender."""
    stop = stop or asyncio.Event()
    services = build_services(app)
    config = uvicorn.Config(services.web, host=app.settings.host, port=app.settings.port, log_level="warning")
    server = uvicorn.Server(config)
    tasks = [asyncio.create_task(services.sender.run_forever(stop))]
    poller: asyncio.Task[None] | None = None
    if services.telegram is not None:
        try:
            await register_commands(services.telegram.bot)
        except Exception as error:  # the menu of commands is a nicety; serving goes on without it
            log.warning("could not register bot commands: %s", type(error).__name__)
        if not app.settings.telegram_webhook_url:
            poller = asyncio.create_task(services.telegram.poll(stop))
    server_task = asyncio.create_task(server.serve())
    while not server.started and not server_task.done():
        await asyncio.sleep(0.05)
    log.info("serving on http://%s:%s", app.settings.host, app.settings.port)
    if started is not None:
        started.set()
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait([server_task, stopper], return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    server.should_exit = True
    if poller is not None:
        # A long poll in flight holds nothing uncommitted: the offset only moves after a commit.
        poller.cancel()
    await asyncio.gather(server_task, *tasks, *([poller] if poller else []), return_exceptions=True)
    stopper.cancel()
    await services.close()
