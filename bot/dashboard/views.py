"""The admin dashboard at /admin: charts drawn as inline SVG on the server, each with its numbers as a
table under it and as a CSV download (/admin/dashboard/<chart>.csv) for the same date range.

The charts' view models are built in dashboard_view.py and their CSV files in dashboard_csv.py;
the table a chart shows and the CSV it offers come from one `Table`, so they cannot disagree.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from bot.app import App
from bot.clock import as_utc
from bot.dashboard.csv_export import to_csv
from bot.dashboard.figures import (
    Dashboard,
    DateRange,
    RangeError,
    aggregate,
    default_range,
    parse_day,
    parse_range,
    read_rows,
)
from bot.dashboard.listing_figures import listings_view, registrations_view
from bot.dashboard.page import CHARTS, ChartView, build_views
from bot.listings.registrations import PERSON
from bot.web.deps import HoaNhap
from bot.web.i18n import request_locale, web_texts
from bot.web.security import admin_user
from bot.web.templating import render

PRESET_WEEKS = (4, 12, 26, 52)


def _label(locale: str, app: App, prefix: str, code: str) -> str:
    """A category or status in the bot's own words; an unknown code (old data) as itself."""
    try:
        return app.texts.get(locale, f"{prefix}_{code}")
    except KeyError:
        return code


def number(value: float | int, locale: str) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    text = f"{value:.1f}"
    return text.replace(".", ",") if locale == "vi" else text


def _form_value(asked: str, shown: date) -> str:
    """A valid date typed is kept to be corrected (a start after the end, say); a browser cannot
    show a malformed one in a date field, so that field shows the range on the page instead."""
    try:
        return parse_day(asked.strip()).isoformat()
    except RangeError:
        return shown.isoformat()


def _query(date_range: DateRange) -> str:
    return urlencode({"from": date_range.first.isoformat(), "to": date_range.last.isoformat()})


async def _dashboard(request: Request, app: App, date_range: DateRange) -> tuple[Dashboard, list[ChartView], str]:
    locale = request_locale(request)
    texts = web_texts()

    def t(key: str, **values: Any) -> str:
        return texts.get(locale, key, **values)

    def label(prefix: str, code: str) -> str:
        return _label(locale, app, prefix, code)

    # Its own short unit of work rather than the route's: the database is let go before the
    # aggregation's seconds, as on SQLite an open unit of work would hold up every incoming message.
    async with app.uow() as uow:
        rows = await read_rows(uow, date_range, app.settings.timezone)
        listings = await uow.listings.open_counts(_today(app))
        registrations = await uow.listing_people.counts(*date_range.bounds(ZoneInfo(app.settings.timezone)), PERSON)
    # Working hours and likeness grouping take a while over two years of rows: off the event loop.
    dash = await asyncio.to_thread(aggregate, rows, date_range, app.settings.timezone, app.clock())
    names = {code: row.name for code, row in rows.agencies.items()}
    listing_views = [listings_view(listings, names, t), registrations_view(registrations, names, t)]
    return dash, [*build_views(dash, t, label), *listing_views], locale


def _today(app: App) -> date:
    return as_utc(app.clock()).astimezone(ZoneInfo(app.settings.timezone)).date()


# Read-only pages: no unsafe method, so no CSRF dependency; every route is an admin's only.
router = APIRouter(dependencies=[Depends(admin_user)])


@router.get("/admin")
async def dashboard(request: Request, app: HoaNhap) -> Response:
    today = _today(app)
    asked_from = request.query_params.get("from", "")
    asked_to = request.query_params.get("to", "")
    error_key = ""
    try:
        date_range = parse_range(asked_from, asked_to, today)
    except RangeError as error:
        # The figures of the default range, with what was typed kept in the form to correct.
        error_key, date_range = error.key, default_range(today)
    dash, views, locale = await _dashboard(request, app, date_range)
    presets = [
        (weeks, _query(DateRange(today - timedelta(days=today.weekday(), weeks=weeks - 1), today)))
        for weeks in PRESET_WEEKS
    ]
    return await render(
        request,
        "admin/dashboard.html",
        {
            "dash": dash,
            "views": views,
            "error_key": error_key,
            "form_from": _form_value(asked_from, date_range.first),
            "form_to": _form_value(asked_to, date_range.last),
            "query": _query(date_range),
            "presets": presets,
            "timezone": app.settings.timezone,
            "num": lambda value: number(value, locale),
        },
    )


@router.get("/admin/dashboard/{chart}.csv")
async def chart_csv(request: Request, chart: str, app: HoaNhap) -> Response:
    if chart not in CHARTS:
        raise HTTPException(status_code=404)
    try:
        date_range = parse_range(request.query_params.get("from", ""), request.query_params.get("to", ""), _today(app))
    except RangeError as error:
        message = web_texts().get(request_locale(request), error.key)
        return Response(message, status_code=400, media_type="text/plain; charset=utf-8")
    _, views, _ = await _dashboard(request, app, date_range)
    view = next(v for v in views if v.key == chart)
    name = f"hoanhap-{chart}-{date_range.first.isoformat()}-{date_range.last.isoformat()}.csv"
    return Response(
        to_csv(view.table, app.settings.timezone),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
