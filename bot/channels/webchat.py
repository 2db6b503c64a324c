"""The web chat: the person's side of the assistant in a browser, through the same core as Telegram.

A signed cookie names the conversation: a session cookie (a shared phone forgets it when the browser
closes) unless the person asks this phone to remember it; "forget on this phone" drops it and starts
afresh (what was sent stays with the agency). The person's messages go through the message processor
like any channel's; the bot's replies are outbox rows of channel `web`, which this page fetches (and so
marks delivered) instead of a sender pushing them. A visit shows the newest messages, older ones on
demand. One length limit at each step, the core's own (a question's, or a description's where the
bot waits for one), holds in the page and here. The page speaks the
conversation's language, and its one switch changes both. Works without JavaScript (forms and
redirects); with it, the page sends and polls without reloading.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from bot.channels.webchat_limits import count_message
from bot.channels.webchat_view import (
    CHANNEL,
    LONG_TEXT_HINTS,
    PAGE,
    PHONE_HINT,
    hint_key,
    transcript,
    window,
)
from bot.storage.models import ConversationRow
from bot.web.deps import CSRF, HoaNhap, Position, Uow
from bot.web.i18n import remember_locale, request_locale, web_texts
from bot.web.security import security
from bot.web.templating import render
from handlers.messages import CHOICE, START, TEXT, IncomingMessage

__all__ = ["CHANNEL", "router", "transcript"]

MAX_LABEL = 200
MAX_CHOICE_ID = 64
SLOW_KEY = "chat_slow"
TOO_LONG_KEY = "chat_too_long"
# Past the core's limit the words are refused but kept in the page; a body this big is not a message.
MAX_FIELD = 20_000

router = APIRouter(dependencies=CSRF)


def max_text(app: HoaNhap, hint: str) -> int:
    """The limit on what a person types at this step: the core's, so nothing the page lets through
    is refused."""
    settings = app.settings
    return settings.max_description_chars if hint in LONG_TEXT_HINTS else settings.max_question_chars


def _state(app: HoaNhap, row: ConversationRow | None, locale: str) -> dict[str, Any]:
    key = hint_key(row, app.clock(), app.settings.reply_window_days)
    return {"locale": locale, "hint": key, "tel": key == PHONE_HINT, "limit": max_text(app, key)}


async def _page_state(request: Request, app: HoaNhap, uow: Uow) -> dict[str, Any]:
    """The conversation's language and the input's hint, read from its row (None before the first message)."""
    session = await security(request).chat_session(request)
    row = await uow.conversations.find(CHANNEL, session.chat_id) if session else None
    locale = row.locale if row is not None and web_texts().supports(row.locale) else request_locale(request)
    return _state(app, row, locale)


def _input_json(state: dict[str, Any]) -> dict[str, Any]:
    texts = web_texts()
    return {
        "placeholder": texts.get(state["locale"], state["hint"]),
        "tel": state["tel"],
        "locale": state["locale"],
        "limit": state["limit"],
        "too_long": texts.get(state["locale"], TOO_LONG_KEY, limit=state["limit"]),
    }


@router.get("/")
async def chat_page(request: Request, app: HoaNhap, uow: Uow, before: Position | None = None) -> Response:
    return await _chat_page(request, app, uow, before=before)


async def _chat_page(
    request: Request, app: HoaNhap, uow: Uow, *, before: int | None = None, kept: str = "", status: int = 200
) -> Response:
    web = security(request)
    session = await web.chat_session(request)
    state = await _page_state(request, app, uow)
    shown = await window(uow, app.clock, session.chat_id, before=before, limit=PAGE) if session else None
    context = {
        "messages": shown.messages if shown else [],
        "older": shown.older if shown else 0,
        "paged": before is not None,
        "max_text": state["limit"],
        "kept": kept,
        "error": web_texts().get(state["locale"], TOO_LONG_KEY, limit=state["limit"]) if kept else "",
        "hint": state["hint"],
        "tel": state["tel"],
        "remembered": bool(session and session.remembered),
        "days": app.settings.web_chat_days,
    }
    response = await render(request, "chat.html", context, status, locale=state["locale"])
    if state["locale"] != request_locale(request):
        remember_locale(response, state["locale"])
    if session is None or session.legacy:
        # A cookie of the older, 30-day kind becomes a session one: this may be a shared phone.
        await web.chat_cookie(response, session.chat_id if session else secrets.token_urlsafe(18))
    return response


@router.get("/chat/messages")
async def poll(request: Request, app: HoaNhap, uow: Uow, after: Position = 0) -> Response:
    chat_id = await security(request).chat_id(request)
    if chat_id is None:
        return JSONResponse({"messages": []})
    messages = await transcript(uow, app.clock, chat_id, max(0, after))
    if not messages:
        return JSONResponse({"messages": []})
    # New messages may have moved the conversation on (a staff reply waits for an answer).
    return JSONResponse({"messages": messages, "input": _input_json(await _page_state(request, app, uow))})


@router.get("/chat/older")
async def older(request: Request, app: HoaNhap, uow: Uow, before: Position = 0) -> Response:
    """The page of messages before `before` (a message id), and the id to ask for the one before it."""
    chat_id = await security(request).chat_id(request)
    if chat_id is None or before <= 0:
        return JSONResponse({"messages": [], "older": 0})
    shown = await window(uow, app.clock, chat_id, before=before, limit=PAGE)
    return JSONResponse({"messages": shown.messages, "older": shown.older})


@router.post("/chat/send")
async def send(
    request: Request,
    app: HoaNhap,
    text: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    choice: Annotated[str, Form(max_length=MAX_CHOICE_ID)] = "",
    label: Annotated[str, Form(max_length=MAX_LABEL)] = "",
    start: Annotated[str, Form(max_length=8)] = "",
    nonce: Annotated[str, Form(max_length=64)] = "",
    after: Annotated[Position, Form()] = 0,
) -> Response:
    wants_json = "application/json" in request.headers.get("accept", "")
    known = await security(request).chat_session(request)
    # No cookie, an expired or a forged one: a fresh conversation rather than a lost message.
    chat_id = known.chat_id if known else secrets.token_urlsafe(18)
    # Past a question's length, whether this step takes a description's is read first.
    if not (start or choice) and len(text.strip()) > app.settings.max_question_chars:
        async with app.uow() as uow:
            state = await _page_state(request, app, uow)
        if len(text.strip()) > state["limit"]:
            return await _too_long(request, app, text, wants_json, state)
    refused = await _slowed_down(request, app, chat_id, wants_json)
    if refused is not None:
        return refused
    message = _incoming(chat_id, text, choice, label, start, nonce, request_locale(request))
    # No unit of work of the route's own here: the pipeline opens the message's transaction, and
    # with SQLite a second one open at the same time would wait for ever.
    if message is not None:
        await app.processor.process(message)
    return await _after_sending(request, app, chat_id, after, wants_json, new=known is None)


async def _after_sending(
    request: Request, app: HoaNhap, chat_id: str, after: int, wants_json: bool, *, new: bool
) -> Response:
    """What the page gets back: the messages since `after` and the input's hint (JSON), or itself again."""
    response: Response
    async with app.uow() as uow:
        row = await uow.conversations.find(CHANNEL, chat_id)
        locale = row.locale if row is not None and web_texts().supports(row.locale) else request_locale(request)
        if wants_json:
            messages = await transcript(uow, app.clock, chat_id, max(0, after))
            response = JSONResponse({"messages": messages, "input": _input_json(_state(app, row, locale))})
        else:
            response = RedirectResponse("/#end", status_code=303)
    if locale != request_locale(request):
        # The bot's /lang switched the conversation: the page follows (the script reloads it).
        remember_locale(response, locale)
    if new:
        await security(request).chat_cookie(response, chat_id)
    return response


async def _too_long(request: Request, app: HoaNhap, text: str, wants_json: bool, state: dict[str, Any]) -> Response:
    """Past the limit: refused in the reader's words, and the typed text given back, never lost."""
    limit = state["limit"]
    if wants_json:
        message = web_texts().get(state["locale"], TOO_LONG_KEY, limit=limit)
        return JSONResponse({"error": message, "key": TOO_LONG_KEY, "limit": limit}, status_code=422)
    async with app.uow() as uow:
        return await _chat_page(request, app, uow, kept=text, status=422)


@router.post("/chat/remember")
async def remember(request: Request, app: HoaNhap, remember: Annotated[str, Form(max_length=8)] = "") -> Response:
    """ "Remember this phone" on (a cookie for `web_chat_days`) or off (gone when the browser closes)."""
    web = security(request)
    session = await web.chat_session(request)
    keep = remember in ("1", "on", "true")
    if "application/json" in request.headers.get("accept", ""):
        locale = request_locale(request)
        footer = web_texts().get(
            locale, "chat_footer_remembered" if keep else "chat_footer_session", days=app.settings.web_chat_days
        )
        response: Response = JSONResponse({"remembered": keep, "footer": footer})
    else:
        response = RedirectResponse("/#end", status_code=303)
    await web.chat_cookie(response, session.chat_id if session else secrets.token_urlsafe(18), remember=keep)
    return response


@router.post("/chat/forget")
async def forget(request: Request) -> Response:
    """This phone forgets the conversation: the next page is a new one. The requests sent from it,
    and the transcript the agency may need, stay on the server."""
    response = RedirectResponse("/", status_code=303)
    security(request).forget_chat_cookie(response)
    return response


@router.post("/chat/lang")
async def switch_language(request: Request, app: HoaNhap, locale: Annotated[str, Form(max_length=8)] = "") -> Response:
    """The one language switch: the page's and the bot's for this conversation, through the core's /lang."""
    response = RedirectResponse("/#end", status_code=303)
    if not web_texts().supports(locale):
        return response
    web = security(request)
    session = await web.chat_session(request)
    chat_id = session.chat_id if session else secrets.token_urlsafe(18)
    refused = await _slowed_down(request, app, chat_id, wants_json=False)
    if refused is not None:
        return refused
    async with app.uow() as uow:
        row = await uow.conversations.find(CHANNEL, chat_id)
    if row is None or row.locale != locale:
        await app.processor.process(IncomingMessage(CHANNEL, chat_id, chat_id, kind=TEXT, text=f"/lang {locale}"))
    remember_locale(response, locale)
    if session is None:
        await web.chat_cookie(response, chat_id)
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


def _incoming(
    chat_id: str, text: str, choice: str, label: str, start: str, nonce: str, locale: str
) -> IncomingMessage | None:
    """The form's fields as a message: a button press, the start, or typed text (empty: nothing). A new
    conversation starts in the page's language."""
    # The nonce makes a double-submitted form (a double tap, a resent POST) count once.
    update_id = f"{chat_id}:{nonce}" if nonce else ""
    if start:
        return IncomingMessage(CHANNEL, chat_id, chat_id, kind=START, update_id=update_id, locale=locale)
    if choice:
        label = label.strip()[:MAX_LABEL]
        return IncomingMessage(
            CHANNEL, chat_id, chat_id, kind=CHOICE, choice=choice, update_id=update_id, echo=label, locale=locale
        )
    text = text.strip()
    if not text:
        return None
    return IncomingMessage(
        CHANNEL, chat_id, chat_id, kind=TEXT, text=text, update_id=update_id, echo=text, locale=locale
    )
