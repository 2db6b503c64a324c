"""Jinja2 pages: autoescaped, with the texts of the request's language and its CSRF token."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.clock import as_utc
from bot.web.i18n import request_locale, web_texts
from bot.web.security import CSRF_COOKIE, hoanhap, security

TEMPLATES_DIR = Path(__file__).parent / "templates"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_environment)


def local_time(moment: datetime | None, timezone: str, pattern: str = "%d/%m/%Y %H:%M") -> str:
    """A stored instant in the deployment's time zone (SQLite gives naive UTC back)."""
    if moment is None:
        return ""
    return as_utc(moment).astimezone(ZoneInfo(timezone)).strftime(pattern)


def local_wall_time(moment: datetime | None, timezone: str) -> datetime | None:
    """A stored instant as the deployment's wall clock, without a zone: what a spreadsheet cell holds."""
    if moment is None:
        return None
    return as_utc(moment).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


async def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    *,
    locale: str | None = None,
) -> HTMLResponse:
    """`locale` overrides the request's (the web chat's page speaks its conversation's language)."""
    app = hoanhap(request)
    locale = locale or request_locale(request)
    texts = web_texts()
    seed = getattr(request.state, "csrf_seed", "") or request.cookies.get(CSRF_COOKIE, "")
    timezone = app.settings.timezone

    def t(key: str, **values: Any) -> str:
        return texts.get(locale, key, **values)

    def when(moment: datetime | None, pattern: str = "%d/%m/%Y %H:%M") -> str:
        return local_time(moment, timezone, pattern)

    base: dict[str, Any] = {
        "request": request,
        "t": t,
        "when": when,
        "locale": locale,
        "csrf_token": await security(request).csrf_token(seed) if seed else "",
        "user": await security(request).current_user(request),
        "bot_texts": app.texts,
    }
    base.update(context or {})
    return templates.TemplateResponse(request, name, base, status_code=status_code)
