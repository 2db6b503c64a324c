"""The agency API at /api/v1: an agency's own case system reads its requests and acts on them.

Every call carries `Authorization: Bearer <token>` (tokens come from `hoanhap tokens create`) and
sees only the requests routed to the token's agency; another agency's request answers exactly like
an unknown code. Replies and status changes go through the same request actions as the CLI, the
Telegram groups and the web workspace, so the person hears about them on their own channel.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Security
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, Field, StringConstraints, WithJsonSchema
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.accounts.api_tokens import verify_token
from bot.app import App
from bot.clock import as_utc, as_utc_or_none
from bot.requests.errors import MACHINE_LOCALE, RequestError, describe
from bot.requests.service import MAX_TEXT, Reader, change_status, reply, visible
from bot.storage.models import ApiTokenRow, RequestEventRow, RequestRow
from bot.storage.unit_of_work import UnitOfWork
from handlers.domain import STATUSES

MAX_BODY_BYTES = 64 * 1024
MAX_REPLY_CHARS = MAX_TEXT  # the service's limit, checked again there
DEFAULT_PAGE = 50
MAX_PAGE = 200
_ACTOR_CHARS = 120  # the width of the actor columns
RequestCode = Annotated[str, Path(max_length=32, examples=["YC-123456"])]
# Not auto_error: the 401 must carry WWW-Authenticate, and an unknown token must answer the same.
_bearer = HTTPBearer(auto_error=False, description="a token from `hoanhap tokens create`")


# -- shapes --------------------------------------------------------------------------------------


def _known_status(value: str) -> str:
    if value not in STATUSES:
        raise ValueError(f"unknown status; one of {', '.join(STATUSES)}")
    return value


# The status list belongs to handlers.domain; it is read here rather than copied into a Literal so a
# new status reaches the API (and its documented enum) without a second edit.
StatusName = Annotated[str, AfterValidator(_known_status), WithJsonSchema({"type": "string", "enum": list(STATUSES)})]


class Event(BaseModel):
    type: str = Field(description="created, routed, replied, status, claimed, assigned, transferred, note, …")
    actor: str = Field(description="who did it: person, system, a staff member, or api:<token label>")
    created_at: datetime
    data: dict[str, Any] = Field(description="depends on the type, e.g. {'from': 'new', 'to': 'in_progress'}")


class RequestItem(BaseModel):
    code: str = Field(examples=["YC-123456"])
    status: str = Field(json_schema_extra={"enum": list(STATUSES)})
    category: str
    locality_code: str
    locality_name: str = Field(description="the commune's name, or its code if it is no longer known")
    created_at: datetime
    updated_at: datetime
    assignee: str | None = Field(description="the staff member working it, if claimed or assigned")
    description: str
    phone: str = Field(description="the person's full number, to call them back; never log it")
    name: str
    contact_time: str = Field(description="when the person prefers to be called; empty for any time")
    agency_since: datetime | None = Field(description="when your agency received it (a transfer resets it)")
    first_response_at: datetime | None
    resolved_at: datetime | None


class RequestDetail(RequestItem):
    events: list[Event] = Field(description="the timeline, oldest first")


class RequestPage(BaseModel):
    items: list[RequestItem]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class ReplyIn(BaseModel):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REPLY_CHARS)] = Field(
        description="sent to the person as written (plain text), on the channel they wrote from"
    )


class StatusIn(BaseModel):
    status: StatusName


class Error(BaseModel):
    detail: Any


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Error, "description": "missing, unknown or revoked token"},
    413: {"model": Error, "description": f"request body over {MAX_BODY_BYTES} bytes"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Error, "description": "no such request for your agency (another agency's request looks the same)"}
}


# -- transport -----------------------------------------------------------------------------------

# Characters that could make a browser or an HTML template treat what a person typed as markup or
# script; as JSON escapes they decode to the same text. They only ever occur inside JSON strings.
_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


class SafeJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.translate(_HTML_SAFE).encode("utf-8")


class ApiGuard:
    """Refuses oversized bodies before anything parses them, and keeps responses out of caches.

    The body is read whole (it is small by then) and replayed, so a client that sends no
    Content-Length, or a false one, is held to the limit too.
    """

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Responses carry people's phone numbers: no proxy or browser cache may keep them.
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                headers += [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, replay, send_private)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = SafeJSONResponse(
            {"detail": f"request body over {self.max_body} bytes"}, status_code=413, headers={"Connection": "close"}
        )
        await response(scope, receive, send)


# -- helpers -------------------------------------------------------------------------------------


@dataclass
class Call:
    """One authenticated API call: its transaction, its token, and its moment."""

    uow: UnitOfWork
    token: ApiTokenRow
    now: datetime


def _item(row: RequestRow, locality_names: dict[str, str]) -> RequestItem:
    return RequestItem(
        code=row.code,
        status=row.status,
        category=row.category,
        locality_code=row.locality_code,
        locality_name=locality_names.get(row.locality_code, row.locality_code),
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        assignee=row.assignee,
        description=row.description,
        phone=row.phone,
        name=row.name,
        contact_time=row.contact_time,
        agency_since=as_utc_or_none(row.agency_since),
        first_response_at=as_utc_or_none(row.first_response_at),
        resolved_at=as_utc_or_none(row.resolved_at),
    )


def _event(row: RequestEventRow) -> Event:
    return Event(type=row.type, actor=row.actor, created_at=as_utc(row.created_at), data=row.data)


async def _detail(uow: UnitOfWork, row: RequestRow) -> RequestDetail:
    item = _item(row, await uow.queue.locality_names({row.locality_code}))
    events = [_event(e) for e in await uow.requests.events(row.id)]
    return RequestDetail(**item.model_dump(), events=events)


async def _own_request(call: Call, code: str) -> RequestRow:
    try:
        return await visible(call.uow, code, Reader(call.token.agency_code))
    except RequestError as error:
        # One answer for "unknown" and "another agency's": codes of others' requests stay secret.
        raise HTTPException(404, "no such request") from error


def _actor(token: ApiTokenRow) -> str:
    return f"api:{token.label or token.prefix}"[:_ACTOR_CHARS]


def _encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        after = data["after"]
    except (binascii.Error, ValueError, TypeError, KeyError) as error:
        raise HTTPException(422, "invalid cursor") from error
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        raise HTTPException(422, "invalid cursor")
    return after


# -- the application -----------------------------------------------------------------------------


def create_api(app: App) -> FastAPI:
    api = FastAPI(
        title="Hòa Nhập agency API",
        version="1",
        description=(
            "For agencies' own case systems. Authenticate with `Authorization: Bearer <token>`; a token "
            "belongs to one agency and sees only that agency's requests."
        ),
        # No docs UI: it loads its scripts from a CDN, and agencies run on closed networks.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        default_response_class=SafeJSONResponse,
    )
    api.add_middleware(ApiGuard, max_body=MAX_BODY_BYTES)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> Response:
        return SafeJSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)

    @api.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> Response:
        return SafeJSONResponse({"detail": jsonable_encoder(error.errors())}, status_code=422)

    async def authenticated(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    ) -> AsyncIterator[Call]:
        async with app.uow() as uow:
            now = app.clock()
            token = await verify_token(uow, credentials.credentials if credentials else "", now)
            if token is None:
                raise HTTPException(401, "missing, unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
            yield Call(uow, token, now)

    # A default rather than an Annotated alias: FastAPI resolves these (postponed) annotations in
    # the module's globals, where a closure's alias is not. "function" scope: the transaction ends
    # before the response leaves, never after.
    authenticated_call = Depends(authenticated, scope="function")

    async def commit(call: Call) -> None:
        await call.uow.commit()
        # Wake the outbox sender: a reply or a status change has a message for the person.
        app.processor.on_commit()

    @api.get("/requests", response_model=RequestPage, responses=_ERRORS)
    async def list_requests(
        status: Annotated[StatusName | None, Query(description="only requests in this status")] = None,
        updated_since: Annotated[
            datetime | None, Query(description="only requests changed at or after this ISO 8601 time (UTC if no zone)")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
        cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")] = None,
        call: Call = authenticated_call,
    ) -> RequestPage:
        """Your agency's requests, oldest first (ascending by creation).

        Oldest first so that paging never skips anything: requests created while you page arrive
        on the last pages. To keep a copy in sync, ask with `updated_since` set a little before
        your previous sync began and follow `next_cursor` until it is null.
        """
        # One row more than asked tells whether another page exists, without a count.
        rows = await call.uow.queue.agency_page(
            call.token.agency_code,
            status=status,
            updated_since=as_utc(updated_since) if updated_since is not None else None,
            after_id=_decode_cursor(cursor) if cursor is not None else 0,
            limit=limit + 1,
        )
        page = rows[:limit]
        names = await call.uow.queue.locality_names({r.locality_code for r in page})
        await commit(call)  # last_used_at
        return RequestPage(
            items=[_item(r, names) for r in page],
            next_cursor=_encode_cursor(page[-1].id) if len(rows) > limit else None,
        )

    @api.get("/requests/{code}", response_model=RequestDetail, responses={**_ERRORS, **_NOT_FOUND})
    async def get_request(code: RequestCode, call: Call = authenticated_call) -> RequestDetail:
        """One of your agency's requests with its timeline. The read is recorded (who read what)."""
        row = await _own_request(call, code)
        detail = await _detail(call.uow, row)
        await call.uow.request_views.record(row.id, actor=f"api:{call.token.prefix}", via="api", now=call.now)
        await commit(call)
        return detail

    @api.post(
        "/requests/{code}/replies",
        response_model=Event,
        status_code=201,
        responses={**_ERRORS, **_NOT_FOUND},
    )
    async def post_reply(code: RequestCode, body: ReplyIn, call: Call = authenticated_call) -> Event:
        """Answer the person: they get the text on the channel they wrote from, and can write back.

        A new request moves to in_progress, as when staff answer from anywhere else.
        """
        row = await _own_request(call, code)
        try:
            await reply(call.uow, app.texts, row.code, body.text, _actor(call.token), call.now)
        except RequestError as error:
            raise HTTPException(422, describe(error, MACHINE_LOCALE)) from error
        replied = [e for e in await call.uow.requests.events(row.id) if e.type == "replied"]
        event = _event(replied[-1])
        await commit(call)
        return event

    @api.post("/requests/{code}/status", response_model=RequestDetail, responses={**_ERRORS, **_NOT_FOUND})
    async def post_status(code: RequestCode, body: StatusIn, call: Call = authenticated_call) -> RequestDetail:
        """Move the request to another status; the person is told. Setting the current status changes nothing."""
        row = await _own_request(call, code)
        try:
            await change_status(call.uow, app.texts, row.code, body.status, _actor(call.token), call.now)
        except RequestError as error:
            raise HTTPException(422, describe(error, MACHINE_LOCALE)) from error
        detail = await _detail(call.uow, row)
        await commit(call)
        return detail

    return api
