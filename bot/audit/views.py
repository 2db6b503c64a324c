"""The admin page of the audit log: newest first, in sentences, filtered by who, action and date; and
the same rows as CSV."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.audit.sentences import describe
from bot.audit.service import EXPORT_LIMIT, AuditFilter, audit_page, audit_rows, parse_day, pretty_json
from bot.clock import as_utc
from bot.web.deps import ADMIN_ONLY, Admin, HoaNhap, Uow, translator
from bot.web.spreadsheet import csv_bytes, safe_cell
from bot.web.templating import render

router = APIRouter(dependencies=ADMIN_ONLY)


def _filter(request: Request) -> AuditFilter:
    params = request.query_params
    return AuditFilter(
        actor=params.get("actor", "")[:120],
        action=params.get("action", "")[:64],
        first_day=parse_day(params.get("from", "")),
        last_day=parse_day(params.get("to", "")),
    )


def _query(found: AuditFilter) -> str:
    pairs = {"actor": found.actor, "action": found.action}
    pairs["from"] = found.first_day.isoformat() if found.first_day else ""
    pairs["to"] = found.last_day.isoformat() if found.last_day else ""
    return urlencode({k: v for k, v in pairs.items() if v})


def _local(moment: datetime, tz_name: str) -> str:
    return as_utc(moment).astimezone(ZoneInfo(tz_name)).strftime("%Y-%m-%d %H:%M:%S")


@router.get("/admin/audit")
async def audit(request: Request, user: Admin, uow: Uow, app: HoaNhap) -> Response:
    t = translator(request)
    found = _filter(request)
    page_text = request.query_params.get("page", "1")
    page = int(page_text) if page_text.isascii() and page_text.isdigit() and len(page_text) < 7 else 1
    shown = await audit_page(uow, found, app.settings.timezone, page)
    context = {
        "audit": shown,
        "filter": found,
        "actor": found.actor,
        "action": found.action,
        "query": _query(found),
        "pretty": pretty_json,
        "sentence": lambda row: describe(row, t),
    }
    return await render(request, "admin/ref_audit.html", context)


@router.get("/admin/audit.csv")
async def audit_csv(request: Request, user: Admin, uow: Uow, app: HoaNhap) -> Response:
    t = translator(request)
    found = _filter(request)
    rows = await audit_rows(uow, found, app.settings.timezone, offset=0, limit=EXPORT_LIMIT)
    header = [t(f"ar_audit_col_{c}") for c in ("when", "who", "what", "action", "target")]
    lines = [header]
    for row in rows:
        local = _local(row.created_at, app.settings.timezone)
        cells = [local, row.actor, describe(row, t), row.action, row.target]
        lines.append([safe_cell(str(c)) for c in cells])
    return Response(
        csv_bytes(lines),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="audit.csv"'},
    )
