"""The agency API at /api/v1: an agency's own case system reads its requests and acts on them.

Every call carries `Authorization: Bearer <token>` (tokens come from `hoanhap tokens create`) and
sees only the requests routed to the token's agency; another agency's request answers exactly like
an unknown code. Replies and status changes go through the same request actions as the CLI, the
Telegram groups and the web workspace, so the person hears about them on their own channel.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.app import App
from bot.listings.api import router as listings_router
from bot.requests.api.routes import router
from bot.requests.api.shapes import MAX_BODY_BYTES
from bot.requests.api.transport import ApiGuard, SafeJSONResponse
from bot.requests.errors import MACHINE_LOCALE, RequestError, describe


def create_api(app: App) -> FastAPI:
    api = FastAPI(
        title="Hòa Nhập agency API",
        version="1",
        description=(
            "For agencies' own case systems. Authenticate with `Authorization: Bearer <token>`; a token "
            "belongs to one agency and sees only that agency's requests and listings."
        ),
        # No docs UI: it loads its scripts from a CDN, and agencies run on closed networks.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        default_response_class=SafeJSONResponse,
    )
    api.state.hoanhap = app
    api.add_middleware(ApiGuard, max_body=MAX_BODY_BYTES)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> Response:
        return SafeJSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)

    @api.exception_handler(RequestError)
    async def refused(_request: Request, error: RequestError) -> Response:
        # The one place a refused change is answered: the unit of work has rolled it back.
        return SafeJSONResponse({"detail": describe(error, MACHINE_LOCALE)}, status_code=422)

    @api.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> Response:
        return SafeJSONResponse({"detail": jsonable_encoder(error.errors())}, status_code=422)

    api.include_router(router)
    api.include_router(listings_router)
    return api
