"""Handover tokens, and the move itself: a conversation's requests, links, reply window and unread
request news taken over by another conversation, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select, update

from bot.storage.models import ConversationRow, HandoverTokenRow, OutboxRow, RequestLinkRow, RequestRow
from bot.storage.repos.base import _Repo


class HandoverRepo(_Repo):
    async def issued_since(self, conversation_id: int, since: datetime) -> int:
        statement = select(func.count()).where(
            HandoverTokenRow.conversation_id == conversation_id, HandoverTokenRow.created_at >= since
        )
        return int((await self._session.execute(statement)).scalar_one())

    async def add(self, digest: str, conversation_id: int, channel: str, now: datetime, expires_at: datetime) -> None:
        self._session.add(
            HandoverTokenRow(
                digest=digest, conversation_id=conversation_id, channel=channel, created_at=now, expires_at=expires_at
            )
        )
        await self._session.flush()

    async def purge(self, before: datetime) -> None:
        """Tokens that expired before `before`: they can only be refused, and the count looks back less."""
        await self._session.execute(delete(HandoverTokenRow).where(HandoverTokenRow.expires_at < before))

    async def take(self, digest: str) -> HandoverTokenRow | None:
        """The token with this digest, locked until the commit: two chats handing it back at once are
        served one after the other, and the second finds it used."""
        statement = select(HandoverTokenRow).where(HandoverTokenRow.digest == digest).with_for_update()
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def source(self, conversation_id: int) -> ConversationRow | None:
        statement = select(ConversationRow).where(ConversationRow.id == conversation_id).with_for_update()
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def move(self, source: ConversationRow, target: ConversationRow, now: datetime) -> list[str]:
        """Everything that tells `source` about requests now tells `target`; the codes moved, oldest first."""
        linked = select(RequestLinkRow.request_id).where(RequestLinkRow.conversation_id == source.id)
        statement = (
            select(RequestRow)
            .where(or_(RequestRow.conversation_id == source.id, RequestRow.id.in_(linked)))
            .order_by(RequestRow.id)
        )
        requests = list((await self._session.execute(statement)).scalars())
        await self._session.execute(
            update(RequestRow).where(RequestRow.conversation_id == source.id).values(conversation_id=target.id)
        )
        # A link the target already has stays; the source's goes (it would be a second one).
        already = select(RequestLinkRow.request_id).where(RequestLinkRow.conversation_id == target.id)
        await self._session.execute(
            delete(RequestLinkRow).where(
                RequestLinkRow.conversation_id == source.id, RequestLinkRow.request_id.in_(already)
            )
        )
        await self._session.execute(
            update(RequestLinkRow).where(RequestLinkRow.conversation_id == source.id).values(conversation_id=target.id)
        )
        await self._move_awaiting(source, target)
        # Request news the web page has not fetched yet: the person reads it where they went.
        await self._session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.channel == source.channel,
                OutboxRow.chat_id == source.chat_id,
                OutboxRow.status == "pending",
                OutboxRow.kind == "message",
                OutboxRow.request_id.is_not(None),
            )
            .values(channel=target.channel, chat_id=target.chat_id, next_attempt_at=now)
        )
        await self._session.flush()
        return [r.code for r in requests]

    async def _move_awaiting(self, source: ConversationRow, target: ConversationRow) -> None:
        # The target row is the pipeline's own (not tracked): written by a statement, which its state
        # save leaves alone (it writes neither column).
        if source.awaiting_code and source.awaiting_since is not None:
            await self._session.execute(
                update(ConversationRow)
                .where(ConversationRow.id == target.id)
                .values(awaiting_code=source.awaiting_code, awaiting_since=source.awaiting_since)
            )
        source.awaiting_code, source.awaiting_since = None, None
