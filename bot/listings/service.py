"""Every change to a listing, from every surface (staff pages, imports, the CLI, employers' proposals,
the expiry round), with its checks and its audit row.

API (keep these stable; add, don't rename):

    ListingInput(kind=..., title=..., locality=..., expires=..., ...)   # bot.listings.fields; all str
    ListingError(key, field, **values); describe(error, locale)         # bot.listings.errors
    await create_listing(uow, data, agency_code=, actor=, now=, today=, publish=False, scope=None) -> ListingRow
    await edit_listing(uow, listing_id, data, actor=, now=, today=, scope=None) -> ListingRow
    await publish_listing(uow, listing_id, actor=, now=, today=, scope=None) -> ListingRow
    await close_listing(uow, listing_id, actor=, now=, scope=None, reason="staff") -> ListingRow
    await expire_listings(uow, now=, today=) -> list[int]                # the round: closes past expiry
    await get_listing(uow, listing_id, scope=None) -> ListingRow         # ListingError("not_found")
    await open_listings(uow, today=, kind=, locality_id=, trade=, offset=, limit=) -> list[ListingRow]
    await open_trades(uow, today=, kind=, locality_id=) -> list[str]
    await propose_listing(uow, data, now=, today=) -> ListingRow        # public form: a routed draft
    await summaries(uow, rows) -> list[ListingSummary]                   # agency code, locality name
    is_open(row, today) -> bool                                          # published and not expired
    local_today(now, tz_name) -> date

`scope` is the agency code a staff member is limited to (None: an admin, the CLI, a round); a
listing of another agency is refused with ListingError("other_agency"). `today` is the deployment's
local day (local_today). The unit of work is the caller's: nothing here commits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.listings.errors import ListingError
from bot.listings.fields import ListingInput, read_input
from bot.storage.models import AgencyRow, ListingRow
from bot.storage.repos.listings import CLOSED, DRAFT, PUBLISHED, ListingFilter
from bot.storage.unit_of_work import UnitOfWork
from handlers.domain import Locality
from handlers.routing import route

STATUSES = (DRAFT, PUBLISHED, CLOSED)
# The audit log's "who" for a proposal from the public form: an employer without an account.
PROPOSER = "employer (web form)"
__all__ = ["CLOSED", "DRAFT", "PUBLISHED", "STATUSES", "ListingError", "ListingInput", "ListingSummary"]


@dataclass(frozen=True)
class ListingSummary:
    """A listing as lists, the API and the CLI show it: its owner and commune by name, not id."""

    id: int
    kind: str
    title: str
    employer: str
    agency: str
    locality: str
    locality_name: str
    trade: str
    fair_chance: bool
    status: str
    start_date: date | None
    deadline: date | None
    places: int | None
    pay: str
    cost_kind: str
    contact: str
    expires: date

    def as_json(self) -> dict[str, Any]:
        values = asdict(self)
        for key in ("start_date", "deadline", "expires"):
            values[key] = values[key].isoformat() if values[key] else None
        return values


def local_today(now: datetime, tz_name: str) -> date:
    return now.astimezone(ZoneInfo(tz_name)).date()


def is_open(row: ListingRow, today: date) -> bool:
    return row.status == PUBLISHED and row.expires >= today


def _audited(row: ListingRow, agency: str) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "title": row.title,
        "agency": agency,
        "status": row.status,
        "locality_id": row.locality_id,
        "trade": row.trade,
        "expires": row.expires.isoformat(),
        "deadline": row.deadline.isoformat() if row.deadline else None,
    }


async def _agency(uow: UnitOfWork, code: str) -> AgencyRow:
    agency = await uow.agencies.get_row(code.strip())
    if agency is None:
        raise ListingError("unknown_agency", "agency", agency=code.strip()[:64])
    return agency


async def _agency_code(uow: UnitOfWork, row: ListingRow) -> str:
    agency = await uow.listings.agency_row(row.agency_id)
    return agency.code if agency else ""


async def get_listing(uow: UnitOfWork, listing_id: int, scope: str | None = None) -> ListingRow:
    row = await uow.listings.get(listing_id)
    if row is None:
        raise ListingError("not_found", id=listing_id)
    if scope is not None and await _agency_code(uow, row) != scope:
        raise ListingError("other_agency")
    return row


async def check_input(uow: UnitOfWork, data: ListingInput, today: date) -> dict[str, Any]:
    """The listing's columns from what was typed, or ListingError: nothing is written (import previews)."""
    return read_input(data, await uow.localities.all_rows(), today)


async def create_listing(
    uow: UnitOfWork,
    data: ListingInput,
    *,
    agency_code: str,
    actor: str,
    now: datetime,
    today: date,
    publish: bool = False,
    checked: dict[str, Any] | None = None,
    scope: str | None = None,
) -> ListingRow:
    """A new listing of the agency: a draft, or published at once. `checked` skips re-reading
    `data` when check_input already read it (a confirmed import); `scope` refuses another agency."""
    if scope is not None and agency_code.strip() != scope:
        raise ListingError("other_agency")
    agency = await _agency(uow, agency_code)
    if not agency.active:
        raise ListingError("inactive_agency", "agency", agency=agency.code)
    values = checked if checked is not None else await check_input(uow, data, today)
    status = PUBLISHED if publish else DRAFT
    row = await uow.listings.create(
        **values,
        agency_id=agency.id,
        status=status,
        created_at=now,
        updated_at=now,
        published_at=now if publish else None,
    )
    await uow.audit.add(actor, "listing.create", f"listing:{row.id}", now, after=_audited(row, agency.code))
    if publish:
        await _published(uow, row, now)
    return row


async def edit_listing(
    uow: UnitOfWork,
    listing_id: int,
    data: ListingInput,
    *,
    actor: str,
    now: datetime,
    today: date,
    scope: str | None = None,
) -> ListingRow:
    """New values for every field; a closed listing stays as it was (people's requests keep their link)."""
    row = await get_listing(uow, listing_id, scope)
    if row.status == CLOSED:
        raise ListingError("not_editable")
    values = await check_input(uow, data, today)
    agency = await _agency_code(uow, row)
    before = _audited(row, agency)
    await uow.listings.update(row, **values, updated_at=now)
    await uow.audit.add(actor, "listing.edit", f"listing:{row.id}", now, before, _audited(row, agency))
    return row


async def _set_status(uow: UnitOfWork, row: ListingRow, status: str, action: str, actor: str, now: datetime) -> None:
    agency = await _agency_code(uow, row)
    before = _audited(row, agency)
    fields: dict[str, Any] = {"status": status, "updated_at": now}
    if status == PUBLISHED:
        fields["published_at"] = now
    await uow.listings.update(row, **fields)
    await uow.audit.add(actor, action, f"listing:{row.id}", now, before, _audited(row, agency))
    if status == PUBLISHED:
        await _published(uow, row, now)


async def _published(uow: UnitOfWork, row: ListingRow, now: datetime) -> None:
    """Every way a listing is published comes here: its subscribers' broadcast is queued, in this
    transaction (bot/listings/alerts/broadcast.py writes the notices; once per listing)."""
    await uow.listing_alerts.queue_run(row.id, now)


async def publish_listing(
    uow: UnitOfWork, listing_id: int, *, actor: str, now: datetime, today: date, scope: str | None = None
) -> ListingRow:
    row = await get_listing(uow, listing_id, scope)
    if row.status != DRAFT:
        raise ListingError("not_draft")
    if row.expires < today:
        raise ListingError("already_expired", "expires")
    await _set_status(uow, row, PUBLISHED, "listing.publish", actor, now)
    return row


async def close_listing(
    uow: UnitOfWork, listing_id: int, *, actor: str, now: datetime, scope: str | None = None, reason: str = "staff"
) -> ListingRow:
    """Closed by staff (a draft too: a proposal turned down); `reason` is kept in the audit action."""
    row = await get_listing(uow, listing_id, scope)
    if row.status == CLOSED:
        raise ListingError("already_closed")
    await _set_status(uow, row, CLOSED, "listing.expire" if reason == "expired" else "listing.close", actor, now)
    return row


async def expire_listings(uow: UnitOfWork, *, now: datetime, today: date, actor: str = "system") -> list[int]:
    """Close the published listings past their last day (at most one batch a call); their ids."""
    closed: list[int] = []
    for row in await uow.listings.due_to_expire(today):
        await _set_status(uow, row, CLOSED, "listing.expire", actor, now)
        closed.append(row.id)
    return closed


async def open_listings(
    uow: UnitOfWork,
    *,
    today: date,
    kind: str | None = None,
    locality_id: int | None = None,
    trade: str | None = None,
    offset: int = 0,
    limit: int = 5,
) -> list[ListingRow]:
    """What a person may be offered: published, not expired, in their commune or the whole province."""
    found = ListingFilter(kind=kind, locality_id=locality_id, trade=trade, open_on=today)
    return await uow.listings.list(found, offset=offset, limit=limit)


async def open_trades(
    uow: UnitOfWork, *, today: date, kind: str | None = None, locality_id: int | None = None
) -> list[str]:
    return await uow.listings.trades(ListingFilter(kind=kind, locality_id=locality_id, open_on=today))


async def summaries(uow: UnitOfWork, rows: list[ListingRow]) -> list[ListingSummary]:
    agencies, localities = await uow.listings.labels(rows)
    found = []
    for r in rows:
        place = localities.get(r.locality_id) if r.locality_id is not None else None
        found.append(
            ListingSummary(
                r.id, r.kind, r.title, r.employer, agencies.get(r.agency_id, ""),
                place.code if place else "", place.name if place else "", r.trade, r.fair_chance,
                r.status, r.start_date, r.deadline, r.places, r.pay, r.cost_kind, r.contact, r.expires,
            )
        )  # fmt: skip
    return found


# The workspace notification of a draft proposed by an employer.
PROPOSED = "listing_proposed"


async def propose_listing(uow: UnitOfWork, data: ListingInput, *, now: datetime, today: date) -> ListingRow:
    """An employer's proposal from the public form: a draft for the agency that the routing rules send
    the commune's employment (jobs) or training (courses) requests to, for its staff to review."""
    values = await check_input(uow, data, today)
    if values["locality_id"] is None:
        raise ListingError("locality_required", "locality")
    if not values["contact"]:
        raise ListingError("contact_required", "contact")
    place = await uow.listings.locality_row(values["locality_id"])
    if place is None:
        raise ListingError("unknown_locality", "locality", locality=data.locality[:80])
    locality = Locality(place.code, place.name, place.province, tuple(str(a) for a in place.aliases or []))
    category = "employment" if values["kind"] == "job" else "training"
    decision = route(category, locality, await uow.rules.active_rules())
    if decision is None:
        raise ListingError("no_agency", "locality")
    row = await create_listing(
        uow, data, agency_code=decision.agency_code, actor=PROPOSER, now=now, today=today, checked=values
    )
    # The agency's staff hear of it in the workspace (the bell), not only when they open the list.
    for user in await uow.users.of_agency(decision.agency_code):
        await uow.notifications.add(user.id, PROPOSED, now, data={"listing_id": row.id, "title": row.title[:120]})
    return row
