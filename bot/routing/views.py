"""The admin pages of routing rules: the list with a new-rule form and the "who gets this?" tester,
one rule, and switching a rule on or off."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from bot.audit.changes import AdminInputError, NotFound, Problem
from bot.localities.service import provinces
from bot.routing.service import RuleInput, create_rule, get_rule, set_rule_active, update_rule
from bot.routing.tester import RouteTest, try_route
from bot.storage.models import RoutingRuleRow
from bot.storage.unit_of_work import UnitOfWork
from bot.web.admin import action_pages, checked, read_form
from bot.web.deps import ADMIN_ONLY, Admin, Clock, RowId, Uow
from bot.web.forms import submit
from bot.web.templating import render
from knowledge_base.faq import REQUEST_CATEGORIES


def _rule_input(form: dict[str, str]) -> RuleInput:
    return RuleInput(
        category=form.get("category", ""),
        locality_code=form.get("locality_code", ""),
        province=form.get("province", ""),
        agency_code=form.get("agency_code", ""),
        note=form.get("note", ""),
        active=checked(form, "active"),
    )


def _rule_form(row: RoutingRuleRow) -> RuleInput:
    return RuleInput(
        category=row.category or "",
        locality_code=row.locality_code or "",
        province=row.province or "",
        agency_code=row.agency_code,
        note=row.note,
        active=row.active,
    )


async def _rule_choices(uow: UnitOfWork) -> dict[str, Any]:
    return {
        "categories": REQUEST_CATEGORIES,
        "agencies": await uow.agencies.all_rows(),
        "locality_rows": await uow.localities.all_rows(),
        "provinces": await provinces(uow),
    }


router = APIRouter(dependencies=ADMIN_ONLY)


async def rules_page(
    request: Request,
    uow: UnitOfWork,
    form: RuleInput | None = None,
    errors: list[Problem] | None = None,
    status: int = 200,
) -> Response:
    test_category = request.query_params.get("category", "")[:32]
    commune = request.query_params.get("commune", "")[:200]
    tested: RouteTest | None = None
    test_errors: list[Problem] = []
    if commune or test_category:
        try:
            tested = await try_route(uow, test_category, commune)
        except AdminInputError as error:
            test_errors = error.problems
            status = 400
    rules = await uow.rules.all_rows()
    choices = await _rule_choices(uow)
    context = {
        **choices,
        "rules": rules,
        "agency_names": {a.code: a.name for a in choices["agencies"]},
        "agency_active": {a.code: a.active for a in choices["agencies"]},
        "locality_names": {loc.code: loc.name for loc in choices["locality_rows"]},
        "form": form or RuleInput(),
        "errors": errors or [],
        "test_category": test_category,
        "commune": commune,
        "tested": tested,
        "test_errors": test_errors,
        "saved": request.query_params.get("saved") == "1",
    }
    return await render(request, "admin/ref_rules.html", context, status)


@router.get("/admin/rules")
async def rules(request: Request, user: Admin, uow: Uow) -> Response:
    return await rules_page(request, uow)


@router.post("/admin/rules")
async def rule_create(request: Request, user: Admin, uow: Uow, clock: Clock) -> Response:
    data = _rule_input(await read_form(request))
    return await submit(
        uow,
        lambda uow: create_rule(uow, data, user.username, clock()),
        redirect_to="/admin/rules?saved=1",
        refused=AdminInputError,
        show_again=lambda error: rules_page(request, uow, data, error.problems, 400),
    )


async def rule_page(
    request: Request,
    uow: UnitOfWork,
    rule_id: int,
    form: RuleInput | None = None,
    errors: list[Problem] | None = None,
    status: int = 200,
) -> Response:
    try:
        row = await get_rule(uow, rule_id)
    except NotFound:
        raise HTTPException(status_code=404) from None
    choices = await _rule_choices(uow)
    context = {**choices, "rule": row, "form": form or _rule_form(row), "errors": errors or []}
    return await render(request, "admin/ref_rule.html", context, status)


@router.get("/admin/rules/{rule_id}")
async def rule(request: Request, rule_id: RowId, user: Admin, uow: Uow) -> Response:
    return await rule_page(request, uow, rule_id)


@router.post("/admin/rules/{rule_id}")
async def rule_update(request: Request, rule_id: RowId, user: Admin, uow: Uow, clock: Clock) -> Response:
    data = _rule_input(await read_form(request))
    return await submit(
        uow,
        lambda uow: update_rule(uow, rule_id, data, user.username, clock()),
        redirect_to="/admin/rules?saved=1",
        refused=AdminInputError,
        show_again=lambda error: rule_page(request, uow, rule_id, data, error.problems, 400),
        missing=NotFound,
    )


@router.post("/admin/rules/{rule_id}/active")
async def rule_active(request: Request, rule_id: RowId, user: Admin, uow: Uow, clock: Clock) -> Response:
    active = checked(await read_form(request), "active")
    return await submit(
        uow,
        lambda uow: set_rule_active(uow, rule_id, active, user.username, clock()),
        redirect_to="/admin/rules?saved=1",
        refused=AdminInputError,
        show_again=lambda error: rules_page(request, uow, None, error.problems, 400),
        missing=NotFound,
    )


action_pages(router, ("/admin/rules/{rule_id}/active", "/admin/rules/{rule_id}"))
