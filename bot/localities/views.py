"""The admin pages of localities: the searchable list with a new-locality form, and one locality."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from bot.audit.changes import AdminInputError, NotFound, Problem
from bot.localities.service import (
    LocalityInput,
    create_locality,
    locality_row,
    search_localities,
    update_locality,
)
from bot.localities.service import (
    provinces as province_names,
)
from bot.storage.models import LocalityRow
from bot.storage.unit_of_work import UnitOfWork
from bot.web.admin import quoted, read_form
from bot.web.deps import ADMIN_ONLY, Admin, Clock, Uow
from bot.web.forms import submit
from bot.web.templating import render

router = APIRouter(dependencies=ADMIN_ONLY)


async def localities_page(
    request: Request,
    uow: UnitOfWork,
    form: LocalityInput | None = None,
    errors: list[Problem] | None = None,
    status: int = 200,
) -> Response:
    query = request.query_params.get("q", "")[:200]
    rows = await uow.localities.all_rows()
    provinces = await province_names(uow)
    shown = search_localities(rows, query)
    context = {
        "localities": shown,
        "total": len(rows),
        "q": query,
        "provinces": provinces,
        "form": form or LocalityInput(province=provinces[0] if len(provinces) == 1 else ""),
        "errors": errors or [],
    }
    return await render(request, "admin/ref_localities.html", context, status)


@router.get("/admin/localities")
async def localities(request: Request, user: Admin, uow: Uow) -> Response:
    return await localities_page(request, uow)


@router.post("/admin/localities")
async def locality_create(request: Request, user: Admin, uow: Uow, clock: Clock) -> Response:
    form = await read_form(request)
    data = LocalityInput(form.get("code", ""), form.get("name", ""), form.get("province", ""), form.get("aliases", ""))
    return await submit(
        uow,
        lambda uow: create_locality(uow, data, user.username, clock()),
        redirect_to=lambda row: f"/admin/localities/{quoted(row.code)}?saved=1",
        refused=AdminInputError,
        show_again=lambda error: localities_page(request, uow, data, error.problems, 400),
    )


async def locality_page(
    request: Request,
    uow: UnitOfWork,
    code: str,
    form: LocalityInput | None = None,
    errors: list[Problem] | None = None,
    status: int = 200,
) -> Response:
    row: LocalityRow | None = await locality_row(uow, code)
    if row is None:
        raise HTTPException(status_code=404)
    provinces = await province_names(uow)
    context = {
        "locality": row,
        "form": form or LocalityInput(row.code, row.name, row.province, "\n".join(row.aliases or [])),
        "provinces": provinces,
        "errors": errors or [],
        "saved": request.query_params.get("saved") == "1",
    }
    return await render(request, "admin/ref_locality.html", context, status)


@router.get("/admin/localities/{code}")
async def locality(request: Request, code: str, user: Admin, uow: Uow) -> Response:
    return await locality_page(request, uow, code)


@router.post("/admin/localities/{code}")
async def locality_update(request: Request, code: str, user: Admin, uow: Uow, clock: Clock) -> Response:
    form = await read_form(request)
    data = LocalityInput(code, form.get("name", ""), form.get("province", ""), form.get("aliases", ""))
    return await submit(
        uow,
        lambda uow: update_locality(uow, code, data, user.username, clock()),
        redirect_to=f"/admin/localities/{quoted(code)}?saved=1",
        refused=AdminInputError,
        show_again=lambda error: locality_page(request, uow, code, data, error.problems, 400),
        missing=NotFound,
    )
