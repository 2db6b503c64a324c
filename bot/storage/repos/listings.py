"""Listings: jobs and courses, found by agency, status, kind, place and trade; open ones as of a day."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select

from bot.storage.models import AgencyRow, ListingRow, LocalityRow
from bot.storage.repos.base import _Repo

DRAFT, PUBLISHED, CLOSED = "draft", "published", "closed"


@dataclass(frozen=True)
class ListingFilter:
    """Every field left at None (or False) is no filter.

    `locality_id` with `with_whole_province` (the default) also finds the listings of the whole
    province (no locality); `whole_province_only` finds only those. `open_on` keeps only published
    listings whose `expires` is that day or later: an expired listing is never offered, even before
    the round closes it.
    """

    agency_id: int | None = None
    status: str | None = None
    kind: str | None = None
    locality_id: int | None = None
    with_whole_province: bool = True
    whole_province_only: bool = False
    trade: str | None = None
    open_on: date | None = None


def _open_on(statement: Select[Any], day: date) -> Select[Any]:
    return statement.where(ListingRow.status == PUBLISHED, ListingRow.expires >= day)


def _filtered(statement: Select[Any], found: ListingFilter) -> Select[Any]:
    if found.agency_id is not None:
        statement = statement.where(ListingRow.agency_id == found.agency_id)
    if found.status is not None:
        statement = statement.where(ListingRow.status == found.status)
    if found.kind is not None:
        statement = statement.where(ListingRow.kind == found.kind)
    if found.whole_province_only:
        statement = statement.where(ListingRow.locality_id.is_(None))
    elif found.locality_id is not None:
        here = ListingRow.locality_id == found.locality_id
        statement = statement.where(or_(here, ListingRow.locality_id.is_(None)) if found.with_whole_province else here)
    if found.trade is not None:
        statement = statement.where(ListingRow.trade == found.trade)
    if found.open_on is not None:
        statement = _open_on(statement, found.open_on)
    return statement


class ListingRepo(_Repo):
    def add(self, **fields: Any) -> ListingRow:
        """A new row, written at the next flush (or at `create`, which flushes for the id)."""
        row = ListingRow(**fields)
        self._session.add(row)
        return row

    async def create(self, **fields: Any) -> ListingRow:
        row = self.add(**fields)
        await self._session.flush()
        return row

    async def update(self, row: ListingRow, **fields: Any) -> ListingRow:
        for key, value in fields.items():
            setattr(row, key, value)
        await self._session.flush()
        return row

    async def get(self, listing_id: int) -> ListingRow | None:
        return await self._session.get(ListingRow, listing_id)

    async def list(
        self, found: ListingFilter = ListingFilter(), *, offset: int = 0, limit: int = 200
    ) -> builtins.list[ListingRow]:
        """Newest first (by id): the page of at most `limit` rows after `offset`."""
        statement = _filtered(select(ListingRow), found).order_by(ListingRow.id.desc())
        return builtins.list((await self._session.execute(statement.offset(offset).limit(limit))).scalars())

    async def page_after(
        self, found: ListingFilter, *, after_id: int = 0, limit: int = 50
    ) -> builtins.list[ListingRow]:
        """Oldest first (by id), those after `after_id`: pages that never skip a row created meanwhile."""
        statement = _filtered(select(ListingRow), found).where(ListingRow.id > after_id).order_by(ListingRow.id)
        return builtins.list((await self._session.execute(statement.limit(limit))).scalars())

    async def count(self, found: ListingFilter = ListingFilter()) -> int:
        statement = _filtered(select(func.count()).select_from(ListingRow), found)
        return int((await self._session.execute(statement)).scalar_one())

    async def trades(self, found: ListingFilter) -> builtins.list[str]:
        """The trades (in order, none empty) of the listings `found` finds: pass `open_on` for open ones."""
        statement = _filtered(select(ListingRow.trade).distinct(), found).where(ListingRow.trade != "")
        return [str(t) for t in (await self._session.execute(statement.order_by(ListingRow.trade))).scalars()]

    async def of_ids(self, ids: builtins.list[int]) -> builtins.list[ListingRow]:
        """The rows of these ids, in the order given (unknown ids left out)."""
        if not ids:
            return []
        rows = {
            r.id: r for r in (await self._session.execute(select(ListingRow).where(ListingRow.id.in_(ids)))).scalars()
        }
        return [rows[i] for i in ids if i in rows]

    async def open_index(self, day: date) -> builtins.list[tuple[int, str, str, int | None]]:
        """(id, trade, title, locality id) of every listing open on `day`: what free text is matched on."""
        statement = _open_on(select(ListingRow.id, ListingRow.trade, ListingRow.title, ListingRow.locality_id), day)
        rows = (await self._session.execute(statement.order_by(ListingRow.id))).all()
        return [(int(i), str(t), str(n), int(loc) if loc is not None else None) for i, t, n, loc in rows]

    async def due_to_expire(self, day: date, *, limit: int = 500) -> builtins.list[ListingRow]:
        """Published listings whose last day is before `day`: the expiry round closes them."""
        statement = (
            select(ListingRow)
            .where(ListingRow.status == PUBLISHED, ListingRow.expires < day)
            .order_by(ListingRow.id)
            .limit(limit)
        )
        return builtins.list((await self._session.execute(statement)).scalars())

    async def open_counts(self, day: date) -> builtins.list[tuple[str, str, int]]:
        """(agency code, trade, open listings) for every pair with one open on `day`, in order."""
        statement = _open_on(
            select(AgencyRow.code, ListingRow.trade, func.count())
            .join(AgencyRow, AgencyRow.id == ListingRow.agency_id)
            .group_by(AgencyRow.code, ListingRow.trade)
            .order_by(AgencyRow.code, ListingRow.trade),
            day,
        )
        return [(str(a), str(t), int(n)) for a, t, n in (await self._session.execute(statement)).all()]

    async def agency_row(self, agency_id: int) -> AgencyRow | None:
        return await self._session.get(AgencyRow, agency_id)

    async def locality_row(self, locality_id: int) -> LocalityRow | None:
        return await self._session.get(LocalityRow, locality_id)

    async def labels(self, rows: builtins.list[ListingRow]) -> tuple[dict[int, str], dict[int, LocalityRow]]:
        """The agency codes (by agency id) and localities (by id) the rows name, in two queries."""
        agency_ids = sorted({r.agency_id for r in rows})
        locality_ids = sorted({r.locality_id for r in rows if r.locality_id is not None})
        agencies: dict[int, str] = {}
        localities: dict[int, LocalityRow] = {}
        for start in range(0, len(agency_ids), 500):
            statement = select(AgencyRow.id, AgencyRow.code).where(AgencyRow.id.in_(agency_ids[start : start + 500]))
            agencies.update({int(i): str(c) for i, c in (await self._session.execute(statement)).all()})
        for start in range(0, len(locality_ids), 500):
            found = select(LocalityRow).where(LocalityRow.id.in_(locality_ids[start : start + 500]))
            localities.update({r.id: r for r in (await self._session.execute(found)).scalars()})
        return agencies, localities
