"""Conversations, and the platform updates already handled (a redelivery is recognised and dropped)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, column, exists, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from bot.storage.models import ConversationRow, InboundUpdateRow, Meta, OutboxRow
from bot.storage.repos.base import _Repo
from bot.storage.repos.meta import KB_REVISION


@dataclass(frozen=True)
class OpenedConversation:
    """The conversation a new update belongs to, locked until the commit, and the knowledge-base
    revision at that moment (read in the same statement: it decides whether the matcher is current)."""

    row: ConversationRow
    kb_revision: str | None


class InboundRepo(_Repo):
    async def record(self, channel: str, update_id: str, now: datetime) -> bool:
        """True the first time an update is seen; False for a redelivery (nothing is then done)."""
        values = {"channel": channel, "update_id": update_id, "received_at": now}
        return await self._insert_unless_present(InboundUpdateRow, values, ["channel", "update_id"])


class ConversationRepo(_Repo):
    async def open_for_message(
        self, channel: str, update_id: str, chat_id: str, user_id: str, now: datetime
    ) -> OpenedConversation | None:
        """Record the update as seen, then create or lock its conversation; None for a redelivery.

        On PostgreSQL this is one statement (the update recorded in a CTE, the conversation upserted
        only if that inserted a row, the revision in RETURNING): the hot path's round trips are most
        of a message's cost. Elsewhere (SQLite, in-process) the same in three statements."""
        if self.dialect != "postgresql":
            if update_id and not await InboundRepo(self._session).record(channel, update_id, now):
                return None
            row = await self.get_or_create(channel, chat_id, user_id, now)
            meta = await self._session.get(Meta, KB_REVISION)
            return OpenedConversation(row, meta.value if meta else None)
        values = _new_conversation(channel, chat_id, user_id, now)
        source = select(*(literal(v, ConversationRow.__table__.c[k].type) for k, v in values.items()))
        if update_id:
            seen = (
                pg_insert(InboundUpdateRow)
                .values(channel=channel, update_id=update_id, received_at=now)
                .on_conflict_do_nothing(index_elements=["channel", "update_id"])
                .returning(InboundUpdateRow.id)
                .cte("seen")
            )
            source = source.where(exists(select(seen.c.id)))
        upsert = pg_insert(ConversationRow).from_select(list(values), source)
        revision = select(Meta.value).where(Meta.key == KB_REVISION).scalar_subquery().label("kb_revision")
        # A no-op update: it takes the row lock that SELECT ... FOR UPDATE would, and returns the row.
        locked = upsert.on_conflict_do_update(
            index_elements=["channel", "chat_id"], set_={"channel": upsert.excluded.channel}
        ).returning(ConversationRow, revision)
        statement = select(ConversationRow, column("kb_revision", String)).from_statement(locked)
        found = (await self._session.execute(statement)).first()
        return None if found is None else OpenedConversation(found[0], found[1])

    async def save_turn(
        self, conversation_id: int, state: dict[str, Any], locale: str, now: datetime, outbox: Sequence[dict[str, Any]]
    ) -> None:
        """The conversation's new state and the turn's outbox rows (OutboxRepo.values): one statement
        on PostgreSQL (the update in a CTE), two elsewhere."""
        saved = (
            update(ConversationRow)
            .where(ConversationRow.id == conversation_id)
            .values(state=state, locale=locale, updated_at=now, unreachable=False)
        )
        if not outbox:
            await self._session.execute(saved)
            return
        rows = insert(OutboxRow).values(list(outbox))
        if self.dialect == "postgresql":
            await self._session.execute(rows.add_cte(saved.cte("saved")))
            return
        await self._session.execute(saved)
        await self._session.execute(rows)

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
        values = _new_conversation(channel, chat_id, user_id, now)
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


def _new_conversation(channel: str, chat_id: str, user_id: str, now: datetime) -> dict[str, Any]:
    return {
        "channel": channel,
        "chat_id": chat_id,
        "user_id": user_id,
        "locale": "vi",
        "state": {},
        "unreachable": False,
        "created_at": now,
        "updated_at": now,
    }
