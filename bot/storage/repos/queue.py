"""The staff queue's queries: an agency's requests, filtered, searched and counted per status.

Who may see what is part of every query here, not a check left to the caller: a staff member's
scope is their agency whatever filter they send, and a staff member without an agency sees nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select, true

from bot.storage.models import LocalityRow, RequestEventRow, RequestRow, RoutingRuleRow, UserRow
from bot.storage.repos.base import _Repo
from handlers.domain import OPEN_STATUSES, STATUSES, WAITING
from knowledge_base.text import fold

Assigned = Literal["anyone", "me", "unassigned"]
Order = Literal["waiting_longest", "recently_changed"]
# Columns the queue may be sorted by besides its own order (urgency in working time).
Sort = Literal["code", "created", "status", "commune"]

# What a search box reasonably holds; longer text is cut rather than refused.
MAX_SEARCH_CHARS = 100
# A run of digits this long is read as (part of) a phone number as well.
MIN_PHONE_DIGITS = 3
_PHONE_SEPARATORS = re.compile(r"[\s.\-()+]")


@dataclass(frozen=True)
class QueueScope:
    """Whose queue: an admin's covers every agency; a staff member's only their own agency."""

    username: str
    agency_code: str | None
    is_admin: bool


class Waiting(NamedTuple):
    """The columns of an open request its targets are counted from: what the queue orders by."""

    id: int
    status: str
    agency_code: str
    agency_since: datetime | None
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None


@dataclass(frozen=True)
class QueueFilter:
    """The filters of the queue besides status (counts per status are taken under these)."""

    category: str | None = None
    locality_code: str | None = None
    assigned: Assigned = "anyone"
    text: str = ""
    # Honoured for admins only: staff are held to their own agency.
    agency_code: str | None = None


def _phone_pattern(text: str) -> str | None:
    """Digits as they are stored (+84 instead of a leading 0), when the text reads as a phone number."""
    compact = _PHONE_SEPARATORS.sub("", text)
    if len(compact) < MIN_PHONE_DIGITS or not compact.isascii() or not compact.isdigit():
        return None
    return "84" + compact[1:] if compact.startswith("0") else compact


def _search(text: str) -> ColumnElement[bool] | None:
    text = text.strip()[:MAX_SEARCH_CHARS]
    if not text:
        return None
    # Staff type like everyone else, often without diacritics: "phu ho" finds "phụ hồ", and the
    # other way round, on SQLite and PostgreSQL alike.
    matches = [RequestRow.search_text.contains(fold(text), autoescape=True)]
    digits = _phone_pattern(text)
    if digits is not None:
        matches.append(RequestRow.phone.contains(digits, autoescape=True))
    return or_(*matches)


def _conditions(scope: QueueScope, query: QueueFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if scope.is_admin:
        if query.agency_code:
            conditions.append(RequestRow.agency_code == query.agency_code)
    elif scope.agency_code:
        conditions.append(RequestRow.agency_code == scope.agency_code)
    else:
        conditions.append(false())
    if query.category:
        conditions.append(RequestRow.category == query.category)
    if query.locality_code:
        conditions.append(RequestRow.locality_code == query.locality_code)
    if query.assigned == "me":
        conditions.append(RequestRow.assignee == scope.username)
    elif query.assigned == "unassigned":
        conditions.append(RequestRow.assignee.is_(None))
    search = _search(query.text)
    if search is not None:
        conditions.append(search)
    return conditions


def _last(kind: str) -> ColumnElement[int]:
    """The request's latest event of this kind (its id: events are numbered as they happen; NULL if never)."""
    return (
        select(func.max(RequestEventRow.id))
        .where(RequestEventRow.request_id == RequestRow.id, RequestEventRow.type == kind)
        .correlate(RequestRow)
        .scalar_subquery()
    )


def needs_reply() -> ColumnElement[bool]:
    """Open, and the person has the last word: never answered (unless staff wait for the person), or
    their message came after the staff's last reply and was not taken back as a new question."""
    message, replied, withdrawn = _last("person_message"), _last("replied"), _last("person_message_withdrawn")
    never_answered = and_(RequestRow.first_response_at.is_(None), RequestRow.status != WAITING)
    unanswered_message = and_(
        message.is_not(None),
        or_(replied.is_(None), message > replied),
        or_(withdrawn.is_(None), withdrawn < message),
    )
    return and_(RequestRow.status.in_(OPEN_STATUSES), or_(never_answered, unanswered_message))


def _in_scope(scope: QueueScope) -> ColumnElement[bool]:
    return and_(true(), *_conditions(scope, QueueFilter()))


class QueueRepo(_Repo):
    def _select(self, scope: QueueScope, query: QueueFilter, statuses: Collection[str]) -> Select[tuple[RequestRow]]:
        return select(RequestRow).where(*_conditions(scope, query), RequestRow.status.in_(list(statuses)))

    async def counts(self, scope: QueueScope, query: QueueFilter) -> dict[str, int]:
        """Requests per status under the filters (the status filter itself aside)."""
        statement = (
            select(RequestRow.status, func.count()).where(*_conditions(scope, query)).group_by(RequestRow.status)
        )
        return {status: int(count) for status, count in (await self._session.execute(statement)).tuples()}

    async def count(self, scope: QueueScope, query: QueueFilter, statuses: Collection[str]) -> int:
        if not statuses:
            return 0
        statement = select(func.count()).select_from(self._select(scope, query, statuses).subquery())
        return int((await self._session.execute(statement)).scalar_one())

    async def rows(
        self,
        scope: QueueScope,
        query: QueueFilter,
        statuses: Collection[str],
        *,
        order: Order,
        after: Waiting | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[RequestRow]:
        """Matching requests in the given statuses.

        waiting_longest: by when the current agency received them (open requests: the caller orders
        them by their targets, which only working time tells), only those after `after` in that
        order when given; recently_changed: newest change first.
        """
        if not statuses or (limit is not None and limit <= 0):
            return []
        statement = self._select(scope, query, statuses)
        if order == "waiting_longest":
            received = func.coalesce(RequestRow.agency_since, RequestRow.created_at)
            if after is not None:
                mark = after.agency_since or after.created_at
                statement = statement.where(or_(received > mark, and_(received == mark, RequestRow.id > after.id)))
            statement = statement.order_by(received, RequestRow.id)
        else:
            statement = statement.order_by(RequestRow.updated_at.desc(), RequestRow.id.desc())
        if offset:
            statement = statement.offset(offset)
        if limit is not None:
            statement = statement.limit(limit)
        return list((await self._session.execute(statement)).scalars())

    async def waiting(self, scope: QueueScope, query: QueueFilter, *, limit: int) -> list[Waiting]:
        """Open requests as plain tuples of the few columns their targets need, as they waited."""
        received = func.coalesce(RequestRow.agency_since, RequestRow.created_at)
        columns = [getattr(RequestRow, name) for name in Waiting._fields]
        statement = (
            select(*columns)
            .where(*_conditions(scope, query), RequestRow.status.in_(OPEN_STATUSES))
            .order_by(received, RequestRow.id)
            .limit(limit)
        )
        return [Waiting(*row) for row in (await self._session.execute(statement)).tuples()]

    async def needs_reply_ids(self, scope: QueueScope, query: QueueFilter, *, limit: int) -> set[int]:
        """Open requests under the filters whose person waits for an answer (see needs_reply)."""
        statement = select(RequestRow.id).where(*_conditions(scope, query), needs_reply()).limit(limit)
        return set((await self._session.execute(statement)).scalars())

    async def sorted_rows(
        self,
        scope: QueueScope,
        query: QueueFilter,
        statuses: Collection[str],
        *,
        sort: Sort,
        descending: bool,
        ids: Collection[int] | None,
        offset: int,
        limit: int,
    ) -> list[RequestRow]:
        """Matching requests (only those of `ids` when given) sorted by a column, one page of them."""
        if not statuses or (ids is not None and not ids):
            return []
        statement = self._select(scope, query, statuses)
        if ids is not None:
            statement = statement.where(RequestRow.id.in_(list(ids)))
        keys: list[Any]
        if sort == "code":
            keys = [RequestRow.code]
        elif sort == "created":
            keys = [RequestRow.created_at, RequestRow.id]
        elif sort == "status":
            keys = [case({s: i for i, s in enumerate(STATUSES)}, value=RequestRow.status), RequestRow.id]
        else:
            statement = statement.outerjoin(LocalityRow, LocalityRow.code == RequestRow.locality_code)
            keys = [func.coalesce(LocalityRow.name, RequestRow.locality_code), RequestRow.id]
        statement = statement.order_by(*[k.desc() if descending else k for k in keys])
        return list((await self._session.execute(statement.offset(offset).limit(limit))).scalars())

    async def by_ids(self, ids: Sequence[int]) -> list[RequestRow]:
        """Those requests, in the order given."""
        if not ids:
            return []
        found = await self._session.execute(select(RequestRow).where(RequestRow.id.in_(list(ids))))
        rows = {row.id: row for row in found.scalars()}
        return [rows[i] for i in ids if i in rows]

    async def unanswered(self, *, lock_ids: Sequence[int] | None = None) -> list[RequestRow]:
        """Open requests with no first response, not yet escalated: every agency's (for the overdue round).

        With `lock_ids`, only those, locked (skipping rows another worker holds) and read afresh: the
        conditions are checked again under the lock, since a reply, a transfer or another worker may
        have come first, and the rows may be in the session already, stale, from the unlocked look.
        """
        statement = select(RequestRow).where(
            RequestRow.status.in_(OPEN_STATUSES),
            RequestRow.first_response_at.is_(None),
            RequestRow.escalated_at.is_(None),
        )
        if lock_ids is not None:
            statement = (
                statement.where(RequestRow.id.in_(list(lock_ids)))
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            )
        return list((await self._session.execute(statement.order_by(RequestRow.id))).scalars())

    async def visible_codes(self, scope: QueueScope, request_ids: Collection[int]) -> dict[int, str]:
        """The codes of those requests the scope still covers (a transfer may have taken some away)."""
        if not request_ids:
            return {}
        statement = select(RequestRow.id, RequestRow.code).where(RequestRow.id.in_(list(request_ids)), _in_scope(scope))
        return {request_id: code for request_id, code in (await self._session.execute(statement)).tuples()}

    async def agency_page(
        self,
        agency_code: str,
        *,
        status: str | None = None,
        updated_since: datetime | None = None,
        after_id: int = 0,
        limit: int,
    ) -> list[RequestRow]:
        """One agency's requests oldest first, after `after_id`, at most `limit` (the API's pages)."""
        statement = select(RequestRow).where(RequestRow.agency_code == agency_code, RequestRow.id > after_id)
        if status is not None:
            statement = statement.where(RequestRow.status == status)
        if updated_since is not None:
            statement = statement.where(RequestRow.updated_at >= updated_since)
        statement = statement.order_by(RequestRow.id).limit(limit)
        return list((await self._session.execute(statement)).scalars())

    async def locality_names(self, codes: Collection[str]) -> dict[str, str]:
        if not codes:
            return {}
        statement = select(LocalityRow.code, LocalityRow.name).where(LocalityRow.code.in_(list(codes)))
        return {code: name for code, name in (await self._session.execute(statement)).tuples()}

    async def user_labels(self, usernames: Sequence[str]) -> dict[str, str]:
        """Display names of staff by username, for timelines that store usernames."""
        wanted = sorted({u for u in usernames if u})
        if not wanted:
            return {}
        statement = select(UserRow.username, UserRow.display_name).where(UserRow.username.in_(wanted))
        rows = (await self._session.execute(statement)).tuples()
        return {username: display or username for username, display in rows}

    async def rule(self, rule_id: int | None) -> RoutingRuleRow | None:
        if rule_id is None:
            return None
        return await self._session.get(RoutingRuleRow, rule_id)
