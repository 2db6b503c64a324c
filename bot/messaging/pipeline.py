"""One incoming message, one transaction: dedupe, state, core, outbox, commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot import metrics
from bot.channels.notifiers import Notifiers
from bot.clock import Clock
from bot.faq.knowledge import KnowledgeBase
from bot.listings.chat import ListingsChat
from bot.listings.words import ListingWords
from bot.messaging import flood
from bot.messaging.handover import HandoverService
from bot.messaging.notify import enqueue_agency
from bot.messaging.sanitise import DEFAULT_LIMIT, sanitise
from bot.privacy.pseudonyms import Pseudonyms
from bot.privacy.service import PersonDataService
from bot.storage.database import Database
from bot.storage.errors import DatabaseUnavailable, DuplicateRow
from bot.storage.models import ConversationRow
from bot.storage.unit_of_work import UnitOfWork
from handlers import core
from handlers.context import Context, CoreSettings
from handlers.messages import IncomingMessage, OutgoingMessage
from handlers.state import ConversationState
from handlers.texts import Texts
from knowledge_base.matcher import Matcher

log = logging.getLogger(__name__)
# Outbox rows of this kind are the person's own messages, kept for a channel's transcript.
INCOMING = "incoming"
# Lost races (a conversation created twice at once, a busy SQLite file) are retried from the start.
_ATTEMPTS = 5


@dataclass
class MessageProcessor:
    database: Database
    kb: KnowledgeBase
    texts: Texts
    clock: Clock
    settings: CoreSettings
    # Called after each commit that wrote to the outbox (wakes an in-process sender).
    on_commit: Callable[[], None] = lambda: None
    # How far back a person's pseudonyms in the question log may reach (the retention period).
    pseudonym_days: int = 180
    pseudonyms: Pseudonyms = field(default_factory=Pseudonyms)
    # Every text is cut to this at the door (Settings.max_message_chars).
    max_text: int = DEFAULT_LIMIT
    # Per-chat burst allowance (Settings.flood_messages per flood_window_seconds).
    flood_limits: flood.FloodLimits = field(default_factory=flood.FloodLimits)
    # Where a web chat may move to (Telegram): its one-time links' minutes, and how many an hour.
    notifiers: Notifiers = field(default_factory=Notifiers)
    handover_minutes: int = 30
    handover_per_hour: int = 5
    # What free-text questions are matched on to show listings beside the answer (loaded with the
    # pseudonym key, reloaded every few minutes).
    listing_words: ListingWords = field(default_factory=ListingWords)

    async def process(self, message: IncomingMessage) -> bool:
        """Handle a message exactly once; False when its update id was seen before.

        When this returns, the replies are committed to the outbox (or were already, for a
        redelivery). An exception means nothing was committed and the platform should redeliver.
        """
        # The one door of every channel: what the core and the database see is clean from here on.
        message = sanitise(message, self.max_text)
        metrics.updates_received.labels(message.channel).inc()
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return await self._process_once(message)
            except (DuplicateRow, DatabaseUnavailable) as error:
                if attempt == _ATTEMPTS or not (isinstance(error, DuplicateRow) or error.transient):
                    raise
                log.info("retrying message on %s after a lost race (attempt %d)", message.channel, attempt)
        raise AssertionError("unreachable")

    async def _process_once(self, message: IncomingMessage) -> bool:
        async with UnitOfWork(self.database) as uow:
            now = self.clock()
            opened = await uow.conversations.open_for_message(
                message.channel, message.update_id, message.chat_id, message.user_id, now
            )
            if opened is None:
                metrics.updates_duplicate.labels(message.channel).inc()
                return False
            if await flood.hold_back(uow, opened.row, now, self.flood_limits, self.texts):
                await uow.conversations.save_counts(opened.row)
                await uow.commit()  # seen (its update id kept), counted, maybe the one notice; no more
                self.on_commit()
                return True
            await self.pseudonyms.load(uow)
            await self.listing_words.load(uow, now)
            ctx = self._context(uow, message, opened.row, await self.kb.at_revision(uow, opened.kb_revision), now)
            try:
                replies = await core.handle(message, ctx)
            except Exception:
                log.exception("the core failed on a message from %s", message.channel)
                await uow.rollback()
                replies = None
            if replies is not None:
                await self._save(uow, message, opened.row, ctx, replies, now)
                await uow.commit()
                self.on_commit()
        if replies is not None:
            if ctx.forget_since is not None:
                # Outside the unit of work: on SQLite the checkpoint waits for every one to close.
                await self.database.scrub()
            return True
        # Outside the failed unit of work: on SQLite a second one inside it would wait on itself.
        return await self._apologise(message)

    def _context(
        self, uow: UnitOfWork, message: IncomingMessage, conversation: ConversationRow, kb: Matcher, now: datetime
    ) -> Context:
        return Context(
            channel=message.channel,
            conversation_id=conversation.id,
            now=now,
            state=ConversationState.from_dict(conversation.state),
            texts=self.texts,
            kb=kb,
            match_log=metrics.CountedMatchLog(uow.match_log),
            requests=uow.requests,
            localities=uow.localities,
            agencies=uow.agencies,
            rules=uow.rules,
            privacy=PersonDataService(uow, self.pseudonyms, self.pseudonym_days),
            settings=self.settings,
            pseudonym=self.pseudonyms.of(conversation.id, now),
            awaiting=uow.conversations.awaiting(conversation),
            handover=HandoverService(uow, self.notifiers, self.texts, self.handover_minutes, self.handover_per_hour),
            alerts=uow.listing_alerts,
            listings=ListingsChat(uow, self.settings.timezone, self.listing_words),
        )

    async def _save(
        self,
        uow: UnitOfWork,
        message: IncomingMessage,
        conversation: ConversationRow,
        ctx: Context,
        replies: list[OutgoingMessage],
        now: datetime,
    ) -> None:
        """The turn's state and outbox rows in one statement, then the agencies' notifications."""
        if ctx.forget_since is not None:
            # This message's own words go with the rest: it is not kept either.
            await uow.privacy.forget_chat(message.channel, message.chat_id, ctx.forget_since)
        rows = []
        if message.echo and ctx.forget_since is None:
            payload = {"text": message.echo}
            rows.append(
                uow.outbox.values(message.channel, message.chat_id, payload, now, kind=INCOMING, status="delivered")
            )
        rows += [uow.outbox.values(message.channel, message.chat_id, reply.to_payload(), now) for reply in replies]
        await uow.conversations.save_turn(conversation, ctx.state.to_dict(), ctx.state.locale, now, rows)
        for notification in ctx.notifications:
            await enqueue_agency(uow, self.texts, notification, now)

    async def _apologise(self, message: IncomingMessage) -> bool:
        """A bug must not make the platform redeliver the same message forever: say sorry, move on."""
        async with UnitOfWork(self.database) as uow:
            now = self.clock()
            if message.update_id and not await uow.inbound.record(message.channel, message.update_id, now):
                return False
            text = self.texts.get(self.texts.default_locale, "internal_error")
            await uow.outbox.add(message.channel, message.chat_id, OutgoingMessage(text).to_payload(), now)
            await uow.commit()
        self.on_commit()
        return True
