"""One request in the staff workspace: its facts and timeline, and what staff do to it.

Every read of the page is recorded (who, when). Every action is one transaction through the requests
service (bot/requests/service.py), which holds every check: the person hears about it on their own
channel exactly as when staff work from a Telegram group or the API, and a refusal shows here in the
reader's language. The outbox sender is woken after the commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bot.app import App
from bot.clock import as_utc
from bot.listings.registrations import OUTCOMES, record_staff_outcome, registration_of
from bot.requests import service
from bot.requests.canned import fill, usable
from bot.requests.errors import RequestError, describe
from bot.requests.service import MAX_REASON, MAX_TEXT, Reader
from bot.requests.sla import AgencyClocks
from bot.requests.views.queue import (
    NOTICES,
    Names,
    unread_notifications,
)
from bot.requests.views.targets import describe_target
from bot.requests.views.timeline import Timeline, erasure, viewers
from bot.storage.models import RequestRow, RequestViewRow
from bot.storage.unit_of_work import UnitOfWork
from bot.web.deps import CSRF, HoaNhap, StaffUser, Translate, Uow, translator
from bot.web.forms import committed
from bot.web.i18n import request_locale
from bot.web.security import WebUser
from bot.web.templating import render
from handlers.domain import OPEN_STATUSES, STATUSES
from handlers.phone import display_phone

MAX_FIELD = 120
# Double-submitted forms (a double click, a resent POST) act once: each form carries a nonce,
# recorded like a platform's update id.
NONCE_CHANNEL = "staff-web"
MAX_NONCE = 64
RECENT_VIEWS = 200
FormText = Annotated[str, Form()]


async def _routing_text(uow: UnitOfWork, row: RequestRow, t: Translate) -> str:
    routing = row.routing or {}
    raw_id = routing.get("rule_id")
    rule = await uow.queue.rule(raw_id if isinstance(raw_id, int) else None)
    scope = str(routing.get("scope", ""))
    if rule is not None and scope in ("locality", "province", "any"):
        return t("ws_routing_rule", rule=rule.id, note=rule.note or "—", scope=t(f"ws_scope_{scope}"))
    if scope == "listing":
        return t("ws_routing_listing")
    return t("ws_routing_other", reason=str(routing.get("reason", "")) or "—")


async def _read_once_per_session(
    uow: UnitOfWork, row: RequestRow, user: WebUser, now: datetime
) -> list[RequestViewRow]:
    """Records the read unless this signed-in session has read the request already: reloading the page
    after each action is one read, so "who has seen it" counts people's visits, not clicks."""
    views = await uow.request_views.of_request(row.id, limit=RECENT_VIEWS)
    started = next((s.created_at for s in await uow.web_sessions.of_user(user.id) if s.id == user.session_id), None)
    if started is not None and any(
        v.actor == user.username and v.via == "web" and as_utc(v.created_at) >= as_utc(started) for v in views
    ):
        return views
    await uow.request_views.record(row.id, user.username, "web", now)
    return await uow.request_views.of_request(row.id, limit=RECENT_VIEWS)


async def _page_context(
    uow: UnitOfWork, app: App, request: Request, user: WebUser, row: RequestRow, t: Translate
) -> dict[str, Any]:
    """Everything the request page shows; recording the read and clearing its notifications."""
    now = app.clock()
    names = Names(app, request, t)
    views = await _read_once_per_session(uow, row, user, now)
    # What the person wrote since this user last opened the request is marked new, once.
    since = (await uow.notifications.unread_about(user.id, [row.id], "person_message")).get(row.id)
    await uow.notifications.mark_read(user.id, now, request_id=row.id)
    clocks = await AgencyClocks.load(uow, app.settings.timezone, as_utc(now))
    events = await uow.requests.events(row.id)
    outbox_ids = [int(e.data["outbox_id"]) for e in events if e.type == "replied" and e.data.get("outbox_id")]
    deliveries = await uow.outbox.statuses(outbox_ids)
    colleagues = await uow.users.of_agency(row.agency_code)
    labels = await uow.queue.user_labels(
        [e.actor for e in events]
        + [str(e.data.get("to") or "") for e in events if e.type == "assigned"]
        + [v.actor for v in views]
        + [row.assignee or ""]
    )
    routing = await _routing_text(uow, row, t)
    timeline = Timeline(t, names.status, clocks.agencies, labels, deliveries)
    targets = clocks.targets(row)
    is_open = row.status in OPEN_STATUSES
    locality = await uow.localities.get(row.locality_code)
    conversation = await uow.conversations.get(row.conversation_id)
    return {
        "row": row,
        "phone": display_phone(row.phone),
        "commune": f"{locality.name}, {locality.province}" if locality else row.locality_code,
        "agency_name": timeline.agency(row.agency_code),
        "routing": routing,
        "timeline": [timeline.entry(e, routing) for e in events],
        "new_entries": {
            i
            for i, e in enumerate(events)
            if since is not None and e.type == "person_message" and as_utc(e.created_at) >= as_utc(since)
        },
        "first": describe_target(targets.first_response if targets else None, "first", is_open, t),
        "resolution": describe_target(targets.resolution if targets else None, "resolution", is_open, t),
        "assignee": labels.get(row.assignee or "", row.assignee or ""),
        "colleagues": colleagues,
        "agencies": [a for a in clocks.agencies.values() if a.active and a.code != row.agency_code],
        "statuses": STATUSES,
        "open_statuses": OPEN_STATUSES,
        "names": names,
        "views": viewers(views, labels, t),
        "channel": conversation.channel if conversation else "",
        "unreachable": bool(conversation and conversation.unreachable),
        "notifications": await unread_notifications(uow, user, t),
        "nonce": secrets.token_urlsafe(16),
        "erased_by": next((erasure(e.actor) for e in reversed(events) if e.type == "erased"), "retention"),
        "registration": await registration_of(uow, row),
        "outcomes": OUTCOMES,
    }


def _reader(user: WebUser) -> Reader:
    return Reader(user.agency_code, every_agency=user.is_admin)


async def _visible(uow: UnitOfWork, user: WebUser, code: str) -> RequestRow:
    try:
        return await service.visible(uow, code, _reader(user))
    except RequestError as error:
        # Unknown and another agency's look the same: codes of others' requests stay secret.
        raise HTTPException(status_code=404) from error


async def _show(
    request: Request,
    uow: UnitOfWork,
    app: App,
    user: WebUser,
    code: str,
    *,
    notice: str = "",
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    t = translator(request)
    row = await _visible(uow, user, code)
    context = await _page_context(uow, app, request, user, row, t)
    await uow.commit()
    canned = [
        CannedView(c.id, c.title, fill(c.body, row.code, row.name or t("ws_canned_no_name")))
        for c in await usable(uow, row.agency_code)
    ]
    form = dict(form or {})
    picked = request.query_params.get("canned", "")
    # Without the page's script, the select's own button asks for the page with the text in the box.
    chosen = next((c for c in canned if str(c.id) == picked), None)
    if chosen is not None and not form.get("reply"):
        form["reply"] = chosen.body
    context.update({"notice": notice, "error": error, "form": form, "canned": canned})
    return await render(request, "staff/request.html", context, status_code=status_code)


@dataclass(frozen=True)
class CannedView:
    id: int
    title: str
    body: str


Action = Callable[[UnitOfWork, RequestRow], Awaitable[str]]


async def _act(
    request: Request,
    uow: UnitOfWork,
    app: App,
    user: WebUser,
    code: str,
    nonce: str,
    form: dict[str, str],
    action: Action,
    done: str,
) -> Response:
    """Run one action in one transaction; redirect back with a notice, or show the form again (400).

    `done` is the notice a repeated submission gets: the browser shows the last response of a
    double click, which should read as the first one did.
    """
    # A nonce this page never issued (too long) only loses the double-submit guard.
    nonce = nonce.strip() if len(nonce.strip()) <= MAX_NONCE else ""
    key = f"{user.id}:{request.url.path[-40:]}:{nonce}"
    if nonce and not await uow.inbound.record(NONCE_CHANNEL, key, app.clock()):
        # The same form sent twice: the first did the work (and may have moved the request away).
        return RedirectResponse(await _after_repeat(uow, user, code, done), status_code=303)
    row = await _visible(uow, user, code)
    try:
        # The nonce is kept with the action or, when the action is refused, rolled back with it.
        notice = await committed(uow, lambda uow: action(uow, row))
    except RequestError as refused:
        message = describe(refused, request_locale(request))
        return await _show(request, uow, app, user, code, error=message, form=form, status_code=400)
    app.processor.on_commit()
    return _back(user, row, notice)


async def _after_repeat(uow: UnitOfWork, user: WebUser, code: str, done: str) -> str:
    try:
        seen = await service.visible(uow, code, _reader(user))
    except RequestError:
        return f"/staff?done={done}"
    return f"/staff/requests/{seen.code}?done={done}"


def _back(user: WebUser, row: RequestRow, done: str) -> Response:
    if not user.may_see_agency(row.agency_code):
        # Transferred away: the request is no longer this user's to see.
        return RedirectResponse(f"/staff?done={done}", status_code=303)
    return RedirectResponse(f"/staff/requests/{row.code}?done={done}", status_code=303)


router = APIRouter(prefix="/staff", dependencies=CSRF)


@router.get("/requests/{code}")
async def request_page(request: Request, code: str, user: StaffUser, uow: Uow, app: HoaNhap) -> Response:
    done = request.query_params.get("done", "")
    notice = translator(request)(f"ws_done_{done}") if done in NOTICES else ""
    return await _show(request, uow, app, user, code, notice=notice)


@router.post("/requests/{code}/reply")
async def post_reply(
    request: Request,
    code: str,
    user: StaffUser,
    uow: Uow,
    app: HoaNhap,
    text: FormText = "",
    nonce: FormText = "",
    then: FormText = "",
) -> Response:
    # "Reply and resolve" is the same form's second button: both in one transaction, or neither.
    resolve = then == "resolve"

    async def act(uow: UnitOfWork, row: RequestRow) -> str:
        if resolve:
            await service.reply_and_resolve(uow, app.texts, row.code, text, user.username, app.clock())
            return "resolved"
        await service.reply(uow, app.texts, row.code, text, user.username, app.clock())
        return "replied"

    done = "resolved" if resolve else "replied"
    return await _act(request, uow, app, user, code, nonce, {"reply": text[: MAX_TEXT * 2]}, act, done)


@router.post("/requests/{code}/note")
async def post_note(
    request: Request, code: str, user: StaffUser, uow: Uow, app: HoaNhap, text: FormText = "", nonce: FormText = ""
) -> Response:
    async def act(uow: UnitOfWork, row: RequestRow) -> str:
        await service.note(uow, row.code, text, user.username, app.clock())
        return "noted"

    return await _act(request, uow, app, user, code, nonce, {"note": text[: MAX_TEXT * 2]}, act, "noted")


@router.post("/requests/{code}/claim")
async def post_claim(
    request: Request, code: str, user: StaffUser, uow: Uow, app: HoaNhap, nonce: FormText = ""
) -> Response:
    async def act(uow: UnitOfWork, row: RequestRow) -> str:
        await service.claim(uow, row.code, user.username, user.agency_code, app.clock())
        return "claimed"

    return await _act(request, uow, app, user, code, nonce, {}, act, "claimed")


@router.post("/requests/{code}/assign")
async def post_assign(
    request: Request,
    code: str,
    user: StaffUser,
    uow: Uow,
    app: HoaNhap,
    assignee: FormText = "",
    nonce: FormText = "",
) -> Response:
    async def act(uow: UnitOfWork, row: RequestRow) -> str:
        wanted = assignee.strip()[: MAX_FIELD + 1] or None
        changed = await service.assign(uow, row.code, wanted, user.username, app.clock())
        return "assigned" if changed else "unchanged"

    return await _act(request, uow, app, user, code, nonce, {}, act, "assigned")


@router.post("/requests/{code}/status")
async def post_status(
    request: Request, code: str, user: StaffUser, uow: Uow, app: HoaNhap, status: FormText = "", nonce: FormText = ""
) -> Response:
    async def act(uow: UnitOfWork, row: RequestRow) -> str:
        changed = await service.change_status(uow, app.texts, row.code, status, user.username, app.clock())
        return "status" if changed else "unchanged"

    return await _act(request, uow, app, user, code, nonce, {}, act, "status")


@router.post("/requests/{code}/transfer")
async def post_transfer(
    request: Request,
    code: str,
    user: StaffUser,
    uow: Uow,
    app: HoaNhap,
    agency: FormText = "",
    reason: FormText = "",
    nonce: FormText = "",
) -> Response:
    async def act(uow: UnitOfWork, row: RequestRow) -> str:
        target = agency.strip()[:MAX_FIELD]
        await service.transfer(uow, app.texts, row.code, target, reason, user.username, app.clock())
        return "transferred"

    typed = {"reason": reason[: MAX_REASON * 2], "agency": agency[:MAX_FIELD]}
    return await _act(request, uow, app, user, code, nonce, typed, act, "transferred")


@router.post("/requests/{code}/outcome")
async def post_outcome(
    request: Request, code: str, user: StaffUser, uow: Uow, app: HoaNhap, outcome: FormText = "", nonce: FormText = ""
) -> Response:
    """What became of a registration of interest in a listing, as staff learnt it."""

    async def act(uow: UnitOfWork, row: RequestRow) -> str:
        await record_staff_outcome(uow, row, outcome[:MAX_FIELD], user.username, app.clock())
        return "outcome"

    return await _act(request, uow, app, user, code, nonce, {}, act, "outcome")
