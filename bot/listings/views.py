"""The staff pages of listings: their agency's jobs and courses (an admin: every agency's), a new one,
editing, publishing and closing. Employers' proposals arrive here as drafts to review."""

from __future__ import annotations

from dataclasses import fields
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from bot.listings.errors import ListingError, describe
from bot.listings.fields import COST_KINDS, KINDS, ListingInput
from bot.listings.service import (
    PROPOSED,
    STATUSES,
    close_listing,
    create_listing,
    edit_listing,
    get_listing,
    local_today,
    publish_listing,
    summaries,
)
from bot.storage.models import ListingRow
from bot.storage.repos.listings import DRAFT, ListingFilter
from bot.storage.unit_of_work import UnitOfWork
from bot.web.admin import checked, read_form
from bot.web.deps import CSRF, AppSettings, Clock, RowId, StaffUser, Uow
from bot.web.forms import committed, see_other
from bot.web.i18n import request_locale
from bot.web.security import WebUser, staff_user
from bot.web.templating import render

# staff_user before the CSRF check: a stranger is sent to log in before any form is read.
router = APIRouter(dependencies=[Depends(staff_user), *CSRF])
PAGE_LIMIT = 200
NOTICES = ("created", "saved", "published", "closed", "imported")


def scope(user: WebUser) -> str | None:
    """The agency a staff member's listings are limited to; None for an admin (every agency)."""
    return None if user.is_admin else (user.agency_code or "")


def as_form(row: ListingRow | None, locality_code: str = "") -> dict[str, str]:
    if row is None:
        return {f.name: "" for f in fields(ListingInput)} | {"kind": "job", "agency": ""}
    values: dict[str, Any] = {f.name: getattr(row, f.name, "") for f in fields(ListingInput)}
    values["locality"] = locality_code
    values["fair_chance"] = "yes" if row.fair_chance else ""
    for name in ("start_date", "deadline", "expires"):
        day = getattr(row, name)
        values[name] = day.isoformat() if day else ""
    values["places"] = "" if row.places is None else str(row.places)
    return {k: str(v) for k, v in values.items()} | {"agency": ""}


def typed_input(form: dict[str, str]) -> ListingInput:
    values = {f.name: form.get(f.name, "")[:20_000] for f in fields(ListingInput)}
    values["fair_chance"] = "yes" if checked(form, "fair_chance") else "no"
    return ListingInput(**values)


async def _choices(uow: UnitOfWork, user: WebUser) -> dict[str, Any]:
    agencies = await uow.agencies.all_rows() if user.is_admin else []
    return {
        "localities": await uow.localities.all_rows(),
        "agencies": [a for a in agencies if a.active],
        "kinds": KINDS,
        "cost_kinds": COST_KINDS,
    }


async def form_page(
    request: Request,
    uow: UnitOfWork,
    user: WebUser,
    row: ListingRow | None,
    form: dict[str, str],
    error: ListingError | None = None,
    status: int = 200,
) -> Response:
    notice = request.query_params.get("done", "")
    context = {
        "row": row,
        "summary": (await summaries(uow, [row]))[0] if row else None,
        "notice": notice if notice in NOTICES else "",
        "form": as_form(None) | form,
        "error": describe(error, request_locale(request)) if error else "",
        "error_field": error.field if error else "",
        **await _choices(uow, user),
    }
    return await render(request, "staff/listing_form.html", context, status)


@router.get("/staff/listings")
async def listings(request: Request, user: StaffUser, uow: Uow) -> Response:
    query = request.query_params
    status = query.get("status", "")
    agency_code = scope(user) if not user.is_admin else query.get("agency", "")
    agency = await uow.agencies.get_row(agency_code) if agency_code else None
    wanted = query.get("page", "1")
    page = int(wanted) if wanted.isdigit() and 0 < len(wanted) < 7 else 1
    total = 0
    if agency_code and agency is None:
        rows: list[ListingRow] = []
    else:
        found = ListingFilter(
            agency_id=agency.id if agency else None,
            status=status if status in STATUSES else None,
            kind=query.get("kind") if query.get("kind") in KINDS else None,
        )
        total = await uow.listings.count(found)
        page = max(1, min(page, -(-total // PAGE_LIMIT)))
        rows = await uow.listings.list(found, offset=(page - 1) * PAGE_LIMIT, limit=PAGE_LIMIT)
    items = await summaries(uow, rows)
    chosen = (("status", status), ("kind", query.get("kind", "")), ("agency", agency_code if user.is_admin else ""))
    kept = {k: v for k, v in chosen if v}
    notice = query.get("done", "")
    context = {
        "items": items,
        "drafts": [i for i in items if i.status == DRAFT],
        "status": status if status in STATUSES else "",
        "kind": query.get("kind", "") if query.get("kind") in KINDS else "",
        "agency": agency_code or "",
        "agencies": await uow.agencies.all_rows() if user.is_admin else [],
        "statuses": STATUSES,
        "kinds": KINDS,
        "notice": notice if notice in NOTICES else "",
        "agency_name": agency.name if agency and not user.is_admin else "",
        "notifications": [],
        "page": page,
        "pages": max(1, -(-total // PAGE_LIMIT)),
        "total": total,
        # The filters, kept by the links to the page before and after.
        "kept": urlencode(kept),
    }
    return await render(request, "staff/listings.html", context)


@router.get("/staff/listings/new")
async def new_listing(request: Request, user: StaffUser, uow: Uow) -> Response:
    return await form_page(request, uow, user, None, as_form(None))


@router.post("/staff/listings/new")
async def create(request: Request, user: StaffUser, uow: Uow, clock: Clock, settings: AppSettings) -> Response:
    form = await read_form(request)
    agency = form.get("agency", "")[:64] if user.is_admin else (user.agency_code or "")
    now = clock()
    publish = form.get("action") == "publish"
    try:
        row = await committed(
            uow,
            lambda uow: create_listing(
                uow, typed_input(form), agency_code=agency, actor=user.username, now=now,
                today=local_today(now, settings.timezone), publish=publish, scope=scope(user),
            ),
        )  # fmt: skip
    except ListingError as error:
        return await form_page(request, uow, user, None, form, error, 400)
    return see_other(f"/staff/listings/{row.id}?done={'published' if publish else 'created'}")


async def _own(uow: UnitOfWork, user: WebUser, listing_id: int) -> ListingRow:
    """The listing, when this user may see it; 404 otherwise, as if it did not exist."""
    try:
        return await get_listing(uow, listing_id, scope(user))
    except ListingError:
        raise HTTPException(status_code=404) from None


async def _locality_code(uow: UnitOfWork, row: ListingRow) -> str:
    if row.locality_id is None:
        return ""
    locality = await uow.listings.locality_row(row.locality_id)
    return locality.code if locality else ""


@router.get("/staff/listings/{listing_id}")
async def listing(request: Request, listing_id: RowId, user: StaffUser, uow: Uow, clock: Clock) -> Response:
    row = await _own(uow, user, listing_id)
    await committed(uow, lambda uow: uow.notifications.mark_read_of_kind(user.id, PROPOSED, clock(), listing_id=row.id))
    return await form_page(request, uow, user, row, as_form(row, await _locality_code(uow, row)))


@router.post("/staff/listings/{listing_id}")
async def edit(
    request: Request, listing_id: RowId, user: StaffUser, uow: Uow, clock: Clock, settings: AppSettings
) -> Response:
    form = await read_form(request)
    row = await _own(uow, user, listing_id)
    now = clock()
    today = local_today(now, settings.timezone)

    async def change(uow: UnitOfWork) -> ListingRow:
        edited = await edit_listing(uow, listing_id, typed_input(form), actor=user.username, now=now, today=today,
                                    scope=scope(user))  # fmt: skip
        if form.get("action") == "publish" and edited.status == DRAFT:
            await publish_listing(uow, listing_id, actor=user.username, now=now, today=today, scope=scope(user))
        return edited

    try:
        await committed(uow, change)
    except ListingError as error:
        row = await _own(uow, user, listing_id)
        return await form_page(request, uow, user, row, form, error, 400)
    return see_other(f"/staff/listings/{row.id}?done={'published' if form.get('action') == 'publish' else 'saved'}")


async def _status_change(
    request: Request, user: WebUser, uow: UnitOfWork, listing_id: int, publish: bool, clock: Clock, tz: str
) -> Response:
    await _own(uow, user, listing_id)
    now = clock()
    today = local_today(now, tz)

    async def change(uow: UnitOfWork) -> ListingRow:
        if publish:
            return await publish_listing(uow, listing_id, actor=user.username, now=now, today=today, scope=scope(user))
        return await close_listing(uow, listing_id, actor=user.username, now=now, scope=scope(user))

    try:
        await committed(uow, change)
    except ListingError as error:
        row = await _own(uow, user, listing_id)
        return await form_page(request, uow, user, row, as_form(row, await _locality_code(uow, row)), error, 400)
    return see_other(f"/staff/listings/{listing_id}?done={'published' if publish else 'closed'}")


@router.post("/staff/listings/{listing_id}/publish")
async def publish(
    request: Request, listing_id: RowId, user: StaffUser, uow: Uow, clock: Clock, settings: AppSettings
) -> Response:
    return await _status_change(request, user, uow, listing_id, True, clock, settings.timezone)


@router.post("/staff/listings/{listing_id}/close")
async def close(
    request: Request, listing_id: RowId, user: StaffUser, uow: Uow, clock: Clock, settings: AppSettings
) -> Response:
    return await _status_change(request, user, uow, listing_id, False, clock, settings.timezone)
