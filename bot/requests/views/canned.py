"""The admin page of canned replies (/admin/canned-replies): the list, adding, editing and deleting
one, each agency's or for every agency. Staff pick them on a request's page (request.py)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from bot.audit.changes import AdminInputError, NotFound, Problem
from bot.requests.canned import MAX_TITLE, CannedInput, create_canned, delete_canned, update_canned
from bot.requests.service import MAX_TEXT
from bot.storage.unit_of_work import UnitOfWork
from bot.web.admin import action_pages, read_form
from bot.web.deps import ADMIN_ONLY, Admin, Clock, Uow
from bot.web.forms import committed, see_other, submit
from bot.web.templating import render

PAGE = "/admin/canned-replies"
router = APIRouter(dependencies=ADMIN_ONLY)


def _typed(form: dict[str, str]) -> CannedInput:
    # Cut well past the limits: the service says what is too long; this only bounds what is kept.
    return CannedInput(
        form.get("agency", "")[:200], form.get("title", "")[: MAX_TITLE * 4], form.get("body", "")[: MAX_TEXT * 2]
    )


async def _page(
    request: Request,
    uow: UnitOfWork,
    *,
    template: str = "admin/canned_replies.html",
    form: CannedInput | None = None,
    reply_id: int | None = None,
    errors: list[Problem] | None = None,
    status: int = 200,
) -> Response:
    agencies = {a.code: a for a in await uow.agencies.all_rows()}
    context = {
        "replies": await uow.canned_replies.all(),
        "agencies": agencies,
        "form": form or CannedInput("", "", ""),
        "reply_id": reply_id,
        "errors": errors or [],
        "saved": request.query_params.get("saved") == "1",
        "max_title": MAX_TITLE,
        "max_text": MAX_TEXT,
    }
    return await render(request, template, context, status)


@router.get(PAGE)
async def canned_list(request: Request, user: Admin, uow: Uow) -> Response:
    return await _page(request, uow)


@router.post(PAGE)
async def canned_add(request: Request, user: Admin, uow: Uow, clock: Clock) -> Response:
    typed = _typed(await read_form(request))
    return await submit(
        uow,
        lambda uow: create_canned(uow, typed, user.username, clock()),
        redirect_to=f"{PAGE}?saved=1",
        refused=AdminInputError,
        show_again=lambda error: _page(request, uow, form=typed, errors=error.problems, status=400),
    )


@router.get(PAGE + "/{reply_id}")
async def canned_edit(request: Request, reply_id: str, user: Admin, uow: Uow) -> Response:
    row = await uow.canned_replies.get(_safe_id(reply_id))
    if row is None:
        raise HTTPException(status_code=404)
    typed = CannedInput(row.agency_code or "", row.title, row.body)
    return await _page(request, uow, template="admin/canned_reply.html", form=typed, reply_id=row.id)


@router.post(PAGE + "/{reply_id}")
async def canned_save(request: Request, reply_id: str, user: Admin, uow: Uow, clock: Clock) -> Response:
    typed = _typed(await read_form(request))
    wanted = _safe_id(reply_id)
    return await submit(
        uow,
        lambda uow: update_canned(uow, wanted, typed, user.username, clock()),
        redirect_to=f"{PAGE}?saved=1",
        refused=AdminInputError,
        missing=NotFound,
        show_again=lambda error: _page(
            request,
            uow,
            template="admin/canned_reply.html",
            form=typed,
            reply_id=wanted,
            errors=error.problems,
            status=400,
        ),
    )


@router.post(PAGE + "/{reply_id}/delete")
async def canned_delete(reply_id: str, user: Admin, uow: Uow, clock: Clock) -> Response:
    wanted = _safe_id(reply_id)
    await committed(uow, lambda uow: delete_canned(uow, wanted, user.username, clock()), missing=NotFound)
    return see_other(f"{PAGE}?saved=1")


def _safe_id(text: str) -> int:
    """An id from the address; anything else names no reply (0 is never an id)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 18 else 0


action_pages(router, (PAGE + "/{reply_id}/delete", PAGE))
