"""The web chat: the person's side of the assistant in a browser, through the same core as Telegram.

A signed cookie names the conversation. The person's messages go through the message processor
like any channel's; the bot's replies are outbox rows of channel `web`, which this page fetches
(and so marks delivered) instead of a sender pushing them. Works without JavaScript (forms and
redirects); with it, the page sends and polls without reloading.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from bot.channels.webchat_limits import count_message
from bot.messaging.pipeline import INCOMING
from bot.storage.models import OutboxRow
from bot.storage.unit_of_work import UnitOfWork
from bot.web.deps import CSRF, Clock, HoaNhap, Position, Uow
from bot.web.i18n import request_locale, web_texts
from bot.web.security import security
from bot.web.templating import render
from handlers.messages import CHOICE, START, TEXT, IncomingMessage, OutgoingMessage

CHANNEL = "web"
MAX_TEXT = 2000
MAX_LABEL = 200
MAX_CHOICE_ID = 64
SLOW_KEY = "chat_slow"


def message_json(row: OutboxRow) -> dict[str, Any]:
    if row.kind == INCOMING:
        return {"id": row.id, "from": "me", "text": str(row.payload.get("text", ""))}
    message = OutgoingMessage.from_payload(row.payload)
    return {
        "id": row.id,
        "from": "bot",
        "text": message.text,
        "choices": [{"id": c.id, "label": c.label} for c in message.choices],
        "ask_phone": message.ask_phone,
        "link": message.link,
    }


router = APIRouter(dependencies=CSRF)


async def transcript(uow: UnitOfWork, clock: Callable[[], datetime], chat_id: str, after: int) -> list[dict[str, Any]]:
    """The chat since `after`; the bot's messages in it count as delivered from now on."""
    rows = await uow.outbox.transcript(CHANNEL, chat_id, after)
    fresh = [r.id for r in rows if r.kind != INCOMING and r.status in ("pending", "sending")]
    await uow.outbox.mark_delivered(fresh, clock())
    await uow.commit()
    return [message_json(r) for r in rows if r.kind in (INCOMING, "message")]


@router.get("/")
async def chat_page(request: Request, uow: Uow, clock: Clock) -> Response:
    chat_id = await security(request).chat_id(request)
    messages = await transcript(uow, clock, chat_id, 0) if chat_id else []
    response = await render(request, "chat.html", {"messages": messages, "max_text": MAX_TEXT})
    if chat_id is None:
        await security(request).chat_cookie(response, secrets.token_urlsafe(18))
    return response


@router.get("/chat/messages")
async def poll(request: Request, uow: Uow, clock: Clock, after: Position = 0) -> Response:
    chat_id = await security(request).chat_id(request)
    if chat_id is None:
        return JSONResponse({"messages": []})
    return JSONResponse({"messages": await transcript(uow, clock, chat_id, max(0, after))})


@router.post("/chat/send")
async def send(
    request: Request,
    app: HoaNhap,
    text: Annotated[str, Form(max_length=MAX_TEXT * 2)] = "",
    choice: Annotated[str, Form(max_length=MAX_CHOICE_ID)] = "",
    label: Annotated[str, Form(max_length=MAX_LABEL)] = "",
    start: Annotated[str, Form(max_length=8)] = "",
    nonce: Annotated[str, Form(max_length=64)] = "",
    after: Annotated[Position, Form()] = 0,
) -> Response:
    wants_json = "application/json" in request.headers.get("accept", "")
    known = await security(request).chat_id(request)
    # No cookie, an expired or a forged one: a fresh conversation rather than a lost message.
    chat_id = known or secrets.token_urlsafe(18)
    refused = await _slowed_down(request, app, chat_id, wants_json)
    if refused is not None:
        return refused
    message = _incoming(chat_id, text, choice, label, start, nonce)
    # No unit of work of the route's own here: the pipeline opens the message's transaction, and
    # with SQLite a second one open at the same time would wait for ever.
    if message is not None:
        await app.processor.process(message)
    if wants_json:
        async with app.uow() as uow:
            messages = await transcript(uow, app.clock, chat_id, max(0, after))
        response: Response = JSONResponse({"messages": messages})
    else:
        response = RedirectResponse("/#end", status_code=303)
    if known is None:
        await security(request).chat_cookie(response, chat_id)
    return response


async def _slowed_down(request: Request, app: HoaNhap, chat_id: str, wants_json: bool) -> Response | None:
    """The 429 for a session or an address past its allowance (counted in its own short transaction:
    the pipeline's comes next), in the reader's language; None when the message may go on."""
    secret = await security(request).key()
    address = security(request).client_address(request)
    async with app.uow() as uow:
        verdict = await count_message(uow, secret, chat_id, address, app.clock(), app.settings)
        await uow.commit()
    if verdict.allowed:
        return None
    text = web_texts().get(request_locale(request), SLOW_KEY)
    headers = {"Retry-After": str(verdict.retry_after)}
    if wants_json:
        return JSONResponse({"error": text, "key": SLOW_KEY}, status_code=429, headers=headers)
    return PlainTextResponse(text, status_code=429, headers=headers)


def _incoming(chat_id: str, text: str, choice: str, label: str, start: str, nonce: str) -> IncomingMessage | None:
    """The form's fields as a message: a button press, the start, or typed text (empty: nothing)."""
    # The nonce makes a double-submitted form (a double tap, a resent POST) count once.
    update_id = f"{chat_id}:{nonce}" if nonce else ""
    if start:
        return IncomingMessage(CHANNEL, chat_id, chat_id, kind=START, update_id=update_id)
    if choice:
        return IncomingMessage(
            CHANNEL, chat_id, chat_id, kind=CHOICE, choice=choice, update_id=update_id, echo=label.strip()[:MAX_LABEL]
        )
    text = text.strip()[:MAX_TEXT]
    if not text:
        return None
    return IncomingMessage(CHANNEL, chat_id, chat_id, kind=TEXT, text=text, update_id=update_id, echo=text)
