"""The admin pages of web accounts: the list with a new-user form, one user, switching a user on or
off, and a new password shown once."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from bot.accounts.admin import (
    UserInput,
    create_admin_user,
    get_user,
    reset_password,
    set_user_active,
    update_user,
)
from bot.accounts.service import ROLES
from bot.audit.changes import AdminInputError, NotFound, Problem
from bot.storage.models import UserRow
from bot.storage.unit_of_work import UnitOfWork
from bot.web.admin import action_pages, checked, read_form
from bot.web.deps import ADMIN_ONLY, Admin, Clock, Uow
from bot.web.forms import committed, submit
from bot.web.templating import render


def _user_input(form: dict[str, str]) -> UserInput:
    return UserInput(
        username=form.get("username", ""),
        display_name=form.get("display_name", ""),
        role=form.get("role", ""),
        agency_code=form.get("agency_code", ""),
        is_lead=checked(form, "is_lead"),
        password=form.get("password", ""),
    )


def _user_form(row: UserRow) -> UserInput:
    return UserInput(row.username, row.display_name, row.role, row.agency_code or "", row.is_lead)


router = APIRouter(dependencies=ADMIN_ONLY)


async def users_page(
    request: Request,
    uow: UnitOfWork,
    form: UserInput | None = None,
    errors: list[Problem] | None = None,
    status: int = 200,
    created: UserRow | None = None,
    password: str = "",
) -> Response:
    users = await uow.users.all()
    agencies = await uow.agencies.all_rows()
    context = {
        "users": users,
        "agencies": agencies,
        "roles": ROLES,
        "form": form or UserInput(),
        "errors": errors or [],
        "created": created,
        "password": password,
    }
    return await render(request, "admin/ref_users.html", context, status)


@router.get("/admin/users")
async def users(request: Request, user: Admin, uow: Uow) -> Response:
    return await users_page(request, uow)


@router.post("/admin/users")
async def user_create(request: Request, user: Admin, uow: Uow, clock: Clock) -> Response:
    data = _user_input(await read_form(request))
    try:
        row, password = await committed(uow, lambda uow: create_admin_user(uow, data, user.username, clock()))
    except AdminInputError as error:
        # The typed password is not sent back into the page.
        return await users_page(request, uow, replace(data, password=""), error.problems, 400)
    # Shown on this response only: the database keeps an argon2 hash.
    return await users_page(request, uow, created=row, password=password if not data.password else "")


async def user_page(
    request: Request,
    uow: UnitOfWork,
    user_id: int,
    form: UserInput | None = None,
    errors: list[Problem] | None = None,
    status: int = 200,
    password: str = "",
) -> Response:
    try:
        row = await get_user(uow, user_id)
    except NotFound:
        raise HTTPException(status_code=404) from None
    agencies = await uow.agencies.all_rows()
    context = {
        "account": row,
        "agencies": agencies,
        "roles": ROLES,
        "form": form or _user_form(row),
        "errors": errors or [],
        "password": password,
        "saved": request.query_params.get("saved") == "1",
    }
    return await render(request, "admin/ref_user.html", context, status)


@router.get("/admin/users/{user_id}")
async def user_detail(request: Request, user_id: int, user: Admin, uow: Uow) -> Response:
    return await user_page(request, uow, user_id)


@router.post("/admin/users/{user_id}")
async def user_update(request: Request, user_id: int, user: Admin, uow: Uow, clock: Clock) -> Response:
    data = _user_input(await read_form(request))
    return await submit(
        uow,
        lambda uow: update_user(uow, user_id, data, user.id, user.username, clock()),
        redirect_to=f"/admin/users/{user_id}?saved=1",
        refused=AdminInputError,
        show_again=lambda error: user_page(request, uow, user_id, data, error.problems, 400),
        missing=NotFound,
    )


@router.post("/admin/users/{user_id}/active")
async def user_active(request: Request, user_id: int, user: Admin, uow: Uow, clock: Clock) -> Response:
    active = checked(await read_form(request), "active")
    return await submit(
        uow,
        lambda uow: set_user_active(uow, user_id, active, user.id, user.username, clock()),
        redirect_to=f"/admin/users/{user_id}?saved=1",
        refused=AdminInputError,
        show_again=lambda error: user_page(request, uow, user_id, None, error.problems, 400),
        missing=NotFound,
    )


@router.post("/admin/users/{user_id}/password")
async def user_password(request: Request, user_id: int, user: Admin, uow: Uow, clock: Clock) -> Response:
    _, password = await committed(
        uow, lambda uow: reset_password(uow, user_id, user.username, clock()), missing=NotFound
    )
    return await user_page(request, uow, user_id, password=password)


action_pages(
    router,
    ("/admin/users/{user_id}/active", "/admin/users/{user_id}"),
    ("/admin/users/{user_id}/password", "/admin/users/{user_id}"),
)
