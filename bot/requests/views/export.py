"""The filtered queue as CSV or XLSX: personal data leaving the system, so each export is audited.

Cells that a spreadsheet would read as a formula (=, +, -, @ first) get a leading quote: what a
person typed must never run in a colleague's Excel. The XLSX is built to be opened and sorted there:
times are real date-time cells in the deployment's time zone, the header row is frozen and filtered.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, replace
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.app import App
from bot.requests.views.queue import (
    Queue,
    load_queue,
    params_for,
    scope_of,
)
from bot.requests.views.targets import QueueItem
from bot.storage.unit_of_work import UnitOfWork
from bot.web.deps import CSRF, HoaNhap, StaffUser, Translate, Uow, translator
from bot.web.i18n import request_locale
from bot.web.security import WebUser
from bot.web.spreadsheet import Cell, csv_bytes, safe_cell, xlsx_bytes
from bot.web.templating import local_time, local_wall_time
from handlers.phone import display_phone

# One export holds at most this many requests (the longest-waiting open ones first).
EXPORT_LIMIT = 20_000
COLUMNS = (
    "code",
    "status",
    "category",
    "commune",
    "agency",
    "created",
    "received",
    "assignee",
    "name",
    "phone",
    "contact_time",
    "description",
    "first_due",
    "first",
    "resolution_due",
    "resolution",
    "overdue",
)
Format = Literal["csv", "xlsx"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Column widths in characters, for the XLSX; the four time columns take TIME_WIDTH (dd/mm/yyyy hh:mm).
WIDTHS = {"code": 11, "status": 18, "category": 18, "commune": 24, "agency": 28, "assignee": 16, "name": 18}
WIDTHS |= {"phone": 14, "contact_time": 14, "description": 48, "first": 16, "resolution": 16, "overdue": 9}
TIME_WIDTH = 17


def _header(t: Translate) -> list[str]:
    return [t(f"ws_column_{name}") for name in COLUMNS]


def _cells(queue: Queue, t: Translate, bot_text: Translate, tz_name: str) -> Iterator[list[Cell]]:
    """Each request's row, text neutralised; times as the deployment's wall-clock date-times."""
    for item in queue.items:
        yield [
            safe_cell(value) if isinstance(value, str) else value for value in _row(item, queue, t, bot_text, tz_name)
        ]


def _as_text(cell: Cell) -> str:
    if isinstance(cell, datetime):
        return cell.strftime("%d/%m/%Y %H:%M")
    return cell or ""


def _row(item: QueueItem, queue: Queue, t: Translate, bot_text: Translate, tz_name: str) -> list[Cell]:
    row = item.row
    locality = queue.localities.get(row.locality_code)
    agency = queue.agencies.get(row.agency_code)
    return [
        row.code,
        t(f"ws_status_{row.status}"),
        bot_text(f"category_{row.category}"),
        f"{locality.name}, {locality.province}" if locality else row.locality_code,
        agency.name if agency else row.agency_code,
        local_wall_time(row.created_at, tz_name),
        local_wall_time(row.agency_since or row.created_at, tz_name),
        queue.labels.get(row.assignee or "", row.assignee or ""),
        row.name,
        display_phone(row.phone),
        bot_text(f"contact_time_{row.contact_time or 'any'}"),
        row.description,
        local_wall_time(item.first.due_at, tz_name),
        item.first.text,
        local_wall_time(item.resolution.due_at, tz_name),
        item.resolution.text,
        t("ws_yes") if item.overdue else "",
    ]


router = APIRouter(prefix="/staff", dependencies=CSRF)


async def export(request: Request, uow: UnitOfWork, app: App, user: WebUser, fmt: Format) -> Response:
    t = translator(request)
    language = request_locale(request)

    def bot_text(key: str, **values: object) -> str:
        return app.texts.get(language, key, **values)

    params = replace(await params_for(uow, request.query_params, user), page=1)
    queue = await load_queue(uow, app, scope_of(user), params, t, page_size=EXPORT_LIMIT)
    now = app.clock()
    filters = {key: value for key, value in asdict(params).items() if value and key != "page"}
    await uow.audit.add(
        user.username, "requests.export", fmt, now, after={"filters": filters, "rows": len(queue.items)}
    )
    await uow.commit()
    header, cells = _header(t), _cells(queue, t, bot_text, app.settings.timezone)
    stamp = local_time(now, app.settings.timezone, "%Y%m%d-%H%M")
    filename = f"hoanhap-{stamp}.{fmt}"
    if fmt == "csv":
        rows = (list(map(_as_text, row)) for row in cells)
        body, media_type = csv_bytes([header, *rows]), "text/csv; charset=utf-8"
    else:
        widths = [WIDTHS.get(name, TIME_WIDTH) for name in COLUMNS]
        body, media_type = xlsx_bytes(t("ws_export_sheet"), header, cells, widths), XLSX_TYPE
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        # Personal data: no proxy or browser cache may keep a copy.
        "Cache-Control": "no-store",
    }
    return Response(body, media_type=media_type, headers=headers)


@router.get("/export.csv")
async def export_csv(request: Request, user: StaffUser, uow: Uow, app: HoaNhap) -> Response:
    return await export(request, uow, app, user, "csv")


@router.get("/export.xlsx")
async def export_xlsx(request: Request, user: StaffUser, uow: Uow, app: HoaNhap) -> Response:
    return await export(request, uow, app, user, "xlsx")
