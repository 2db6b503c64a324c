"""The composition root: Settings -> database -> services (`create_app`) -> channels -> web app (`compose`)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.channels.base import Transport
from bot.channels.notifiers import Notifiers
from bot.channels.registry import Channel, configured_channels
from bot.clock import Clock, Sleep, utc_now
from bot.config import Settings
from bot.faq.knowledge import KnowledgeBase, import_shipped_if_empty
from bot.listings.words import ListingWords
from bot.messaging.backpressure import pressure_for
from bot.messaging.flood import FloodLimits
from bot.messaging.outbox import OutboxSender
from bot.messaging.pacing import Pacer
from bot.messaging.pipeline import MessageProcessor
from bot.storage.database import Database, migrate, open_database
from bot.storage.repos.listing_alerts import ALERT_KIND
from bot.storage.unit_of_work import UnitOfWork
from handlers.context import CoreSettings
from handlers.texts import Texts
from knowledge_base.bot_texts import load_catalogues
from knowledge_base.lexicon import load_lexicon
from knowledge_base.normalizer import Normalizer

if TYPE_CHECKING:
    from fastapi import FastAPI


# Connections the outbox sender keeps (lease, record, lease renewal, a notice's start): see App.
SENDER_POOL_SIZE = 3


@dataclass
class App:
    settings: Settings
    database: Database
    texts: Texts
    kb: KnowledgeBase
    processor: MessageProcessor
    clock: Clock = field(default=utc_now)
    sleep: Sleep = field(default=asyncio.sleep)
    # The outbox sender's own few connections (PostgreSQL; None: it shares `database`). A burst of
    # webhooks holding every pooled connection then cannot hold the replies back, nor keep the sender
    # from renewing its leases (after which another sender would send its rows a second time).
    sender_database: Database | None = None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.database)

    def sender(self, transports: Mapping[str, Transport], wake: asyncio.Event | None = None) -> OutboxSender:
        sender = OutboxSender(
            self.sender_database or self.database,
            transports,
            self.clock,
            max_backoff_seconds=self.settings.outbox_max_backoff_seconds,
            lease=timedelta(seconds=self.settings.outbox_lease_seconds),
            wake=asyncio.Event() if wake is None else wake,
            sleep=self.sleep,
            reclaim=self.settings.reclaimed_senders(),
            pacer=self.pacer(),
            at_most_once=frozenset({ALERT_KIND}),
        )
        if self.settings.sender_id:
            sender.id = self.settings.sender_id
        return sender

    def pacer(self) -> Pacer:
        settings = self.settings
        rates = {"telegram": settings.telegram_send_rate}
        rates |= {"zalo": settings.zalo_send_rate, "zalo_oa": settings.zalo_send_rate}
        return Pacer(rates, gapped=frozenset({ALERT_KIND}), chat_gap=settings.send_chat_gap_seconds)

    async def close(self) -> None:
        await self.database.engine.dispose()
        if self.sender_database is not None:
            await self.sender_database.engine.dispose()


async def create_app(
    settings: Settings, clock: Clock = utc_now, *, prepare: bool = True, sleep: Sleep = asyncio.sleep
) -> App:
    """Build every service once; with prepare, migrate the database and load the shipped content."""
    url = settings.resolved_database_url()
    database = open_database(url, settings.database_pool_size)
    sender_database = open_database(url, SENDER_POOL_SIZE) if database.serial is None else None
    texts = Texts(load_catalogues(), settings.default_locale)
    kb = KnowledgeBase(Normalizer(load_lexicon()), settings.match_settings())
    core_settings = CoreSettings(
        max_question_chars=settings.max_question_chars,
        max_description_chars=settings.max_description_chars,
        timezone=settings.timezone,
        request_retention_days=settings.retention_request_days,
        max_open_requests=settings.max_open_requests,
        reply_window_days=settings.reply_window_days,
        lookups_per_hour=settings.request_lookups_per_hour,
        lookup_failures_per_hour=settings.request_lookup_failures_per_hour,
    )
    processor = MessageProcessor(
        database,
        kb,
        texts,
        clock,
        core_settings,
        pseudonym_days=settings.retention_pseudonym_days,
        max_text=settings.max_message_chars,
        flood_limits=FloodLimits(settings.flood_messages, settings.flood_window_seconds),
        notifiers=Notifiers.configured(settings),
        handover_minutes=settings.handover_link_minutes,
        handover_per_hour=settings.handover_links_per_hour,
        listing_words=ListingWords(settings.timezone),
    )
    app = App(settings, database, texts, kb, processor, clock, sleep, sender_database)
    if prepare:
        await migrate(database.engine)
        async with app.uow() as uow:
            await import_shipped_if_empty(uow, clock())
            await uow.commit()
    return app


@dataclass
class Services:
    """What `serve` and `worker` run: the web app, the outbox sender, the channels that are set up."""

    web: FastAPI
    sender: OutboxSender
    channels: list[Channel]

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()


def compose(app: App) -> Services:
    """The channels the settings turn on, the sender over their transports, the web app with their
    webhooks. Whatever commits outbox rows in this process wakes the sender at once."""
    # Imported here: bot.web imports App from this module, and only serving needs the web stack.
    from bot.web.app import create_web_app

    wake = asyncio.Event()
    channels = configured_channels(app, wake.set)
    sender = app.sender({channel.kind: channel.transport for channel in channels}, wake)
    app.processor.on_commit = wake.set
    routers = [router for router in (channel.router() for channel in channels) if router is not None]
    web = create_web_app(app, routers)
    # Read by every channel's webhook (bot.channels.webhooks.handle_webhook).
    web.state.outbox_pressure = pressure_for(
        app.database, app.clock, list(sender.transports), app.settings.outbox_backpressure_seconds
    )
    return Services(web, sender, channels)
