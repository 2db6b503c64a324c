"""The admin page of agency API tokens: the list, a new token shown once, and revoking one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.accounts.token_admin import create_api_token, revoke_api_token
from bot.audit.changes import AdminInputError, NotFound, Problem
from bot.storage.models import ApiTokenRow
from bot.storage.unit_of_work import UnitOfWork
from bot.web.admin import action_pages, read_form
from bot.web.deps import ADMIN_ONLY, Admin, Clock, Uow
from bot.web.forms import committed, see_other
from bot.web.templating import render

router = APIRouter(dependencies=ADMIN_ONLY)


async def tokens_page(
    request: Request,
    uow: UnitOfWork,
    form: dict[str, str] | None = None,
    errors: list[Problem] | None = None,
    status: int = 200,
    token: str = "",
) -> Response:
    tokens: list[ApiTokenRow] = await uow.api_tokens.all()
    agencies = await uow.agencies.all_rows()
    context = {
        "tokens": list(reversed(tokens)),
        "agencies": agencies,
        "agency_names": {a.code: a.name for a in agencies},
        "form": form or {"agency_code": "", "label": ""},
        "errors": errors or [],
        "token": token,
        "saved": request.query_params.get("saved") == "1",
    }
    return await render(request, "admin/ref_tokens.html", context, status)


@router.get("/admin/tokens")
async def tokens(request: Request, user: Admin, uow: Uow) -> Response:
    return await tokens_page(request, uow)


@router.post("/admin/tokens")
async def token_create(request: Request, user: Admin, uow: Uow, clock: Clock) -> Response:
    form = await read_form(request)
    values = {"agency_code": form.get("agency_code", "")[:64], "label": form.get("label", "")}
    agency_code, label = values["agency_code"], values["label"]
    try:
        token = await committed(uow, lambda uow: create_api_token(uow, agency_code, label, user.username, clock()))
    except AdminInputError as error:
        return await tokens_page(request, uow, values, error.problems, 400)
    # Shown on this response only: the database keeps its SHA-256.
    return await tokens_page(request, uow, token=token)


@router.post("/admin/tokens/{token_id}/revoke")
async def token_revoke(request: Request, token_id: int, user: Admin, uow: Uow, clock: Clock) -> Response:
    await committed(uow, lambda uow: revoke_api_token(uow, token_id, user.username, clock()), missing=NotFound)
    return see_other("/admin/tokens?saved=1")


action_pages(router, ("/admin/tokens/{token_id}/revoke", "/admin/tokens"))
