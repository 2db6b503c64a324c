"""A batch of listings from a CSV or XLSX file on the staff pages: the upload is checked and shown
row by row (each row's error in words), and nothing is created until the preview is confirmed."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from bot.audit.changes import AdminInputError
from bot.listings.errors import ListingError, describe
from bot.listings.imports import MAX_BYTES, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, check_rows, import_rows, read_table
from bot.listings.service import local_today
from bot.reference.uploads import keep_pending_upload, take_pending_upload
from bot.storage.unit_of_work import UnitOfWork
from bot.web.admin import action_pages, read_form
from bot.web.deps import CSRF, AppSettings, Clock, StaffUser, Uow
from bot.web.forms import committed, see_other
from bot.web.i18n import request_locale
from bot.web.security import WebUser, staff_user
from bot.web.templating import render

# staff_user before the CSRF check: a stranger is sent to log in before the upload is read.
router = APIRouter(dependencies=[Depends(staff_user), *CSRF])
PENDING = "listings"
# The preview's table shows this many rows; every error is listed all the same.
SHOWN_ROWS = 200
SHOWN_ERRORS = 1000


async def import_page(request: Request, uow: UnitOfWork, user: WebUser, status: int = 200, **extra: Any) -> Response:
    context: dict[str, Any] = {
        "columns": REQUIRED_COLUMNS,
        "optional_columns": OPTIONAL_COLUMNS,
        "max_mb": MAX_BYTES // (1024 * 1024),
        "agencies": [a for a in await uow.agencies.all_rows() if a.active] if user.is_admin else [],
        "error": "",
        "preview": None,
        "form": {"agency": "", "publish": ""},
    }
    context.update(extra)
    context["form"] = {"agency": "", "publish": ""} | context["form"]
    return await render(request, "staff/listings_import.html", context, status)


async def _upload(request: Request) -> tuple[bytes, str, dict[str, str]]:
    async with request.form() as form:  # closes the upload's spooled temporary file, read or refused
        upload = form.get("file")
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        if not isinstance(upload, UploadFile):
            return b"", "", fields
        return await upload.read(MAX_BYTES + 1), upload.filename or "", fields


def _agency_of(user: WebUser, form: dict[str, str]) -> str:
    return form.get("agency", "")[:64] if user.is_admin else (user.agency_code or "")


@router.get("/staff/listings/import")
async def import_form(request: Request, user: StaffUser, uow: Uow) -> Response:
    return await import_page(request, uow, user)


@router.post("/staff/listings/import")
async def import_preview(request: Request, user: StaffUser, uow: Uow, clock: Clock, settings: AppSettings) -> Response:
    raw, filename, form = await _upload(request)
    agency = _agency_of(user, form)
    locale = request_locale(request)
    today = local_today(clock(), settings.timezone)
    try:
        if await uow.agencies.get_row(agency) is None:
            raise ListingError("unknown_agency", "agency", agency=agency)
        table = read_table(raw, filename)
        results = await check_rows(uow, table, today)
    except ListingError as error:
        status = 413 if error.key == "file_too_big" else 400
        return await import_page(request, uow, user, status, error=describe(error, locale), form=form)
    valid = [r for r in results if r.error is None]
    errors = [(r.line, describe(r.error, locale)) for r in results if r.error is not None]
    preview: dict[str, Any] = {
        "rows": [(r.line, r.values, describe(r.error, locale) if r.error else "") for r in results[:SHOWN_ROWS]],
        "total": len(results),
        "valid": len(valid),
        "errors": errors[:SHOWN_ERRORS],
        "error_count": len(errors),
        "digest": "",
    }
    if valid:
        payload = {"agency": agency, "publish": "1" if form.get("publish") else "", "rows": json.dumps(table)}
        preview["digest"] = await committed(uow, lambda uow: keep_pending_upload(uow, PENDING, user.id, payload))
    return await import_page(request, uow, user, preview=preview, form=form)


@router.post("/staff/listings/import/confirm")
async def import_confirm(request: Request, user: StaffUser, uow: Uow, clock: Clock, settings: AppSettings) -> Response:
    expected = (await read_form(request)).get("digest", "")[:64]
    now = clock()
    today = local_today(now, settings.timezone)

    async def confirm(uow: UnitOfWork) -> list[int]:
        pending = await take_pending_upload(uow, PENDING, user.id, expected)
        agency = pending["agency"]
        if not user.is_admin and agency != user.agency_code:
            raise ListingError("other_agency")
        table = [(int(line), dict(values)) for line, values in json.loads(pending["rows"])]
        # Checked again: a commune may have changed, or the day passed, since the preview.
        results = await check_rows(uow, table, today)
        return await import_rows(uow, results, agency_code=agency, actor=user.username, now=now, today=today,
                                 publish=bool(pending["publish"]))  # fmt: skip

    try:
        await committed(uow, confirm)
    except AdminInputError:
        return await import_page(request, uow, user, 400, error=describe(ListingError("import_expired"),
                                                                      request_locale(request)))  # fmt: skip
    except ListingError as error:
        return await import_page(request, uow, user, 400, error=describe(error, request_locale(request)))
    return see_other("/staff/listings?done=imported")


action_pages(
    router,
    ("/staff/listings/import/confirm", "/staff/listings/import"),
)
