"""Conversations, and the platform updates already handled (a redelivery is recognised and dropped)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from bot.storage.models import ConversationRow, InboundUpdateRow
from bot.storage.repos.base import _Repo


class InboundRepo(_Repo):
    async def record(self, channel: str, update_id: str, now: datetime) -> bool:
        """True the first time an update is seen; False for a redelivery (nothing is then done)."""
        values = {"channel": channel, "update_id": update_id, "received_at": now}
        return await self._insert_unless_present(InboundUpdateRow, values, ["channel", "update_id"])


class ConversationRepo(_Repo):
    async def get_for_update(self, channel: str, chat_id: str) -> ConversationRow | None:
        statement = (
            select(ConversationRow)
            .where(ConversationRow.channel == channel, ConversationRow.chat_id == chat_id)
            .with_for_update()
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def get_or_create(self, channel: str, chat_id: str, user_id: str, now: datetime) -> ConversationRow:
        row = await self.get_for_update(channel, chat_id)
        if row is not None:
            return row
        values = {
            "channel": channel,
            "chat_id": chat_id,
            "user_id": user_id,
            "locale": "vi",
            "state": {},
            "unreachable": False,
            "created_at": now,
            "updated_at": now,
        }
        await self._insert_unless_present(ConversationRow, values, ["channel", "chat_id"])
        row = await self.get_for_update(channel, chat_id)
        if row is None:  # the insert above made sure of it: only a broken database gets here
            raise LookupError(f"conversation {channel}:{chat_id} vanished after its insert")
        return row

    async def get(self, conversation_id: int | None) -> ConversationRow | None:
        """None for an erased request's missing conversation."""
        if conversation_id is None:
            return None
        return await self._session.get(ConversationRow, conversation_id)

    async def mark_unreachable(self, channel: str, chat_id: str) -> None:
        await self._session.execute(
            update(ConversationRow)
            .where(ConversationRow.channel == channel, ConversationRow.chat_id == chat_id)
            .values(unreachable=True)
        )
