"""People's requests: creating them, their timeline of events, their status, and who read them."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from bot.storage.models import (
    ConversationRow,
    RequestEventRow,
    RequestLinkRow,
    RequestLookupRow,
    RequestRow,
    RequestViewRow,
)
from bot.storage.repos.base import _Repo
from handlers.domain import CLOSING_STATUSES, Lookups, NewRequest, RequestView
from knowledge_base.text import fold


def request_search_text(code: str, name: str, description: str) -> str:
    """What the staff search looks in, folded as knowledge_base.text.fold folds what they type."""
    return fold(" ".join((code, name, description)))


class RequestRepo(_Repo):
    CODE_DIGITS = 6

    async def _new_code(self) -> str:
        while True:
            code = "YC-" + "".join(secrets.choice("0123456789") for _ in range(self.CODE_DIGITS))
            if await self.get_row(code) is None:
                return code

    async def create(self, request: NewRequest, now: datetime) -> str:
        for _ in range(5):
            code = await self._new_code()
            row = RequestRow(
                code=code,
                conversation_id=request.conversation_id,
                category=request.category,
                description=request.description,
                locality_code=request.locality_code,
                phone=request.phone,
                name=request.name,
                contact_time=request.contact_time,
                consent_at=request.consent_at,
                consent_version=request.consent_version,
                status="new",
                agency_code=request.routing.agency_code,
                rule_id=request.routing.rule_id,
                routing=request.routing.to_dict(),
                faq_slug=request.faq_slug,
                created_at=now,
                updated_at=now,
                agency_since=now,
                search_text=request_search_text(code, request.name, request.description),
            )
            try:
                # A savepoint: two people may draw the same free code at once; the loser draws again.
                async with self._session.begin_nested():
                    self._session.add(row)
                    await self._session.flush()
            except IntegrityError:
                continue
            self._session.add(
                RequestEventRow(request_id=row.id, type="created", actor="person", data={}, created_at=now)
            )
            self._session.add(
                RequestEventRow(
                    request_id=row.id, type="routed", actor="system", data=request.routing.to_dict(), created_at=now
                )
            )
            await self._session.flush()
            return code
        raise RuntimeError("could not draw a free request code")

    async def get_row(self, code: str) -> RequestRow | None:
        return (await self._session.execute(select(RequestRow).where(RequestRow.code == code))).scalar_one_or_none()

    async def get_by_id(self, request_id: int) -> RequestRow | None:
        return await self._session.get(RequestRow, request_id)

    async def events(self, request_id: int) -> list[RequestEventRow]:
        statement = select(RequestEventRow).where(RequestEventRow.request_id == request_id).order_by(RequestEventRow.id)
        return list((await self._session.execute(statement)).scalars())

    async def view(self, row: RequestRow, linked_at: datetime | None = None) -> RequestView:
        events = tuple(
            {"type": e.type, "created_at": e.created_at, "actor": e.actor, "data": e.data}
            for e in await self.events(row.id)
        )
        return RequestView(
            row.code,
            row.category,
            row.status,
            row.agency_code,
            row.locality_code,
            row.created_at,
            row.description,
            events,
            first_response_at=row.first_response_at,
            linked_at=linked_at,
        )

    async def for_conversation(self, conversation_id: int, limit: int = 10) -> list[RequestView]:
        """The conversation's own requests and those it opened with their code and phone."""
        linked = select(RequestLinkRow.request_id).where(RequestLinkRow.conversation_id == conversation_id)
        statement = (
            select(RequestRow)
            .where(or_(RequestRow.conversation_id == conversation_id, RequestRow.id.in_(linked)))
            .order_by(RequestRow.id.desc())
            .limit(limit)
        )
        return [
            RequestView(r.code, r.category, r.status, r.agency_code, r.locality_code, r.created_at)
            for r in (await self._session.execute(statement)).scalars()
        ]

    async def open_codes(self, conversation_id: int) -> list[str]:
        statement = (
            select(RequestRow.code)
            .where(RequestRow.conversation_id == conversation_id, RequestRow.status.not_in(CLOSING_STATUSES))
            .order_by(RequestRow.id)
        )
        return list((await self._session.execute(statement)).scalars())

    async def get_own(self, conversation_id: int, code: str) -> RequestView | None:
        row = await self.get_row(code)
        if row is None or row.conversation_id is None:
            return None
        if row.conversation_id == conversation_id:
            return await self.view(row)
        link = await self._link(row.id, conversation_id)
        return await self.view(row, linked_at=link.created_at) if link else None

    async def _link(self, request_id: int, conversation_id: int) -> RequestLinkRow | None:
        statement = select(RequestLinkRow).where(
            RequestLinkRow.request_id == request_id, RequestLinkRow.conversation_id == conversation_id
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def lookups(self, conversation_id: int, since: datetime) -> Lookups:
        mine = select(func.count()).where(
            RequestLookupRow.conversation_id == conversation_id, RequestLookupRow.created_at >= since
        )
        failed = select(func.count()).where(RequestLookupRow.found.is_(False), RequestLookupRow.created_at >= since)
        return Lookups(
            int((await self._session.execute(mine)).scalar_one()),
            int((await self._session.execute(failed)).scalar_one()),
        )

    async def open_with_phone(self, conversation_id: int, code: str, phone: str, now: datetime) -> RequestView | None:
        row = await self.get_row(code)
        # An erased request has no phone left to match, and leads to nobody.
        found = (
            row is not None
            and row.conversation_id is not None
            and bool(row.phone)
            and secrets.compare_digest(row.phone.encode(), phone.encode())
        )
        # Tries older than a day count for nothing any more (the throttle looks back an hour).
        stale = RequestLookupRow.created_at < now - timedelta(days=1)
        await self._session.execute(delete(RequestLookupRow).where(stale))
        self._session.add(RequestLookupRow(conversation_id=conversation_id, found=found, created_at=now))
        await self._session.flush()
        if not found or row is None:
            return None
        if row.conversation_id == conversation_id:
            return await self.view(row)
        link = await self._link(row.id, conversation_id)
        if link is None:
            link = RequestLinkRow(request_id=row.id, conversation_id=conversation_id, created_at=now)
            self._session.add(link)
            conversation = await self._session.get(ConversationRow, conversation_id)
            channel = conversation.channel if conversation else ""
            await self.add_event(code, "linked", now, actor="person", data={"channel": channel})
        return await self.view(row, linked_at=link.created_at)

    async def add_event(
        self, code: str, event_type: str, now: datetime, actor: str = "", data: dict[str, Any] | None = None
    ) -> None:
        row = await self.get_row(code)
        if row is None:
            raise LookupError(code)
        self._session.add(
            RequestEventRow(request_id=row.id, type=event_type, actor=actor, data=data or {}, created_at=now)
        )
        row.updated_at = now
        await self._session.flush()

    async def set_status(self, code: str, status: str, now: datetime, actor: str = "") -> None:
        row = await self.get_row(code)
        if row is None:
            raise LookupError(code)
        before = row.status
        row.status = status
        row.updated_at = now
        if status in CLOSING_STATUSES:
            row.resolved_at = row.resolved_at or now
        else:
            row.resolved_at = None
        self._session.add(
            RequestEventRow(
                request_id=row.id, type="status", actor=actor, data={"from": before, "to": status}, created_at=now
            )
        )
        await self._session.flush()

    async def list_rows(
        self, agency: str | None = None, status: str | None = None, limit: int = 500
    ) -> list[RequestRow]:
        statement = select(RequestRow).order_by(RequestRow.id.desc()).limit(limit)
        if agency:
            statement = statement.where(RequestRow.agency_code == agency)
        if status:
            statement = statement.where(RequestRow.status == status)
        return list((await self._session.execute(statement)).scalars())


class RequestViewRepo(_Repo):
    async def record(self, request_id: int, actor: str, via: str, now: datetime) -> None:
        self._session.add(RequestViewRow(request_id=request_id, actor=actor, via=via, created_at=now))
        await self._session.flush()

    async def of_request(self, request_id: int, limit: int = 200) -> list[RequestViewRow]:
        statement = (
            select(RequestViewRow)
            .where(RequestViewRow.request_id == request_id)
            .order_by(RequestViewRow.id.desc())
            .limit(limit)
        )
        return list((await self._session.execute(statement)).scalars())
