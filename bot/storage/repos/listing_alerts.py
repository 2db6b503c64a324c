"""Listing alerts: a person's subscriptions (the core's alerts port), and the statements a broadcast
walks them with. Never a commit: the caller's unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, distinct, func, insert, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.storage.models import (
    AlertDeliveryRow,
    AlertRunRow,
    ConversationRow,
    ListingAlertRow,
    ListingRow,
    LocalityRow,
    OutboxRow,
)
from bot.storage.repos.base import _Repo
from bot.storage.repos.listings import PUBLISHED
from bot.storage.repos.outbox import OutboxRepo
from handlers.domain import ANY_KIND, Alert

# The outbox kind of a notice: the sender paces it per chat, an unsubscribe drops the unsent ones.
ALERT_KIND = "listing_alert"


@dataclass(frozen=True)
class Subscriber:
    """One person a listing's notice is for, through the first of their subscriptions it matched."""

    alert_id: int
    conversation_id: int
    # "" for any trade; else matched by the broadcast, without regard to case ("Hàn" is "hàn").
    trade: str
    channel: str
    chat_id: str
    locale: str


class ListingAlertRepo(_Repo):
    # -- the person's own (handlers.ports.AlertsPort) -------------------------------------------

    async def of(self, conversation_id: int) -> list[Alert]:
        statement = (
            select(ListingAlertRow, LocalityRow)
            .outerjoin(LocalityRow, LocalityRow.id == ListingAlertRow.locality_id)
            .where(ListingAlertRow.conversation_id == conversation_id)
            .order_by(ListingAlertRow.id)
        )
        return [
            Alert(row.id, row.kind, place.code if place else "", place.name if place else "", row.trade)
            for row, place in (await self._session.execute(statement)).all()
        ]

    async def subscribe(
        self, conversation_id: int, kind: str, locality_code: str, trade: str, now: datetime
    ) -> tuple[Alert, bool] | None:
        """The subscription, and whether it is new (False: the same one was already there); None when
        the commune is unknown. The conversation's row is locked by the message's transaction, so
        two messages of one person never both add it."""
        place = None
        if locality_code:
            place = await self._session.scalar(select(LocalityRow).where(LocalityRow.code == locality_code))
            if place is None:
                return None
        place_id = place.id if place else None
        for alert in await self.of(conversation_id):
            if (alert.kind, alert.locality_code, alert.trade) == (kind, locality_code, trade):
                return alert, False
        row = ListingAlertRow(
            conversation_id=conversation_id, kind=kind, locality_id=place_id, trade=trade, created_at=now
        )
        self._session.add(row)
        await self._session.flush()
        return Alert(row.id, kind, locality_code, place.name if place else "", trade), True

    async def remove(self, conversation_id: int, alert_id: int | None = None) -> int:
        """One subscription (`alert_id`) or every one of the conversation removed, with the notices
        not sent yet; how many subscriptions went."""
        statement = delete(ListingAlertRow).where(ListingAlertRow.conversation_id == conversation_id)
        if alert_id is not None:
            statement = statement.where(ListingAlertRow.id == alert_id)
        removed = int(getattr(await self._session.execute(statement), "rowcount", 0) or 0)
        if removed:
            chat = select(ConversationRow.channel, ConversationRow.chat_id).where(ConversationRow.id == conversation_id)
            found = (await self._session.execute(chat)).first()
            if found is not None:
                await self._session.execute(
                    delete(OutboxRow).where(
                        OutboxRow.channel == found.channel,
                        OutboxRow.chat_id == found.chat_id,
                        OutboxRow.kind == ALERT_KIND,
                        OutboxRow.status.in_(("pending", "held")),
                    )
                )
        return removed

    async def trades(self, kind: str, limit: int = 12) -> list[str]:
        """Trades of the published listings of a kind (any kind for ANY_KIND), most common first."""
        statement = select(ListingRow.trade).where(ListingRow.trade != "", ListingRow.status == PUBLISHED)
        if kind != ANY_KIND:
            statement = statement.where(ListingRow.kind == kind)
        counted = statement.group_by(ListingRow.trade).order_by(func.count().desc(), ListingRow.trade).limit(limit)
        return [str(t) for t in (await self._session.execute(counted)).scalars()]

    async def forget(self, conversation_id: int) -> None:
        """The person's data is erased: their subscriptions and the record of what they were told."""
        await self._session.execute(delete(ListingAlertRow).where(ListingAlertRow.conversation_id == conversation_id))
        await self._session.execute(delete(AlertDeliveryRow).where(AlertDeliveryRow.conversation_id == conversation_id))

    # -- broadcasts -----------------------------------------------------------------------------

    async def queue_run(self, listing_id: int, now: datetime) -> bool:
        values = {"listing_id": listing_id, "queued_at": now, "cursor": 0, "done_at": None}
        return await self._insert_unless_present(AlertRunRow, values, ["listing_id"])

    async def open_runs(self, limit: int = 10) -> list[AlertRunRow]:
        statement = select(AlertRunRow).where(AlertRunRow.done_at.is_(None)).order_by(AlertRunRow.queued_at)
        if self.dialect == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        return list((await self._session.execute(statement.limit(limit))).scalars())

    async def run(self, listing_id: int) -> AlertRunRow | None:
        return await self._session.get(AlertRunRow, listing_id)

    async def subscribers(self, listing: ListingRow, after: int, limit: int) -> list[Subscriber]:
        """The subscriptions that may match a listing, in id order after `after`: its kind (or any),
        its commune (a subscription or a listing for the whole province matches every commune); of
        reachable conversations. The trade is the caller's to compare (typed trades differ in case,
        which SQLite cannot fold outside ASCII)."""
        place: ColumnElement[bool] = (
            true()
            if listing.locality_id is None
            else or_(ListingAlertRow.locality_id.is_(None), ListingAlertRow.locality_id == listing.locality_id)
        )
        statement = (
            select(ListingAlertRow.id, ListingAlertRow.conversation_id, ListingAlertRow.trade, ConversationRow.channel,
                   ConversationRow.chat_id, ConversationRow.locale)
            .join(ConversationRow, ConversationRow.id == ListingAlertRow.conversation_id)
            .where(
                ListingAlertRow.id > after,
                ListingAlertRow.kind.in_((listing.kind, ANY_KIND)),
                place,
                ConversationRow.unreachable.is_(False),
            )
            .order_by(ListingAlertRow.id)
            .limit(limit)
        )  # fmt: skip
        return [Subscriber(*row) for row in (await self._session.execute(statement)).all()]

    async def record_deliveries(self, listing_id: int, conversation_ids: Sequence[int], now: datetime) -> set[int]:
        """Who of `conversation_ids` had not been told of the listing yet, recorded as told now."""
        if not conversation_ids:
            return set()
        upsert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        rows = [{"listing_id": listing_id, "conversation_id": c, "created_at": now} for c in set(conversation_ids)]
        statement = (
            upsert(AlertDeliveryRow)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["listing_id", "conversation_id"])
            .returning(AlertDeliveryRow.conversation_id)
        )
        return {int(c) for c in (await self._session.execute(statement)).scalars()}

    async def add_notices(self, notices: Sequence[tuple[str, str, dict[str, object]]], now: datetime) -> None:
        """Outbox rows for notices, (channel, chat id, payload) each, in one statement."""
        if notices:
            values = [OutboxRepo.values(ch, chat, dict(p), now, kind=ALERT_KIND) for ch, chat, p in notices]
            await self._session.execute(insert(OutboxRow), values)

    async def advance(self, listing_id: int, cursor: int, done_at: datetime | None) -> None:
        await self._session.execute(
            update(AlertRunRow).where(AlertRunRow.listing_id == listing_id).values(cursor=cursor, done_at=done_at)
        )

    async def delivered(self, listing_id: int) -> int:
        statement = select(func.count(distinct(AlertDeliveryRow.conversation_id))).where(
            AlertDeliveryRow.listing_id == listing_id
        )
        return int((await self._session.execute(statement)).scalar_one())
