"""The admin pages of agencies: the list with a new-agency form, one agency with its people, groups
and rules, and the one-time code that links its Telegram group."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from bot.agencies.service import AgencyInput, agency_channels, create_agency, create_agency_link_code, update_agency
from bot.audit.changes import AdminInputError, NotFound, Problem
from bot.messaging.agency_desk import LINK_COMMAND
from bot.storage.models import AgencyRow
from bot.storage.unit_of_work import UnitOfWork
from bot.web.admin import action_pages, checked, quoted, read_form
from bot.web.deps import ADMIN_ONLY, Admin, HoaNhap, Uow
from bot.web.forms import committed, submit
from bot.web.templating import render


def _agency_input(form: dict[str, str], code: str = "") -> AgencyInput:
    names = [f.name for f in fields(AgencyInput) if f.name != "active"]
    values = {name: form.get(name, "") for name in names}
    if code:
        values["code"] = code
    return AgencyInput(**values, active=checked(form, "active"))


def _agency_form(row: AgencyRow) -> AgencyInput:
    return AgencyInput(
        code=row.code,
        name=row.name,
        kind=row.kind,
        contact=row.contact,
        hours=row.hours,
        first_response_hours=str(row.first_response_hours),
        resolution_hours=str(row.resolution_hours),
        work_days=row.work_days,
        work_periods=row.work_periods,
        active=row.active,
    )


router = APIRouter(dependencies=ADMIN_ONLY)


async def agencies_page(
    request: Request,
    uow: UnitOfWork,
    form: AgencyInput | None = None,
    errors: list[Problem] | None = None,
    status: int = 200,
) -> Response:
    agencies = await uow.agencies.all_rows()
    channels = await agency_channels(uow)
    context = {
        "agencies": agencies,
        "channels": channels,
        "kinds": sorted({a.kind for a in agencies}),
        "form": form or AgencyInput(),
        "errors": errors or [],
    }
    return await render(request, "admin/ref_agencies.html", context, status)


@router.get("/admin/agencies")
async def agencies(request: Request, user: Admin, uow: Uow) -> Response:
    return await agencies_page(request, uow)


@router.post("/admin/agencies")
async def agency_create(request: Request, user: Admin, uow: Uow, app: HoaNhap) -> Response:
    data = _agency_input(await read_form(request))
    return await submit(
        uow,
        lambda uow: create_agency(uow, data, user.username, app.clock(), app.settings.timezone),
        redirect_to=lambda row: f"/admin/agencies/{quoted(row.code)}?saved=1",
        refused=AdminInputError,
        show_again=lambda error: agencies_page(request, uow, data, error.problems, 400),
    )


async def agency_page(
    request: Request,
    uow: UnitOfWork,
    link_code_hours: int,
    code: str,
    form: AgencyInput | None = None,
    errors: list[Problem] | None = None,
    status: int = 200,
    link_code: str = "",
) -> Response:
    row = await uow.agencies.get_row(code)
    if row is None:
        raise HTTPException(status_code=404)
    users = [u for u in await uow.users.all() if u.agency_code == code]
    channels = await uow.agency_channels.for_agency(code)
    rules = [r for r in await uow.rules.all_rows() if r.agency_code == code]
    kinds = sorted({a.kind for a in await uow.agencies.all_rows()})
    context = {
        "agency": row,
        "form": form or _agency_form(row),
        "errors": errors or [],
        "users": users,
        "channels": channels,
        "rules": rules,
        "kinds": kinds,
        "link_code": link_code,
        "link_command": LINK_COMMAND,
        "link_code_hours": link_code_hours,
        "saved": request.query_params.get("saved") == "1",
    }
    return await render(request, "admin/ref_agency.html", context, status)


@router.get("/admin/agencies/{code}")
async def agency(request: Request, code: str, user: Admin, uow: Uow, app: HoaNhap) -> Response:
    return await agency_page(request, uow, app.settings.link_code_hours, code)


@router.post("/admin/agencies/{code}")
async def agency_update(request: Request, code: str, user: Admin, uow: Uow, app: HoaNhap) -> Response:
    data = _agency_input(await read_form(request), code)
    return await submit(
        uow,
        lambda uow: update_agency(uow, code, data, user.username, app.clock(), app.settings.timezone),
        redirect_to=f"/admin/agencies/{quoted(code)}?saved=1",
        refused=AdminInputError,
        show_again=lambda error: agency_page(
            request, uow, app.settings.link_code_hours, code, data, error.problems, 400
        ),
        missing=NotFound,
    )


@router.post("/admin/agencies/{code}/link-code")
async def agency_link_code(request: Request, code: str, user: Admin, uow: Uow, app: HoaNhap) -> Response:
    valid_for = timedelta(hours=app.settings.link_code_hours)
    link_code = await committed(
        uow,
        lambda uow: create_agency_link_code(uow, code, user.username, app.clock(), valid_for),
        missing=NotFound,
    )
    # Shown on this response only: the database keeps the code's hash.
    return await agency_page(request, uow, app.settings.link_code_hours, code, link_code=link_code)


action_pages(router, ("/admin/agencies/{code}/link-code", "/admin/agencies/{code}"))
