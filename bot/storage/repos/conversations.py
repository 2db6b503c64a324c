"""Conversations, and the platform updates already handled (a redelivery is recognised and dropped)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, DateTime, String, TextClause, bindparam, column, insert, select, text, update

from bot.storage.models import ConversationRow, InboundUpdateRow, Meta, OutboxRow, RequestLinkRow, RequestRow
from bot.storage.repos.base import _Repo
from bot.storage.repos.meta import KB_REVISION
from handlers.domain import Awaiting


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
            self._session.expunge(row)
            return OpenedConversation(row, meta.value if meta else None)
        statement = _OPEN_WITH_UPDATE_ROWS if update_id else _OPEN_ROWS
        params = {"channel": channel, "chat_id": chat_id, "user_id": user_id, "now": now, "update_id": update_id}
        found = (await self._session.execute(statement, {**params, "kb_key": KB_REVISION})).first()
        if found is None:
            return None
        # Not tracked: the turn's changes to it are written by save_turn (or save_counts) in one
        # statement, not by an UPDATE of the unit of work's own before every later statement.
        self._session.expunge(found[0])
        return OpenedConversation(found[0], found[1])

    async def save_turn(
        self,
        conversation: ConversationRow,
        state: dict[str, Any],
        locale: str,
        now: datetime,
        outbox: Sequence[dict[str, Any]],
    ) -> None:
        """The conversation's new state (its flood count too, as bot.messaging.flood left it on the row)
        and the turn's outbox rows (OutboxRepo.values): one statement on PostgreSQL (the update in a
        CTE), two elsewhere."""
        params: dict[str, Any] = {"id": conversation.id, "state": state, "locale": locale, "now": now}
        params.update({column: getattr(conversation, column) for column in _FLOOD_COLUMNS})
        if self.dialect != "postgresql":
            await self._session.execute(_SAVE, params)
            if outbox:
                await self._session.execute(insert(OutboxRow), list(outbox))
            return
        for n, row in enumerate(outbox):
            params.update({f"{key}_{n}": value for key, value in row.items()})
        await self._session.execute(_save_with_outbox(len(outbox)), params)

    async def save_counts(self, conversation: ConversationRow) -> None:
        """A held-back message's only change: the chat's flood count (bot.messaging.flood)."""
        values = {column: getattr(conversation, column) for column in _FLOOD_COLUMNS}
        await self._session.execute(update(ConversationRow).where(ConversationRow.id == conversation.id).values(values))

    async def get_for_update(self, channel: str, chat_id: str) -> ConversationRow | None:
        statement = (
            select(ConversationRow)
            .where(ConversationRow.channel == channel, ConversationRow.chat_id == chat_id)
            .with_for_update()
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def find(self, channel: str, chat_id: str) -> ConversationRow | None:
        """A conversation to read (a page showing its language or step), without locking it."""
        statement = select(ConversationRow).where(
            ConversationRow.channel == channel, ConversationRow.chat_id == chat_id
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

    @staticmethod
    def awaiting(row: ConversationRow) -> Awaiting | None:
        """The request whose staff last wrote to this chat, from the row the message opened (no query:
        it came back with the conversation's lock)."""
        if not row.awaiting_code or row.awaiting_since is None:
            return None
        since = row.awaiting_since
        return Awaiting(row.awaiting_code, since if since.tzinfo else since.replace(tzinfo=UTC))

    async def following(self, request: RequestRow) -> list[ConversationRow]:
        """Where the request's news goes: the conversation that sent it, then those that opened it
        with its code and phone, in the order they did; none once it is erased."""
        origin = await self.get(request.conversation_id)
        if origin is None:
            return []
        statement = (
            select(ConversationRow)
            .join(RequestLinkRow, RequestLinkRow.conversation_id == ConversationRow.id)
            .where(RequestLinkRow.request_id == request.id, ConversationRow.id != origin.id)
            .order_by(RequestLinkRow.id)
        )
        return [origin, *(await self._session.execute(statement)).scalars()]

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


# The hot path's statements on PostgreSQL, written out: SQLAlchemy's dialect constructs for ON CONFLICT
# and INSERT ... SELECT cannot be cached, and compiling them again took a fifth of a worker's CPU.
_CONVERSATION = """
    INSERT INTO conversations (channel, chat_id, user_id, locale, state, unreachable, created_at, updated_at)
    SELECT :channel, :chat_id, :user_id, 'vi', '{}', false, :now, :now CONDITION
    ON CONFLICT (channel, chat_id) DO UPDATE SET channel = excluded.channel
    RETURNING conversations.*, (SELECT value FROM meta WHERE key = :kb_key) AS kb_revision
    """
_SEEN = """
    WITH seen AS (
        INSERT INTO inbound_updates (channel, update_id, received_at) VALUES (:channel, :update_id, :now)
        ON CONFLICT (channel, update_id) DO NOTHING RETURNING id
    )
"""
_RETURNED = (*ConversationRow.__table__.c, column("kb_revision", String))
_NOW = bindparam("now", type_=DateTime(timezone=True))
# The conflict's no-op update takes the row lock that SELECT ... FOR UPDATE would, and returns the row.
_OPEN = text(_CONVERSATION.replace("CONDITION", "")).bindparams(_NOW).columns(*_RETURNED)
_OPEN_WITH_UPDATE = (
    text(_SEEN + _CONVERSATION.replace("CONDITION", "WHERE EXISTS (SELECT 1 FROM seen)"))
    .bindparams(_NOW)
    .columns(*_RETURNED)
)
# Built once: constructing the ORM statement around the text again for every message is measurable.
_OPEN_ROWS = select(ConversationRow, column("kb_revision", String)).from_statement(_OPEN)
_OPEN_WITH_UPDATE_ROWS = select(ConversationRow, column("kb_revision", String)).from_statement(_OPEN_WITH_UPDATE)
_FLOOD_COLUMNS = ("burst_started_at", "burst_count", "flood_notice_at")
_SAVE_SQL = (
    "UPDATE conversations SET state = :state, locale = :locale, updated_at = :now, unreachable = false,"
    " burst_started_at = :burst_started_at, burst_count = :burst_count, flood_notice_at = :flood_notice_at"
    " WHERE id = :id"
)
_FLOOD_TIMES = (
    bindparam("burst_started_at", type_=DateTime(timezone=True)),
    bindparam("flood_notice_at", type_=DateTime(timezone=True)),
)
_SAVE = text(_SAVE_SQL).bindparams(bindparam("state", type_=JSON), _NOW, *_FLOOD_TIMES)
_OUTBOX_COLUMNS = (
    "channel",
    "chat_id",
    "kind",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "request_id",
    "created_at",
    "sent_at",
)


@lru_cache(maxsize=16)
def _save_with_outbox(rows: int) -> TextClause:
    """The state update and `rows` outbox rows in one statement (the update in a CTE)."""
    if not rows:
        return _SAVE
    values = ", ".join("(" + ", ".join(f":{c}_{n}" for c in _OUTBOX_COLUMNS) + ")" for n in range(rows))
    # Only constant column names and a count go into the text; every value is a bound parameter.
    sql = f"WITH saved AS ({_SAVE_SQL}) INSERT INTO outbox ({', '.join(_OUTBOX_COLUMNS)}) VALUES {values}"  # noqa: S608
    typed = [bindparam("state", type_=JSON), _NOW, *_FLOOD_TIMES]
    for n in range(rows):
        typed.append(bindparam(f"payload_{n}", type_=JSON))
        typed += [
            bindparam(f"{c}_{n}", type_=DateTime(timezone=True)) for c in ("next_attempt_at", "created_at", "sent_at")
        ]
    return text(sql).bindparams(*typed)
