"""Saved queue views: saving the view on screen under a name, and deleting one (each account its own).

After either, the queue is shown again (the saved view, or the view the form came from), with a
notice or the refusal's text: `?refused=` names only the refusals listed here, with their values.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Form
from fastapi.responses import Response

from bot.requests.errors import RequestError
from bot.requests.saved_filters import MAX_QUERY, delete_filter, save_filter
from bot.requests.views.queue import params_for
from bot.web.deps import CSRF, Clock, StaffUser, Uow
from bot.web.forms import committed, see_other

FormText = Annotated[str, Form()]

router = APIRouter(prefix="/staff", dependencies=CSRF)


def _queue(query: str, **extra: str) -> str:
    tail = "&".join(f"{k}={v}" for k, v in extra.items())
    return f"/staff?{query}&{tail}" if query else f"/staff?{tail}"


@router.post("/filters")
async def post_filter(user: StaffUser, uow: Uow, clock: Clock, name: FormText = "", query: FormText = "") -> Response:
    # The view is read as the queue reads an address, so only a view it understands is kept.
    params = await params_for(uow, dict(parse_qsl(query[: MAX_QUERY * 4])), user)
    clean = params.query()
    try:
        await committed(uow, lambda uow: save_filter(uow, user.id, name, clean, clock()))
    except RequestError as refused:
        return see_other(_queue(clean, refused=refused.key))
    return see_other(_queue(clean, done="filter_saved"))


@router.post("/filters/{filter_id}/delete")
async def post_filter_delete(filter_id: str, user: StaffUser, uow: Uow) -> Response:
    # Anything but a short run of digits names no filter (0 is never an id).
    wanted = int(filter_id) if filter_id.isascii() and filter_id.isdigit() and len(filter_id) < 18 else 0
    try:
        await committed(uow, lambda uow: delete_filter(uow, user.id, wanted))
    except RequestError as refused:
        return see_other(_queue("", refused=refused.key))
    return see_other(_queue("", done="filter_deleted"))
