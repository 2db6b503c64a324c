"""What is kept about a person, across the tables that hold it: counted for them to see, erased
when they ask or when its retention period ends. Nothing here decides *what* to erase: the privacy
service (bot/privacy/) does; these are the statements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update

from bot.storage.models import (
    ConsentTextRow,
    ConversationRow,
    HandoverTokenRow,
    InboundUpdateRow,
    ListingAlertRow,
    MatchLogRow,
    OutboxRow,
    RequestEventRow,
    RequestLinkRow,
    RequestLookupRow,
    RequestRow,
    UserNotificationRow,
)
from bot.storage.repos.base import _Repo
from bot.storage.repos.listing_alerts import ListingAlertRepo

# Rows still on their way out: a retention run never touches them.
_IN_FLIGHT = ("pending", "sending", "started", "held")
# What an event's data may keep once its request is erased: no text anyone wrote.
_EVENT_FACTS = frozenset({"from", "to", "status", "outbox_id", "agency", "rule_id", "scope"})


class PrivacyRepo(_Repo):
    # -- one person -----------------------------------------------------------------------------

    async def requests_of(self, conversation_id: int) -> list[RequestRow]:
        statement = select(RequestRow).where(RequestRow.conversation_id == conversation_id).order_by(RequestRow.id)
        return list((await self._session.execute(statement)).scalars())

    async def chat_messages(self, channel: str, chat_id: str) -> int:
        """The person's messages and the bot's kept for the chat (sent or not)."""
        statement = select(func.count()).where(OutboxRow.channel == channel, OutboxRow.chat_id == chat_id)
        return int((await self._session.execute(statement)).scalar_one())

    async def questions(self, pseudonyms: Sequence[str]) -> int:
        if not pseudonyms:
            return 0
        statement = select(func.count()).where(MatchLogRow.pseudonym.in_(list(pseudonyms)))
        return int((await self._session.execute(statement)).scalar_one())

    async def forget_chat(self, channel: str, chat_id: str, since: datetime) -> int:
        """The chat's kept messages from `since` on, deleted (their delivery attempts go with them)."""
        result = await self._session.execute(
            delete(OutboxRow).where(
                OutboxRow.channel == channel, OutboxRow.chat_id == chat_id, OutboxRow.created_at >= since
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def forget_questions(self, pseudonyms: Sequence[str]) -> int:
        if not pseudonyms:
            return 0
        result = await self._session.execute(delete(MatchLogRow).where(MatchLogRow.pseudonym.in_(list(pseudonyms))))
        return int(getattr(result, "rowcount", 0) or 0)

    async def forget_conversation(self, conversation: ConversationRow) -> None:
        conversation.user_id = ""
        conversation.state = {"locale": conversation.locale, "greeted": True}
        conversation.awaiting_code = conversation.awaiting_since = None
        # The requests it opened with a code and phone no longer lead here, nor do its tries count.
        await self._session.execute(delete(RequestLinkRow).where(RequestLinkRow.conversation_id == conversation.id))
        await self._session.execute(delete(RequestLookupRow).where(RequestLookupRow.conversation_id == conversation.id))
        # Nor does a link it was offered to move elsewhere still work.
        await self._session.execute(delete(HandoverTokenRow).where(HandoverTokenRow.conversation_id == conversation.id))
        # Nor is the person told of new listings any more, and who was told of which goes too.
        await ListingAlertRepo(self._session).forget(conversation.id)
        await self._session.flush()

    async def erase_request(self, row: RequestRow, now: datetime, *, unlink: bool) -> None:
        """Personal fields and every text of the request gone; the row stays to be counted, and with
        `unlink` no longer leads to the person's conversation."""
        row.description = row.phone = row.name = row.contact_time = ""
        row.search_text = row.code.lower()
        if unlink:
            row.conversation_id = None
        # No other chat keeps a way to it: an erased request is no one's to open with a code and phone.
        await self._session.execute(delete(RequestLinkRow).where(RequestLinkRow.request_id == row.id))
        await self._session.execute(
            update(ConversationRow).where(ConversationRow.awaiting_code == row.code).values(awaiting_code=None)
        )
        row.erased_at = now
        row.updated_at = now
        events = await self._session.execute(select(RequestEventRow).where(RequestEventRow.request_id == row.id))
        for event in events.scalars():
            event.data = {key: value for key, value in (event.data or {}).items() if key in _EVENT_FACTS}
        await self._session.execute(
            update(UserNotificationRow).where(UserNotificationRow.request_id == row.id).values(data={})
        )
        # Posts and messages not yet sent are not sent; those sent keep only their platform id
        # (a staff reply to one still finds the request, and is refused).
        await self._session.execute(
            delete(OutboxRow).where(OutboxRow.request_id == row.id, OutboxRow.status.in_(_IN_FLIGHT))
        )
        await self._session.execute(update(OutboxRow).where(OutboxRow.request_id == row.id).values(payload={}))
        await self._session.flush()

    async def remember_consent(self, version: str, locale: str, text: str, now: datetime) -> None:
        values = {"version": version, "locale": locale, "text": text, "first_used_at": now}
        await self._insert_unless_present(ConsentTextRow, values, ["version"])

    async def consent_text(self, version: str) -> ConsentTextRow | None:
        return await self._session.get(ConsentTextRow, version)

    # -- retention ------------------------------------------------------------------------------

    async def closed_requests_before(self, statuses: Sequence[str], cutoff: datetime) -> list[RequestRow]:
        statement = select(RequestRow).where(
            RequestRow.status.in_(list(statuses)), RequestRow.updated_at < cutoff, RequestRow.erased_at.is_(None)
        )
        return list((await self._session.execute(statement)).scalars())

    async def old_messages(self, cutoff: datetime, *, delete_them: bool) -> int:
        """Kept messages (people's, the bot's, agency posts) older than `cutoff` and done with."""
        where = (OutboxRow.created_at < cutoff, OutboxRow.status.not_in(_IN_FLIGHT))
        if not delete_them:
            return int((await self._session.execute(select(func.count()).where(*where))).scalar_one())
        result = await self._session.execute(delete(OutboxRow).where(*where))
        return int(getattr(result, "rowcount", 0) or 0)

    async def idle_conversations(self, cutoff: datetime) -> list[ConversationRow]:
        """Conversations silent since before `cutoff` that still hold what the person told the bot.

        Not those with a subscription to new listings: the person asked to be written to until they
        say stop (every notice carries the button), so their silence is no sign they are done."""
        subscribed = select(ListingAlertRow.id).where(ListingAlertRow.conversation_id == ConversationRow.id).exists()
        statement = select(ConversationRow).where(
            ConversationRow.updated_at < cutoff, ConversationRow.user_id != "", ~subscribed
        )
        return list((await self._session.execute(statement)).scalars())

    async def old_pseudonyms(self, cutoff: datetime, *, drop_them: bool) -> int:
        where = (MatchLogRow.created_at < cutoff, MatchLogRow.pseudonym.is_not(None))
        if not drop_them:
            return int((await self._session.execute(select(func.count()).where(*where))).scalar_one())
        result = await self._session.execute(update(MatchLogRow).where(*where).values(pseudonym=None))
        return int(getattr(result, "rowcount", 0) or 0)

    async def old_updates(self, cutoff: datetime, *, delete_them: bool) -> int:
        """Platform update ids kept to drop redeliveries: no platform redelivers after days."""
        where = (InboundUpdateRow.received_at < cutoff,)
        if not delete_them:
            return int((await self._session.execute(select(func.count()).where(*where))).scalar_one())
        result = await self._session.execute(delete(InboundUpdateRow).where(*where))
        return int(getattr(result, "rowcount", 0) or 0)
