"""Bulk actions on the queue: the rows picked, then assigned to a colleague, moved to a status, or
closed. Each request goes through the requests service on its own, as if its page's form had been
sent: seen only if the user may see it, checked and written to its timeline the same way, in its
own transaction, so one refusal leaves the others done. The queue then says how many changed."""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.app import App
from bot.requests import service
from bot.requests.errors import RequestError
from bot.requests.service import MAX_CODE, Reader
from bot.requests.views.queue import OUTCOMES, params_for
from bot.storage.unit_of_work import UnitOfWork
from bot.web.deps import CSRF, HoaNhap, StaffUser, Uow
from bot.web.forms import committed, see_other
from bot.web.security import WebUser
from handlers.domain import CLOSED

ACTIONS = ("assign", "status", "close")
# A page of the queue holds 50; more than this many codes is no form of ours.
MAX_PICKED = 100
MAX_FIELD = 121
NONCE_CHANNEL = "staff-web"

router = APIRouter(prefix="/staff", dependencies=CSRF)


def _with(url: str, **values: object) -> str:
    tail = "&".join(f"{k}={v}" for k, v in values.items())
    return f"{url}{'&' if '?' in url else '?'}{tail}"


@router.post("/bulk")
async def post_bulk(request: Request, user: StaffUser, uow: Uow, app: HoaNhap) -> Response:
    form = await request.form()
    text = {key: value for key, value in form.items() if isinstance(value, str)}
    back = (await params_for(uow, dict(parse_qsl(text.get("back", "")[:2000])), user)).url()
    codes = list(dict.fromkeys(c.strip()[:MAX_CODE] for c in form.getlist("code") if isinstance(c, str) and c.strip()))
    action = text.get("action", "")
    if not codes:
        return see_other(_with(back, done="bulk_empty"))
    if action not in ACTIONS or len(codes) > MAX_PICKED:
        return see_other(_with(back, done="bulk_unknown"))
    nonce = text.get("nonce", "").strip()[:64]
    if nonce and not await committed(
        uow, lambda uow: uow.inbound.record(NONCE_CHANNEL, f"{user.id}:bulk:{nonce}", app.clock())
    ):
        # The same form sent twice: the first did the work.
        return see_other(_with(back, done="unchanged"))
    value = text.get("assignee" if action == "assign" else "status", "").strip()[:MAX_FIELD]
    tally: Counter[str] = Counter()
    for code in codes:
        tally[await _one(uow, app, user, code, action, value)] += 1
    app.processor.on_commit()
    return see_other(_with(back, done="bulk", **{name: tally[name] for name in OUTCOMES}))


async def _one(uow: UnitOfWork, app: App, user: WebUser, code: str, action: str, value: str) -> str:
    """One request's change, as its own page would make it; what came of it."""
    now = app.clock()
    reader = Reader(user.agency_code, every_agency=user.is_admin)

    async def change(uow: UnitOfWork) -> bool:
        row = await service.visible(uow, code, reader)
        if action == "assign":
            return await service.assign(uow, row.code, value or None, user.username, now)
        status = CLOSED if action == "close" else value
        return await service.change_status(uow, app.texts, row.code, status, user.username, now)

    try:
        changed = await committed(uow, change)
    except RequestError:
        return "refused"
    return "changed" if changed else "unchanged"
