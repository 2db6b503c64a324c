"""The retention round: what has been kept long enough is erased, by kind.

- closed requests (resolved, closed, cancelled) `retention_request_days` after they closed: their
  personal fields and texts, as when the person asks (bot/privacy/service.py);
- kept messages (web-chat transcripts, the bot's replies, agency posts) and idle conversations'
  drafts after `retention_transcript_days`, with the platform update ids kept against redelivery;
- the question log's pseudonyms after `retention_pseudonym_days` (the questions stay, masked, with
  nothing left to say they came from one person).

`hoanhap retention run --dry-run` counts what a round would erase without erasing it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.config import Settings
from bot.privacy.service import erase_request
from bot.storage.database import Database
from bot.storage.unit_of_work import UnitOfWork
from handlers.domain import CLOSING_STATUSES

log = logging.getLogger(__name__)
RETENTION_ACTOR = "retention"


@dataclass(frozen=True)
class RetentionReport:
    """How many of each kind a round erased (or, dry, would erase)."""

    requests: int
    messages: int
    conversations: int
    pseudonyms: int
    update_ids: int
    dry_run: bool

    def to_dict(self) -> dict[str, int | bool]:
        return asdict(self)

    @property
    def erased_anything(self) -> bool:
        return any((self.requests, self.messages, self.conversations, self.pseudonyms, self.update_ids))


async def run_retention(uow: UnitOfWork, settings: Settings, now: datetime, *, dry_run: bool) -> RetentionReport:
    """One round in the caller's unit of work (which commits it, or rolls a dry run back)."""
    request_cutoff = now - timedelta(days=settings.retention_request_days)
    transcript_cutoff = now - timedelta(days=settings.retention_transcript_days)
    pseudonym_cutoff = now - timedelta(days=settings.retention_pseudonym_days)
    requests = await uow.privacy.closed_requests_before(CLOSING_STATUSES, request_cutoff)
    conversations = await uow.privacy.idle_conversations(transcript_cutoff)
    if not dry_run:
        for row in requests:
            await erase_request(uow, row, now, actor=RETENTION_ACTOR)
        for conversation in conversations:
            await uow.privacy.forget_conversation(conversation)
    return RetentionReport(
        requests=len(requests),
        messages=await uow.privacy.old_messages(transcript_cutoff, delete_them=not dry_run),
        conversations=len(conversations),
        pseudonyms=await uow.privacy.old_pseudonyms(pseudonym_cutoff, drop_them=not dry_run),
        update_ids=await uow.privacy.old_updates(transcript_cutoff, delete_them=not dry_run),
        dry_run=dry_run,
    )


async def retention_round(database: Database, settings: Settings, now: datetime) -> RetentionReport:
    async with UnitOfWork(database) as uow:
        report = await run_retention(uow, settings, now, dry_run=False)
        await uow.commit()
    if report.erased_anything:
        await database.scrub()
        log.info("retention round: %s", report.to_dict())
    return report


async def run_retention_rounds(database: Database, settings: Settings, clock: Clock, stop: asyncio.Event) -> None:
    """Every `retention_interval_hours` until `stop`; a failed round is logged and tried next time."""
    interval = settings.retention_interval_hours * 3600
    while not stop.is_set():
        try:
            await retention_round(database, settings, clock())
        except Exception:
            log.exception("the retention round failed; it runs again in %.0f s", interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
