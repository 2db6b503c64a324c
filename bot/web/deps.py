"""What a route is given rather than fetching it itself: the application and its parts, the unit of
work of the request, who is signed in, and the page's language. Each is an `Annotated` alias a
route names as a parameter's type (`uow: Uow`, `user: Admin`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated, Any

from annotated_types import Ge, Le
from fastapi import Depends, Request

from bot.app import App
from bot.config import Settings
from bot.storage.unit_of_work import UnitOfWork
from bot.web.i18n import request_locale, web_texts
from bot.web.security import WebUser, admin_user, csrf_protect, hoanhap, security, signed_in_user, staff_user
from handlers.texts import Texts

Translate = Callable[..., str]


def app_settings(app: HoaNhap) -> Settings:
    return app.settings


def bot_texts(app: HoaNhap) -> Texts:
    return app.texts


def app_clock(app: HoaNhap) -> Callable[[], datetime]:
    # The clock itself rather than one reading of it: a route reads the time where it acts, once
    # its unit of work holds the database.
    return app.clock


def translator(request: Request) -> Translate:
    """The web page's texts in the request's language."""
    texts, locale = web_texts(), request_locale(request)

    def t(key: str, **values: Any) -> str:
        return texts.get(locale, key, **values)

    return t


def _renders_pages(request: Request) -> bool:
    # The agency API is an application of its own, with no pages and no sessions.
    return hasattr(request.app.state, "security")


async def unit_of_work(request: Request, app: HoaNhap) -> AsyncIterator[UnitOfWork]:
    """The request's unit of work: rolled back on an error, closed after the route returns; the
    route commits what it changes.

    With SQLite every unit of work queues on one lock, and a page is rendered while this one is
    still open: what rendering reads from the database (the signing key, who is signed in) is read
    before it opens (the agency API renders no page)."""
    if _renders_pages(request):
        web = security(request)
        await web.key()
        await web.current_user(request)
    async with app.uow() as uow:
        yield uow


HoaNhap = Annotated[App, Depends(hoanhap)]
AppSettings = Annotated[Settings, Depends(app_settings)]
BotTexts = Annotated[Texts, Depends(bot_texts)]
Clock = Annotated[Callable[[], datetime], Depends(app_clock)]
Locale = Annotated[str, Depends(request_locale)]
WebText = Annotated[Translate, Depends(translator)]
# "function" scope: the transaction ends before the response leaves, never after.
Uow = Annotated[UnitOfWork, Depends(unit_of_work, scope="function")]
StaffUser = Annotated[WebUser, Depends(staff_user)]
# The user's own account pages: reachable by an admin who must still enrol a second factor.
SignedIn = Annotated[WebUser, Depends(signed_in_user)]
Admin = Annotated[WebUser, Depends(admin_user)]

# Numbers from a URL or a form as the database holds them: row ids are 64-bit, versions and counts
# 32-bit (PostgreSQL's integer). A larger one is refused as a bad request (422; a page for a browser)
# before it reaches the driver, which would fail on it with a 500.
MAX_ROW_ID = 2**63 - 1
MAX_SMALL_INT = 2**31 - 1
RowId = Annotated[int, Ge(0), Le(MAX_ROW_ID)]
SmallInt = Annotated[int, Ge(0), Le(MAX_SMALL_INT)]
# A position in a list (the web chat's `after`): anything below zero means from the start.
Position = Annotated[int, Le(MAX_ROW_ID)]

# Router dependencies of the admin pages. admin_user comes first: for anyone else the pages do not
# exist, even to a forged form, and it runs before any body is parsed (the CSRF check reads the form).
ADMIN_ONLY = [Depends(admin_user), Depends(csrf_protect)]
CSRF = [Depends(csrf_protect)]
