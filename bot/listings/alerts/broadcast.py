"""A published listing's broadcast: its notice written to the outbox once for every matching subscriber.

Publishing queues the broadcast (bot/listings/service.py, in the publishing transaction). The round
walks the matching subscriptions in id order, a batch per transaction: each batch records who was
told (alert_deliveries, UNIQUE per listing and person), writes their notices to the outbox and moves
the broadcast's cursor, all in one commit. A crash loses at most the batch in hand, which the next
round writes again; the UNIQUE key makes a batch written twice (a crash after the commit, two
rounds at once) tell nobody twice. The outbox sender then paces the notices
(bot/messaging/pacing.py). A listing closed or expired before its turn is told to nobody.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import unicodedata
from collections.abc import Callable
from datetime import datetime

from bot.clock import Clock
from bot.listings.alerts.notice import notice
from bot.listings.service import is_open, local_today
from bot.storage.database import Database
from bot.storage.repos.listing_alerts import Subscriber
from bot.storage.unit_of_work import UnitOfWork
from handlers.texts import Texts

log = logging.getLogger(__name__)
BATCH = 500
INTERVAL_SECONDS = 5.0


def same_trade(a: str, b: str) -> bool:
    return " ".join(unicodedata.normalize("NFC", a).casefold().split()) == " ".join(
        unicodedata.normalize("NFC", b).casefold().split()
    )


async def broadcast_batch(
    uow: UnitOfWork, texts: Texts, listing_id: int, *, now: datetime, tz_name: str, batch: int = BATCH
) -> int | None:
    """One batch of a listing's broadcast: the notices written; None once the broadcast is done."""
    run = await uow.listing_alerts.run(listing_id)
    if run is None or run.done_at is not None:
        return None
    listing = await uow.listings.get(listing_id)
    if listing is None or not is_open(listing, local_today(now, tz_name)):
        await uow.listing_alerts.advance(listing_id, run.cursor, now)
        return None
    found = await uow.listing_alerts.subscribers(listing, run.cursor, batch)
    if not found:
        await uow.listing_alerts.advance(listing_id, run.cursor, now)
        return None
    first: dict[int, Subscriber] = {}
    for subscriber in found:
        if not subscriber.trade or same_trade(subscriber.trade, listing.trade):
            first.setdefault(subscriber.conversation_id, subscriber)
    told = await uow.listing_alerts.record_deliveries(listing_id, list(first), now)
    place = ""
    if listing.locality_id is not None:
        locality = await uow.listings.locality_row(listing.locality_id)
        place = f"{locality.name}, {locality.province}" if locality else ""
    notices = [
        (
            s.channel,
            s.chat_id,
            notice(texts, s.locale, listing, place, s.alert_id).to_payload() | {"listing_id": listing_id},
        )
        for s in first.values()
        if s.conversation_id in told
    ]
    await uow.listing_alerts.add_notices(notices, now)
    await uow.listing_alerts.advance(listing_id, found[-1].alert_id, None)
    return len(notices)


async def broadcast_round(database: Database, texts: Texts, clock: Clock, tz_name: str, *, batch: int = BATCH) -> int:
    """Every queued broadcast to its end, a batch per transaction; how many notices were written."""
    written = 0
    while True:
        async with UnitOfWork(database) as uow:
            runs = await uow.listing_alerts.open_runs(limit=1)
            if not runs:
                return written
            count = await broadcast_batch(uow, texts, runs[0].listing_id, now=clock(), tz_name=tz_name, batch=batch)
            await uow.commit()
        written += count or 0


async def run_alert_rounds(
    database: Database,
    texts: Texts,
    clock: Clock,
    tz_name: str,
    stop: asyncio.Event,
    interval: float = INTERVAL_SECONDS,
    wake: Callable[[], None] | None = None,
) -> None:
    """Every `interval` seconds until `stop`; a failed round is logged and tried next time."""
    while not stop.is_set():
        try:
            written = await broadcast_round(database, texts, clock, tz_name)
            if written:
                log.info("wrote %d listing notices", written)
                if wake is not None:
                    wake()
        except Exception:
            log.exception("the listing alerts round failed; it runs again in %.0f s", interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
