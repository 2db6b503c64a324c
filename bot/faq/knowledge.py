"""The knowledge base as the running process sees it: built from the database, rebuilt on change."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from bot.storage.repos.meta import KB_REVISION
from bot.storage.unit_of_work import UnitOfWork
from knowledge_base.faq import FaqEntry, load_directory
from knowledge_base.matcher import Matcher, MatchSettings
from knowledge_base.normalizer import Normalizer


class KnowledgeBase:
    """Holds one Matcher per knowledge-base revision; every worker picks up an edit on its next message."""

    def __init__(self, normalizer: Normalizer, settings: MatchSettings) -> None:
        self.normalizer = normalizer
        self.settings = settings
        self._matcher: Matcher | None = None
        self._revision: str | None = None
        self._lock = asyncio.Lock()
        # Set by a serving process once start-up is frozen (bot.runtime.warm_up): each rebuilt index is
        # frozen too. Not in tests and commands, whose garbage would be frozen with it.
        self.freeze_rebuilds = False

    async def current(self, uow: UnitOfWork) -> Matcher:
        return await self.at_revision(uow, await uow.meta.get(KB_REVISION))

    async def at_revision(self, uow: UnitOfWork, revision: str | None) -> Matcher:
        """The matcher of `revision` (read by the caller, e.g. in the statement that opened a message's
        conversation), rebuilt from the database when that is not the one held."""
        if self._matcher is not None and revision == self._revision:
            return self._matcher
        async with self._lock:
            if self._matcher is None or revision != self._revision:
                with _long_lived(freeze=self.freeze_rebuilds):
                    self._matcher = Matcher(await uow.faq.all(), self.normalizer, self.settings)
                self._revision = revision
        return self._matcher


@contextmanager
def _long_lived(*, freeze: bool) -> Iterator[None]:
    """What is built inside lives until the next edit of the knowledge base. It is built with the
    collector off (collecting while a 5,000-entry index grows walks it again and again) and, with
    `freeze`, frozen after (gc.freeze), so that no later collection walks it."""
    gc.disable()
    try:
        yield
    finally:
        # Frozen before the collector is back: else its first young collection walks all of it (81 ms
        # after a 5,000-entry build).
        if freeze:
            gc.freeze()
        gc.enable()


async def import_entries(uow: UnitOfWork, entries: Sequence[FaqEntry], now: datetime, author: str) -> tuple[int, int]:
    created, updated = await uow.faq.upsert_all(entries, now, author)
    if created or updated:
        await uow.meta.bump(KB_REVISION)
        await uow.audit.add(
            author, "kb.import", f"{len(entries)} entries", now, after={"created": created, "updated": updated}
        )
    return created, updated


async def import_shipped_if_empty(uow: UnitOfWork, now: datetime) -> int:
    """First start: the shipped content becomes the database's knowledge base. Later starts: nothing."""
    if await uow.faq.count():
        return 0
    created, _ = await import_entries(uow, load_directory(), now, "system:init")
    return created
