"""The follow-up round: `listing_followup_days` after a person registered interest in a listing, the
bot asks them once, through the outbox, "have you started work / the course?" with four buttons
(handlers/flows/listings/followup.py takes the answer). Only people whose request is still theirs:
an erased request (the person deleted their data, or retention did) is never asked about.
Idempotent: a registration is marked asked in the same transaction as its message."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta

from bot.clock import Clock
from bot.storage.database import Database
from bot.storage.repos.listing_people import DueFollowup
from bot.storage.unit_of_work import UnitOfWork
from handlers.flows.listings.followup import followup_choices
from handlers.messages import OutgoingMessage
from handlers.texts import Texts

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 3600.0
BATCH = 200


def question(texts: Texts, due: DueFollowup, title: str) -> OutgoingMessage:
    locale = due.conversation.locale if texts.supports(due.conversation.locale) else texts.default_locale
    text = texts.get(locale, "followup_question", title=title, code=due.request.code)
    return OutgoingMessage(text, followup_choices(texts, locale, due.registration.id))


async def followup_round(database: Database, clock: Clock, texts: Texts, days: int) -> int:
    """Asks every registration due, batch by batch, each in a transaction; how many were asked."""
    asked = 0
    while True:
        now = clock()
        async with UnitOfWork(database) as uow:
            due = await uow.listing_people.due_followups(now - timedelta(days=days), limit=BATCH)
            for item in due:
                listing = await uow.listing_people.listing_of(item.registration)
                message = question(texts, item, listing.title if listing else "")
                conversation = item.conversation
                await uow.outbox.add(
                    conversation.channel, conversation.chat_id, message.to_payload(), now, request_id=item.request.id
                )
                item.registration.followup_asked_at = now
            await uow.listing_people.flush()
            await uow.commit()
        asked += len(due)
        if len(due) < BATCH:
            return asked


async def run_followup_rounds(
    database: Database,
    clock: Clock,
    texts: Texts,
    days: int,
    stop: asyncio.Event,
    on_sent: Callable[[], None] = lambda: None,
    interval: float = INTERVAL_SECONDS,
) -> None:
    """Every `interval` seconds until `stop`; a failed round is logged and tried next time."""
    while not stop.is_set():
        try:
            asked = await followup_round(database, clock, texts, days)
            if asked:
                log.info("asked %d people whether they started work or a course", asked)
                on_sent()
        except Exception:
            log.exception("the listings' follow-up round failed; it runs again in %.0f s", interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
