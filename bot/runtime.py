"""`hoanhap serve` and `hoanhap worker`: the web server, the channels that are set up, the outbox sender."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import uvicorn
from aiogram import Bot
from fastapi import APIRouter, FastAPI

from bot.app import App
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.client import make_bot, register_commands
from bot.channels.telegram.transport import TelegramTransport
from bot.channels.telegram.updates import CHANNEL as TELEGRAM
from bot.channels.telegram.webhook import PATH as TELEGRAM_PATH
from bot.channels.telegram.webhook import webhook_router
from bot.channels.zalo.bot_platform import CHANNEL as ZALO_BOT
from bot.channels.zalo.bot_platform import PATH as ZALO_PATH
from bot.channels.zalo.bot_platform import ZaloBotChannel, ZaloBotClient, ZaloBotTransport
from bot.channels.zalo.bot_platform import webhook_router as zalo_bot_router
from bot.channels.zalo.oa import CHANNEL as ZALO_OA
from bot.channels.zalo.oa import ZaloOAChannel, ZaloOAClient, ZaloOATransport
from bot.channels.zalo.oa import webhook_router as zalo_oa_router
from bot.messaging.agency_desk import AgencyDesk
from bot.messaging.outbox import OutboxSender, Transport
from bot.requests.escalation import run_escalations
from bot.web.app import create_web_app

log = logging.getLogger(__name__)
TELEGRAM_SECRET_KEY = "telegram_webhook_secret"
ZALO_SECRET_KEY = "zalo_webhook_secret"


@dataclass
class Services:
    web: FastAPI
    sender: OutboxSender
    telegram: TelegramChannel | None = None
    bots: list[Bot] = field(default_factory=list)
    zalo_bot: ZaloBotChannel | None = None
    zalo_oa: ZaloOAChannel | None = None
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def close(self) -> None:
        for bot in self.bots:
            await bot.session.close()
        for close in self.closers:
            await close()


async def telegram_secret(app: App) -> str:
    """The webhook secret: from the settings, else the one `hoanhap telegram set-webhook` generated."""
    configured = app.settings.telegram_webhook_secret
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    async with app.uow() as uow:
        return await uow.meta.get(TELEGRAM_SECRET_KEY) or ""


async def set_telegram_webhook(app: App, bot: Bot) -> str:
    """Register our endpoint with Telegram under the configured secret, or a fresh one kept in the
    database for every worker."""
    url = app.settings.telegram_webhook_url.rstrip("/")
    if not url:
        raise ValueError("HOANHAP_TELEGRAM_WEBHOOK_URL is not set")
    configured = app.settings.telegram_webhook_secret
    secret = configured.get_secret_value() if configured is not None else ""
    if not secret:
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
    zalo_bot, zalo_oa, closers = _zalo(app, transports, routers)
    services = Services(create_web_app(app, routers), sender, telegram, [bot] if bot is not None else [])
    services.zalo_bot = zalo_bot
    services.zalo_oa = zalo_oa
    services.closers = closers
    return services


def _zalo(
    app: App, transports: dict[str, Transport], routers: list[APIRouter]
) -> tuple[ZaloBotChannel | None, ZaloOAChannel | None, list[Callable[[], Awaitable[None]]]]:
    """The Zalo surfaces whose settings are present: the Bot Platform, the Official Account, or both."""
    settings = app.settings
    closers: list[Callable[[], Awaitable[None]]] = []
    bot_channel: ZaloBotChannel | None = None
    oa_channel: ZaloOAChannel | None = None
    token = settings.zalo_bot_token.get_secret_value() if settings.zalo_bot_token else ""
    if token:
        client = ZaloBotClient(token, settings.zalo_api_base)
        closers.append(client.close)
        transports[ZALO_BOT] = ZaloBotTransport(client)
        bot_channel = ZaloBotChannel(client, app.processor)

        async def secret() -> str:
            configured = settings.zalo_webhook_secret
            if configured is not None and configured.get_secret_value():
                return configured.get_secret_value()
            async with app.uow() as uow:
                return await uow.meta.get(ZALO_SECRET_KEY) or ""

        routers.append(zalo_bot_router(bot_channel, secret))
    oa_secret = settings.zalo_oa_secret_key.get_secret_value() if settings.zalo_oa_secret_key else ""
    if settings.zalo_oa_app_id and oa_secret:
        http = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0))
        closers.append(http.aclose)
        oa_client = ZaloOAClient(
            app.database,
            settings.zalo_oa_app_id,
            oa_secret,
            settings.zalo_oa_api_base,
            settings.zalo_oa_oauth_base,
            app.clock,
            http,
        )
        transports[ZALO_OA] = ZaloOATransport(oa_client)
        oa_channel = ZaloOAChannel(app.processor, app.database)
        routers.append(zalo_oa_router(oa_channel, settings.zalo_oa_app_id, oa_secret))
    return bot_channel, oa_channel, closers


async def set_zalo_webhook(app: App, url: str) -> str:
    """Register our Zalo Bot endpoint under a fresh secret, kept in the database for every worker."""
    token = app.settings.zalo_bot_token
    if token is None or not token.get_secret_value():
        raise ValueError("HOANHAP_ZALO_BOT_TOKEN is not set")
    secret = app.settings.zalo_webhook_secret.get_secret_value() if app.settings.zalo_webhook_secret else ""
    secret = secret or secrets.token_urlsafe(32)
    async with app.uow() as uow:
        await uow.meta.set(ZALO_SECRET_KEY, secret)
        await uow.commit()
    target = url.rstrip("/")
    target = target if target.endswith(ZALO_PATH) else target + ZALO_PATH
    client = ZaloBotClient(token.get_secret_value(), app.settings.zalo_api_base)
    try:
        await client.call("setWebhook", url=target, secret_token=secret)
    finally:
        await client.close()
    return target


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


async def run_worker(app: App, stop: asyncio.Event) -> None:
    services = build_services(app)
    escalating = asyncio.create_task(_escalations(app, services, stop))
    try:
        await services.sender.run_forever(stop)
    finally:
        # The loop ends at its next wait; a round under way finishes (or rolls back) first.
        stop.set()
        await asyncio.gather(escalating, return_exceptions=True)
        await services.close()


async def serve(app: App, stop: asyncio.Event | None = None, started: asyncio.Event | None = None) -> None:
    """Serve until stopped: web (webhooks), Telegram polling when no webhook URL is set, the sender."""
    stop = stop or asyncio.Event()
    services = build_services(app)
    config = uvicorn.Config(services.web, host=app.settings.host, port=app.settings.port, log_level="warning")
    server = uvicorn.Server(config)
    tasks = [
        asyncio.create_task(services.sender.run_forever(stop)),
        asyncio.create_task(_escalations(app, services, stop)),
    ]
    # Long polls hold nothing uncommitted (an update counts only once handled): cancelled on stop.
    pollers: list[asyncio.Task[None]] = []
    if services.telegram is not None:
        try:
            await register_commands(services.telegram.bot)
        except Exception as error:  # the menu of commands is a nicety; serving goes on without it
            log.warning("could not register bot commands: %s", type(error).__name__)
        if not app.settings.telegram_webhook_url:
            pollers.append(asyncio.create_task(services.telegram.poll(stop)))
    if services.zalo_bot is not None and not app.settings.zalo_webhook_secret:
        async with app.uow() as uow:
            registered = await uow.meta.get(ZALO_SECRET_KEY)
        if not registered:
            pollers.append(asyncio.create_task(services.zalo_bot.poll(stop)))
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
    for poller in pollers:
        poller.cancel()
    await asyncio.gather(server_task, *tasks, *pollers, return_exceptions=True)
    stopper.cancel()
    await services.close()
