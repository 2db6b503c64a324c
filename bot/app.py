"""Composition root: Settings -> engine -> services -> channels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.faq.knowledge import KnowledgeBase, import_shipped_if_empty
from bot.messaging.outbox import OutboxSender, Transport
from bot.messaging.pipeline import MessageProcessor
from bot.storage.database import Database, migrate, open_database
from bot.storage.unit_of_work import UnitOfWork
from handlers.context import CoreSettings
from handlers.texts import Texts
from knowledge_base.bot_texts import load_catalogues
from knowledge_base.lexicon import load_lexicon
from knowledge_base.normalizer import Normalizer


@dataclass
class App:
    settings: Settings
    database: Database
    texts: Texts
    kb: KnowledgeBase
    processor: MessageProcessor
    clock: Clock = field(default=utc_now)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.database)

    def sender(self, transports: Mapping[str, Transport]) -> OutboxSender:
        return OutboxSender(
            self.database, transports, self.clock, max_backoff_seconds=self.settings.outbox_max_backoff_seconds
        )

    async def close(self) -> None:
        await self.database.engine.dispose()


async def create_app(settings: Settings, clock: Clock = utc_now, *, prepare: bool = True) -> App:
    """Build every service once; with prepare, migrate the database and load the shipped content."""
    database = open_database(settings.resolved_database_url())
    texts = Texts(load_catalogues(), settings.default_locale)
    kb = KnowledgeBase(Normalizer(load_lexicon()), settings.match_settings())
    core_settings = CoreSettings(
        max_question_chars=settings.max_question_chars, max_description_chars=settings.max_description_chars
    )
    processor = MessageProcessor(database, kb, texts, clock, core_settings)
    app = App(settings, database, texts, kb, processor, clock)
    if prepare:
        await migrate(database.engine)
        async with app.uow() as uow:
            await import_shipped_if_empty(uow, clock())
            await uow.commit()
    return app
