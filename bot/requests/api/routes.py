"""The agency API's calls: list, read, reply, change status; each in one authenticated unit of work."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.accounts.api_tokens import verify_token
from bot.app import App
from bot.clock import as_utc, as_utc_or_none
from bot.listings.registrations import registration_of
from bot.requests.api.shapes import (
    ERRORS,
    NOT_FOUND,
    Event,
    ListingLink,
    ReplyIn,
    RequestDetail,
    RequestPage,
    StatusIn,
    StatusName,
    event_of,
    request_item,
)
from bot.requests.errors import RequestError
from bot.requests.service import Reader, change_status, reply, visible
from bot.storage.models import ApiTokenRow, RequestRow
from bot.storage.unit_of_work import UnitOfWork
from bot.web.deps import HoaNhap, Uow

DEFAULT_PAGE = 50
MAX_PAGE = 200
_ACTOR_CHARS = 120  # the width of the actor columns
RequestCode = Annotated[str, Path(max_length=32, examples=["YC-123456"])]
# Not auto_error: the 401 must carry WWW-Authenticate, and an unknown token must answer the same.
_bearer = HTTPBearer(auto_error=False, description="a token from `hoanhap tokens create`")


@dataclass
class Call:
    """One authenticated API call: the application, its transaction, its token, and its moment."""

    app: App
    uow: UnitOfWork
    token: ApiTokenRow
    now: datetime

    async def commit(self) -> None:
        await self.uow.commit()
        # Wake the outbox sender: a reply or a status change has a message for the person.
        self.app.processor.on_commit()


async def authenticated(
    uow: Uow, app: HoaNhap, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]
) -> Call:
    now = app.clock()
    token = await verify_token(uow, credentials.credentials if credentials else "", now)
    if token is None:
        raise HTTPException(401, "missing, unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    return Call(app, uow, token, now)


AuthenticatedCall = Annotated[Call, Depends(authenticated)]

router = APIRouter()


async def _detail(uow: UnitOfWork, row: RequestRow) -> RequestDetail:
    item = request_item(row, await uow.queue.locality_names({row.locality_code}))
    events = [event_of(e) for e in await uow.requests.events(row.id)]
    found = await registration_of(uow, row)
    listing = (
        ListingLink(
            id=found.listing_id,
            kind=found.kind,
            title=found.title,
            outcome=found.outcome or None,
            outcome_at=as_utc_or_none(found.outcome_at),
        )
        if found
        else None
    )
    return RequestDetail(**item.model_dump(), events=events, listing=listing)


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
        raise _invalid_cursor(cursor) from error
    # Past 64 bits no row id can be: refused here rather than overflowing in the driver.
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**63:
        raise _invalid_cursor(cursor)
    return after


def _invalid_cursor(cursor: str) -> RequestValidationError:
    """A 422 shaped like every other refused parameter (the OpenAPI document's HTTPValidationError)."""
    return RequestValidationError([{"type": "value_error", "loc": ["query", "cursor"], "msg": "invalid cursor"}])


@router.get("/requests", response_model=RequestPage, responses=ERRORS)
async def list_requests(
    call: AuthenticatedCall,
    status: Annotated[StatusName | None, Query(description="only requests in this status")] = None,
    updated_since: Annotated[
        datetime | None, Query(description="only requests changed at or after this ISO 8601 time (UTC if no zone)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")] = None,
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
    await call.commit()  # last_used_at
    return RequestPage(
        items=[request_item(r, names) for r in page],
        next_cursor=_encode_cursor(page[-1].id) if len(rows) > limit else None,
    )


@router.get("/requests/{code}", response_model=RequestDetail, responses={**ERRORS, **NOT_FOUND})
async def get_request(code: RequestCode, call: AuthenticatedCall) -> RequestDetail:
    """One of your agency's requests with its timeline. The read is recorded (who read what)."""
    row = await _own_request(call, code)
    detail = await _detail(call.uow, row)
    await call.uow.request_views.record(row.id, actor=f"api:{call.token.prefix}", via="api", now=call.now)
    await call.commit()
    return detail


@router.post(
    "/requests/{code}/replies",
    response_model=Event,
    status_code=201,
    responses={**ERRORS, **NOT_FOUND},
)
async def post_reply(code: RequestCode, body: ReplyIn, call: AuthenticatedCall) -> Event:
    """Answer the person: they get the text on the channel they wrote from, and can write back.

    A new request moves to in_progress, as when staff answer from anywhere else.
    """
    row = await _own_request(call, code)
    await reply(call.uow, call.app.texts, row.code, body.text, _actor(call.token), call.now)
    replied = [e for e in await call.uow.requests.events(row.id) if e.type == "replied"]
    event = event_of(replied[-1])
    await call.commit()
    return event


@router.post("/requests/{code}/status", response_model=RequestDetail, responses={**ERRORS, **NOT_FOUND})
async def post_status(code: RequestCode, body: StatusIn, call: AuthenticatedCall) -> RequestDetail:
    """Move the request to another status; the person is told. Setting the current status changes nothing."""
    row = await _own_request(call, code)
    await change_status(call.uow, call.app.texts, row.code, body.status, _actor(call.token), call.now)
    detail = await _detail(call.uow, row)
    await call.commit()
    return detail
