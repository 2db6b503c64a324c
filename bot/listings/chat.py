"""The conversation core's listings port (handlers/ports.py ListingsPort) over one unit of work:
what a person may be offered, a registration's link to its request, and the follow-up's answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.listings.registrations import PERSON, record_outcome
from bot.listings.service import is_open, local_today
from bot.listings.words import ListingWords
from bot.storage.models import ListingRow
from bot.storage.repos.listings import DRAFT, ListingFilter
from bot.storage.unit_of_work import UnitOfWork
from handlers.domain import FollowupAnswer, FollowupResult, ListingItem, ListingPage, PriorContact

# Longer than any question the core reads (CoreSettings.max_question_chars): not matched at all.
MAX_SEARCH_CHARS = 1000


@dataclass
class ListingsChat:
    uow: UnitOfWork
    timezone: str
    # The process's words to match free text on (the pipeline loads them with the message).
    words: ListingWords = field(default_factory=ListingWords)

    async def _filter(self, kind: str, locality: str, now: datetime, trade: str | None = None) -> ListingFilter | None:
        """Open listings of the kind in the commune (and the whole province's); None for an unknown commune."""
        locality_id = None
        if locality:
            row = await self.uow.localities.get_row(locality)
            if row is None:
                return None
            locality_id = row.id
        return ListingFilter(kind=kind, locality_id=locality_id, trade=trade, open_on=local_today(now, self.timezone))

    async def trades(self, kind: str, locality: str, now: datetime) -> Sequence[str]:
        found = await self._filter(kind, locality, now)
        return await self.uow.listings.trades(found) if found is not None else []

    async def page(
        self, kind: str, locality: str, trade: str, now: datetime, *, offset: int, limit: int
    ) -> ListingPage:
        found = await self._filter(kind, locality, now, trade)
        if found is None:
            return ListingPage((), more=False)
        rows = await self.uow.listings.list(found, offset=offset, limit=limit + 1)
        items = await self._items(rows[:limit], now)
        return ListingPage(tuple(items), more=len(rows) > limit)

    async def _items(self, rows: list[ListingRow], now: datetime) -> list[ListingItem]:
        agencies, localities = await self.uow.listings.labels(rows)
        today = local_today(now, self.timezone)
        items = []
        for r in rows:
            place = localities.get(r.locality_id) if r.locality_id is not None else None
            items.append(
                ListingItem(
                    r.id, r.kind, r.title, r.employer, agencies.get(r.agency_id, ""), place.name if place else "",
                    r.trade, r.fair_chance, is_open(r, today), description=r.description, conditions=r.conditions,
                    start_date=r.start_date.strftime("%d/%m/%Y") if r.start_date else "",
                    deadline=r.deadline.strftime("%d/%m/%Y") if r.deadline else "",
                    places=r.places, pay=r.pay, cost_kind=r.cost_kind, contact=r.contact,
                    expired=r.expires < today,
                )
            )  # fmt: skip
        return items

    async def get(self, listing_id: int, now: datetime) -> ListingItem | None:
        row = await self.uow.listings.get(listing_id)
        if row is None or row.status == DRAFT:
            return None
        return (await self._items([row], now))[0]

    async def search(self, text: str, now: datetime, *, limit: int) -> Sequence[ListingItem]:
        if len(text) > MAX_SEARCH_CHARS:
            return []
        found = self.words.find(text)
        if not found:
            return []
        today = local_today(now, self.timezone)
        rows = [row for row in await self.uow.listings.of_ids(found[: limit * 4]) if is_open(row, today)]
        return await self._items(rows[:limit], now)

    async def open_registration(self, conversation_id: int, listing_id: int) -> str | None:
        return await self.uow.listing_people.open_code(conversation_id, listing_id)

    async def register(self, listing_id: int, request_code: str, now: datetime) -> None:
        request = await self.uow.requests.get_row(request_code)
        if request is None:
            raise LookupError(request_code)
        await self.uow.listing_people.add(listing_id, request.id, now)

    async def prior_contact(self, conversation_id: int) -> PriorContact | None:
        row = await self.uow.listing_people.latest_kept_request(conversation_id)
        return PriorContact(row.phone, row.name, row.contact_time) if row is not None else None

    async def answer_followup(
        self, registration_id: int, conversation_id: int, outcome: str, now: datetime
    ) -> FollowupAnswer:
        registration = await self.uow.listing_people.get(registration_id)
        request = await self.uow.requests.get_by_id(registration.request_id) if registration else None
        if registration is None or request is None or request.conversation_id != conversation_id:
            return FollowupAnswer(FollowupResult.UNKNOWN)
        if request.erased_at is not None:
            return FollowupAnswer(FollowupResult.UNKNOWN)
        if registration.outcome is not None:
            return FollowupAnswer(FollowupResult.ALREADY, request.code, request.agency_code)
        await record_outcome(self.uow, registration, request, outcome, actor=PERSON, now=now)
        return FollowupAnswer(FollowupResult.RECORDED, request.code, request.agency_code)
