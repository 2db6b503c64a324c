"""The core's handover port: one-time links from a web chat to a notifier (Telegram), and the move
when one comes back, inside the message's transaction.

A token is 32 random URL-safe characters (192 bits, inside Telegram's 1-64 of A-Za-z0-9_-), kept as
its sha256 only, good for `minutes` and for one use; a chat may ask for `per_hour` of them an hour.
Handed back on the notifier's channel, it moves the web conversation's requests (its own and those it
opened by code and phone), its reply window and its unread request news to the conversation it came
back in; the web chat is told, the requests' timelines say so, and the audit log records it without
a chat id or anything the person wrote.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.channels.notifiers import TOKEN_PATTERN, Notifiers
from bot.storage.models import ConversationRow
from bot.storage.unit_of_work import UnitOfWork
from handlers.domain import Handover, HandoverResult
from handlers.messages import OutgoingMessage
from handlers.texts import Texts

TOKEN_BYTES = 24
WINDOW = timedelta(hours=1)
AUDIT_ACTION = "conversation.moved"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass
class HandoverService:
    uow: UnitOfWork
    notifiers: Notifiers
    texts: Texts
    minutes: int = 30
    per_hour: int = 5

    def destinations(self, channel: str) -> list[str]:
        return self.notifiers.destinations(channel)

    async def offer(self, conversation_id: int, kind: str, now: datetime) -> Handover:
        notifier = self.notifiers.get(kind)
        if notifier is None or not notifier.ready():
            return Handover(HandoverResult.UNAVAILABLE)
        await self.uow.handover.purge(now - WINDOW)
        if await self.uow.handover.issued_since(conversation_id, now - WINDOW) >= self.per_hour:
            return Handover(HandoverResult.TOO_MANY)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        expires = now + timedelta(minutes=self.minutes)
        await self.uow.handover.add(digest(token), conversation_id, kind, now, expires)
        return Handover(HandoverResult.OFFERED, link=notifier.link(token), minutes=self.minutes)

    async def claim(self, conversation_id: int, channel: str, token: str, now: datetime) -> Handover:
        if not TOKEN_PATTERN.fullmatch(token) or self.notifiers.get(channel) is None:
            return Handover(HandoverResult.INVALID)
        row = await self.uow.handover.take(digest(token))
        if row is None or row.channel != channel or row.conversation_id == conversation_id:
            return Handover(HandoverResult.INVALID)
        if row.used_at is not None:
            return Handover(HandoverResult.USED)
        if _aware(row.expires_at) <= now:
            return Handover(HandoverResult.EXPIRED)
        source = await self.uow.handover.source(row.conversation_id)
        target = await self.uow.conversations.get(conversation_id)
        if source is None or target is None:
            return Handover(HandoverResult.INVALID)
        row.used_at = now
        codes = await self.uow.handover.move(source, target, now)
        for code in codes:
            await self.uow.requests.add_event(code, "moved", now, actor="person", data={"channel": channel})
        await self._tell_source(source, channel, now)
        await self.uow.audit.add(
            "person",
            AUDIT_ACTION,
            f"{source.channel}:{channel}",
            now,
            after={"from": source.channel, "to": channel, "requests": len(codes)},
        )
        return Handover(HandoverResult.MOVED, codes=tuple(codes), locale=source.locale)

    async def _tell_source(self, source: ConversationRow, kind: str, now: datetime) -> None:
        locale = source.locale if self.texts.supports(source.locale) else self.texts.default_locale
        text = self.texts.get(locale, f"handover_moved_away_{kind}")
        await self.uow.outbox.add(source.channel, source.chat_id, OutgoingMessage(text).to_payload(), now)
