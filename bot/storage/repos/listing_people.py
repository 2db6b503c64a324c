"""People's registered interest in listings: found by request, by person and listing, and those due
the one follow-up question."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select

from bot.storage.models import AgencyRow, ConversationRow, ListingPersonRow, ListingRow, RequestRow
from bot.storage.repos.base import _Repo
from handlers.domain import OPEN_STATUSES


@dataclass(frozen=True)
class DueFollowup:
    """A registration due its follow-up, with the request and the conversation that sent it."""

    registration: ListingPersonRow
    request: RequestRow
    conversation: ConversationRow


@dataclass(frozen=True)
class RegistrationCounts:
    """One listing's registrations made in a period, and what became of them so far."""

    agency_code: str
    listing_id: int
    kind: str
    title: str
    registrations: int
    working: int
    studying: int
    # Asked the follow-up, and of those, answered it themselves (any of its four answers).
    asked: int
    answered: int


class ListingPeopleRepo(_Repo):
    async def add(self, listing_id: int, request_id: int, now: datetime) -> ListingPersonRow:
        row = ListingPersonRow(listing_id=listing_id, request_id=request_id, created_at=now, outcome_by="")
        self._session.add(row)
        await self._session.flush()
        return row

    async def counts(self, start: datetime, end: datetime, person: str) -> list[RegistrationCounts]:
        """Per listing, the registrations made in [start, end) and their outcomes; `person` is the
        actor an answer to the follow-up is recorded under."""

        def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        asked = ListingPersonRow.followup_asked_at.is_not(None)
        statement = (
            select(
                AgencyRow.code,
                ListingRow.id,
                ListingRow.kind,
                ListingRow.title,
                func.count(ListingPersonRow.id),
                count(ListingPersonRow.outcome == "working"),
                count(ListingPersonRow.outcome == "studying"),
                count(asked),
                count(asked & (ListingPersonRow.outcome_by == person) & ListingPersonRow.outcome.is_not(None)),
            )
            .join(ListingRow, ListingRow.id == ListingPersonRow.listing_id)
            .join(AgencyRow, AgencyRow.id == ListingRow.agency_id)
            .where(ListingPersonRow.created_at >= start, ListingPersonRow.created_at < end)
            .group_by(AgencyRow.code, ListingRow.id, ListingRow.kind, ListingRow.title)
            .order_by(AgencyRow.code, ListingRow.id)
        )
        return [
            RegistrationCounts(str(a), int(i), str(k), str(t), int(n), int(w), int(st), int(q), int(ans))
            for a, i, k, t, n, w, st, q, ans in (await self._session.execute(statement)).all()
        ]

    async def page_for_agency(self, agency_id: int, after_id: int, limit: int) -> list[tuple[ListingPersonRow, str]]:
        """The agency's listings' registrations, oldest first after `after_id`, with each request's code."""
        statement = (
            select(ListingPersonRow, RequestRow.code)
            .join(ListingRow, ListingRow.id == ListingPersonRow.listing_id)
            .join(RequestRow, RequestRow.id == ListingPersonRow.request_id)
            .where(ListingRow.agency_id == agency_id, ListingPersonRow.id > after_id)
            .order_by(ListingPersonRow.id)
            .limit(limit)
        )
        return [(row, str(code)) for row, code in (await self._session.execute(statement)).all()]

    async def get(self, registration_id: int) -> ListingPersonRow | None:
        return await self._session.get(ListingPersonRow, registration_id)

    async def of_request(self, request_id: int) -> ListingPersonRow | None:
        statement = select(ListingPersonRow).where(ListingPersonRow.request_id == request_id)
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def open_code(self, conversation_id: int, listing_id: int) -> str | None:
        """The code of this conversation's open request about the listing, if it has one."""
        statement = (
            select(RequestRow.code)
            .join(ListingPersonRow, ListingPersonRow.request_id == RequestRow.id)
            .where(
                ListingPersonRow.listing_id == listing_id,
                RequestRow.conversation_id == conversation_id,
                RequestRow.status.in_(OPEN_STATUSES),
            )
            .limit(1)
        )
        code = (await self._session.execute(statement)).scalar_one_or_none()
        return str(code) if code is not None else None

    async def of_listing(self, listing_id: int) -> list[ListingPersonRow]:
        statement = select(ListingPersonRow).where(ListingPersonRow.listing_id == listing_id)
        return list((await self._session.execute(statement.order_by(ListingPersonRow.id))).scalars())

    async def listing_of(self, registration: ListingPersonRow) -> ListingRow | None:
        return await self._session.get(ListingRow, registration.listing_id)

    async def due_followups(self, registered_before: datetime, *, limit: int = 200) -> list[DueFollowup]:
        """Registrations older than `registered_before` not yet asked, whose request is still the
        person's (not erased, still linked to the conversation that sent it): oldest first, locked
        on PostgreSQL so that two rounds at once never ask twice."""
        statement = (
            select(ListingPersonRow, RequestRow, ConversationRow)
            .join(RequestRow, RequestRow.id == ListingPersonRow.request_id)
            .join(ConversationRow, ConversationRow.id == RequestRow.conversation_id)
            .where(
                ListingPersonRow.followup_asked_at.is_(None),
                ListingPersonRow.outcome.is_(None),
                ListingPersonRow.created_at <= registered_before,
                RequestRow.erased_at.is_(None),
            )
            .order_by(ListingPersonRow.id)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            statement = statement.with_for_update(of=ListingPersonRow, skip_locked=True)
        rows = (await self._session.execute(statement)).all()
        return [DueFollowup(r, q, c) for r, q, c in rows]

    async def flush(self) -> None:
        await self._session.flush()

    async def latest_kept_request(self, conversation_id: int) -> RequestRow | None:
        """The conversation's newest request whose personal fields are still kept (not erased)."""
        statement = (
            select(RequestRow)
            .where(
                RequestRow.conversation_id == conversation_id, RequestRow.erased_at.is_(None), RequestRow.phone != ""
            )
            .order_by(RequestRow.id.desc())
            .limit(1)
        )
        return (await self._session.execute(statement)).scalar_one_or_none()
