"""The admin page of public holidays: the list, adding a day and removing one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.audit.changes import AdminInputError, NotFound, Problem
from bot.holidays.service import add_holiday, remove_holiday
from bot.storage.models import HolidayRow
from bot.storage.unit_of_work import UnitOfWork
from bot.web.admin import action_pages, read_form
from bot.web.deps import ADMIN_ONLY, Admin, Clock, Uow
from bot.web.forms import committed, see_other, submit
from bot.web.templating import render

router = APIRouter(dependencies=ADMIN_ONLY)


async def holidays_page(
    request: Request,
    uow: UnitOfWork,
    form: dict[str, str] | None = None,
    errors: list[Problem] | None = None,
    status: int = 200,
) -> Response:
    rows: list[HolidayRow] = await uow.holidays.all()
    context = {
        "holidays": rows,
        "form": form or {"day": "", "name": ""},
        "errors": errors or [],
        "saved": request.query_params.get("saved") == "1",
    }
    return await render(request, "admin/ref_holidays.html", context, status)


@router.get("/admin/holidays")
async def holidays(request: Request, user: Admin, uow: Uow) -> Response:
    return await holidays_page(request, uow)


@router.post("/admin/holidays")
async def holiday_add(request: Request, user: Admin, uow: Uow, clock: Clock) -> Response:
    form = await read_form(request)
    values = {"day": form.get("day", "")[:40], "name": form.get("name", "")}
    return await submit(
        uow,
        lambda uow: add_holiday(uow, values["day"], values["name"], user.username, clock()),
        redirect_to="/admin/holidays?saved=1",
        refused=AdminInputError,
        show_again=lambda error: holidays_page(request, uow, values, error.problems, 400),
    )


@router.post("/admin/holidays/{day}/delete")
async def holiday_remove(day: str, user: Admin, uow: Uow, clock: Clock) -> Response:
    # A day that is no date names no holiday either.
    missing = (NotFound, AdminInputError)
    await committed(uow, lambda uow: remove_holiday(uow, day, user.username, clock()), missing=missing)
    return see_other("/admin/holidays?saved=1")


action_pages(router, ("/admin/holidays/{day}/delete", "/admin/holidays"))
