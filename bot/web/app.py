"""The FastAPI application: health, readiness, the web chat, the staff workspace, the admin console,
the agency API, and the webhooks of the channels that are set up."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from bot.accounts.views import account, login, tokens, users
from bot.agencies import views as agencies
from bot.app import App
from bot.audit import views as audit
from bot.channels import webchat
from bot.dashboard import views as dashboard
from bot.faq.views import approvals, entries, inbox, test_box
from bot.holidays import views as holidays
from bot.listings import import_views as listing_imports
from bot.listings import propose as listing_propose
from bot.listings import views as listings
from bot.localities import views as localities
from bot.metrics import gc_pauses
from bot.metrics import views as metrics
from bot.reference import views as reference
from bot.requests.api import create_api
from bot.requests.views import bulk, canned, export, queue, saved
from bot.requests.views import request as staff_request
from bot.routing import views as routing
from bot.storage.database import schema_is_current
from bot.storage.errors import ValueOutOfRange
from bot.web.middleware import BodyLimitMiddleware, BrowserSecurityMiddleware, RequestIdMiddleware
from bot.web.security import CsrfError, NeedsSecondFactor, NotAuthenticated, WebSecurity, login_redirect_target
from bot.web.templating import render

STATIC_DIR = Path(__file__).parent / "static"

# Every noun's pages. The order matters where paths overlap: a fixed path comes before a
# parametrised one that would take it for a parameter (the FAQ approvals, under /admin/faq/approvals,
# before the entries' /admin/faq/{slug}; within entries.py, /admin/faq/new before /admin/faq/{slug}).
ROUTERS: tuple[APIRouter, ...] = (
    login.router,
    account.router,
    webchat.router,
    dashboard.router,
    approvals.router,
    entries.router,
    test_box.router,
    inbox.router,
    agencies.router,
    localities.router,
    routing.router,
    holidays.router,
    users.router,
    tokens.router,
    reference.router,
    audit.router,
    listing_imports.router,
    listings.router,
    listing_propose.router,
    queue.router,
    staff_request.router,
    saved.router,
    bulk.router,
    canned.router,
    export.router,
    metrics.router,
)


def _add_health_checks(web: FastAPI, app: App) -> None:
    @web.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @web.get("/readyz")
    async def readyz() -> JSONResponse:
        try:
            await app.database.ping()
            current = await schema_is_current(app.database.engine)
        except Exception:
            return JSONResponse({"status": "database unreachable"}, status_code=503)
        if not current:
            return JSONResponse({"status": "migrations pending"}, status_code=503)
        return JSONResponse({"status": "ready"})


def create_web_app(app: App, routers: list[APIRouter]) -> FastAPI:
    web = FastAPI(title="Hòa Nhập", docs_url=None, redoc_url=None, openapi_url=None)
    web.state.hoanhap = app
    web.state.security = WebSecurity(app)
    web.add_middleware(BrowserSecurityMiddleware, secure_cookies=app.settings.secure_cookies)
    # Added after the others, so outside them: no other middleware, mount or route sees a body past its limit.
    web.add_middleware(BodyLimitMiddleware)
    # Outermost (it reads no body): a refused body's 413 carries the request's id too.
    web.add_middleware(RequestIdMiddleware)
    gc_pauses.install()
    # The channels' webhooks first: they carry most requests, and Starlette tries routes in order.
    for router in routers:
        web.include_router(router)
    web.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    web.mount("/api/v1", create_api(app))
    _add_health_checks(web, app)

    @web.exception_handler(NotAuthenticated)
    async def to_login(request: Request, _error: NotAuthenticated) -> Response:
        return RedirectResponse(login_redirect_target(request), status_code=303)

    @web.exception_handler(NeedsSecondFactor)
    async def to_enrolment(_request: Request, _error: NeedsSecondFactor) -> Response:
        return RedirectResponse("/account", status_code=303)

    @web.exception_handler(CsrfError)
    async def csrf_refused(request: Request, _error: CsrfError) -> Response:
        return await render(request, "error.html", {"status": 403, "message_key": "error_csrf"}, status_code=403)

    @web.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        # A browser gets a page saying so; scripts get FastAPI's usual 422 with what was wrong.
        if _wants_html(request):
            return await render(request, "error.html", {"status": 400, "message_key": "error_bad_request"}, 400)
        return JSONResponse({"detail": jsonable_encoder(error.errors())}, status_code=422)

    @web.exception_handler(ValueOutOfRange)
    async def out_of_range(request: Request, _error: ValueOutOfRange) -> Response:
        # The net under every number a route parses itself: too large for the database is a bad request.
        if _wants_html(request):
            return await render(request, "error.html", {"status": 400, "message_key": "error_bad_request"}, 400)
        return JSONResponse({"detail": "a number is out of range"}, status_code=400)

    @web.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if not _wants_html(request) or error.status_code not in (403, 404, 405):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)
        key = "error_not_found" if error.status_code == 404 else "error_forbidden"
        return await render(request, "error.html", {"status": error.status_code, "message_key": key}, error.status_code)

    for router in ROUTERS:
        web.include_router(router)
    return web


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")
