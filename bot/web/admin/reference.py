"""The admin pages of reference data and accounts: agencies, localities, routing rules (with the
"who gets this?" tester), holidays, users, API tokens, FAQ and reference-data files, the audit log.

Only admins see them: anyone else gets 404, before even the CSRF check, so the pages do not exist
for staff whatever they send. The work is done in bot/reference_admin.py; a refused input re-renders
the page with the reasons (400) and changes nothing. Forms are read here rather than declared as
FastAPI parameters so that the size limit below runs before any body is parsed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import fields, replace
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from bot import reference_admin as ra
from bot.accounts import ROLES
from bot.agency_desk import LINK_COMMAND
from bot.knowledge import import_entries
from bot.storage.models import AgencyRow, ApiTokenRow, HolidayRow, LocalityRow, RoutingRuleRow, UserRow
from bot.storage.unit_of_work import UnitOfWork
from bot.web.security import WebUser, admin_user, csrf_protect, hoanhap
from bot.web.templating import render
from knowledge_base.faq import REQUEST_CATEGORIES, dump_entries

# Three CSV files of at most MAX_UPLOAD_BYTES in one form, and the form's own fields.
MAX_REQUEST_BYTES = 3 * ra.MAX_UPLOAD_BYTES + 64 * 1024
FAQ_UPLOAD = "faq"
REFERENCE_UPLOAD = "reference"
Admin = Annotated[WebUser, Depends(admin_user)]


async def _body_limit(request: Request) -> None:
    """Refuse an oversized upload from its declared length, before anything reads it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        raise HTTPException(status_code=413)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _checked(form: dict[str, str], name: str) -> bool:
    return form.get(name, "") not in ("", "0", "false", "off")


def _redirect(target: str) -> Response:
    return RedirectResponse(target, status_code=303)


def _agency_input(form: dict[str, str], code: str = "") -> ra.AgencyInput:
    names = [f.name for f in fields(ra.AgencyInput) if f.name != "active"]
    values = {name: form.get(name, "") for name in names}
    if code:
        values["code"] = code
    return ra.AgencyInput(**values, active=_checked(form, "active"))


def _agency_form(row: AgencyRow) -> ra.AgencyInput:
    return ra.AgencyInput(
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


def _rule_input(form: dict[str, str]) -> ra.RuleInput:
    return ra.RuleInput(
        category=form.get("category", ""),
        locality_code=form.get("locality_code", ""),
        province=form.get("province", ""),
        agency_code=form.get("agency_code", ""),
        note=form.get("note", ""),
        active=_checked(form, "active"),
    )


def _rule_form(row: RoutingRuleRow) -> ra.RuleInput:
    return ra.RuleInput(
        category=row.category or "",
        locality_code=row.locality_code or "",
        province=row.province or "",
        agency_code=row.agency_code,
        note=row.note,
        active=row.active,
    )


def _user_input(form: dict[str, str]) -> ra.UserInput:
    return ra.UserInput(
        username=form.get("username", ""),
        display_name=form.get("display_name", ""),
        role=form.get("role", ""),
        agency_code=form.get("agency_code", ""),
        is_lead=_checked(form, "is_lead"),
        password=form.get("password", ""),
    )


def _user_form(row: UserRow) -> ra.UserInput:
    return ra.UserInput(row.username, row.display_name, row.role, row.agency_code or "", row.is_lead)


async def _uploads(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    """The chosen files among the form's file fields, checked and decoded (empty fields skipped)."""
    form = await request.form()
    found: dict[str, str] = {}
    for name in names:
        upload = form.get(name)
        if not isinstance(upload, UploadFile):
            continue
        raw = await upload.read(ra.MAX_UPLOAD_BYTES + 1)
        if not raw and not upload.filename:
            continue
        found[name] = ra.decode_upload(raw)
    return found


def _status_of(error: ra.AdminInputError) -> int:
    return 413 if any(p.key == "ar_err_upload_too_big" for p in error.problems) else 400


def reference_admin_router() -> APIRouter:
    # admin_user comes first: for anyone else the pages do not exist, even to a forged form.
    router = APIRouter(dependencies=[Depends(admin_user), Depends(_body_limit), Depends(csrf_protect)])

    # -- agencies --------------------------------------------------------------------------------

    async def agencies_page(
        request: Request, form: ra.AgencyInput | None = None, errors: list[ra.Problem] | None = None, status: int = 200
    ) -> Response:
        async with hoanhap(request).uow() as uow:
            agencies = await uow.agencies.all_rows()
            channels = await ra.agency_channels(uow)
        context = {
            "agencies": agencies,
            "channels": channels,
            "kinds": sorted({a.kind for a in agencies}),
            "form": form or ra.AgencyInput(),
            "errors": errors or [],
        }
        return await render(request, "admin/ref_agencies.html", context, status)

    @router.get("/admin/agencies")
    async def agencies(request: Request, user: Admin) -> Response:
        return await agencies_page(request)

    @router.post("/admin/agencies")
    async def agency_create(request: Request, user: Admin) -> Response:
        app = hoanhap(request)
        data = _agency_input(await _form(request))
        try:
            async with app.uow() as uow:
                row = await ra.create_agency(uow, data, user.username, app.clock(), app.settings.timezone)
                await uow.commit()
        except ra.AdminInputError as error:
            return await agencies_page(request, data, error.problems, 400)
        return _redirect(f"/admin/agencies/{quote(row.code, safe='')}?saved=1")

    async def agency_page(
        request: Request,
        code: str,
        form: ra.AgencyInput | None = None,
        errors: list[ra.Problem] | None = None,
        status: int = 200,
        link_code: str = "",
    ) -> Response:
        async with hoanhap(request).uow() as uow:
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
            "link_code_hours": hoanhap(request).settings.link_code_hours,
            "saved": request.query_params.get("saved") == "1",
        }
        return await render(request, "admin/ref_agency.html", context, status)

    @router.get("/admin/agencies/{code}")
    async def agency(request: Request, code: str, user: Admin) -> Response:
        return await agency_page(request, code)

    @router.post("/admin/agencies/{code}")
    async def agency_update(request: Request, code: str, user: Admin) -> Response:
        app = hoanhap(request)
        data = _agency_input(await _form(request), code)
        try:
            async with app.uow() as uow:
                await ra.update_agency(uow, code, data, user.username, app.clock(), app.settings.timezone)
                await uow.commit()
        except ra.NotFound:
            raise HTTPException(status_code=404) from None
        except ra.AdminInputError as error:
            return await agency_page(request, code, data, error.problems, 400)
        return _redirect(f"/admin/agencies/{quote(code, safe='')}?saved=1")

    @router.post("/admin/agencies/{code}/link-code")
    async def agency_link_code(request: Request, code: str, user: Admin) -> Response:
        app = hoanhap(request)
        valid_for = timedelta(hours=app.settings.link_code_hours)
        try:
            async with app.uow() as uow:
                link_code = await ra.create_agency_link_code(uow, code, user.username, app.clock(), valid_for)
                await uow.commit()
        except ra.NotFound:
            raise HTTPException(status_code=404) from None
        # Shown on this response only: the database keeps the code's hash.
        return await agency_page(request, code, link_code=link_code)

    # -- localities ------------------------------------------------------------------------------

    async def localities_page(
        request: Request,
        form: ra.LocalityInput | None = None,
        errors: list[ra.Problem] | None = None,
        status: int = 200,
    ) -> Response:
        query = request.query_params.get("q", "")[:200]
        async with hoanhap(request).uow() as uow:
            rows = await uow.localities.all_rows()
            provinces = await ra.provinces(uow)
        shown = ra.search_localities(rows, query)
        context = {
            "localities": shown,
            "total": len(rows),
            "q": query,
            "provinces": provinces,
            "form": form or ra.LocalityInput(province=provinces[0] if len(provinces) == 1 else ""),
            "errors": errors or [],
        }
        return await render(request, "admin/ref_localities.html", context, status)

    @router.get("/admin/localities")
    async def localities(request: Request, user: Admin) -> Response:
        return await localities_page(request)

    @router.post("/admin/localities")
    async def locality_create(request: Request, user: Admin) -> Response:
        app = hoanhap(request)
        form = await _form(request)
        data = ra.LocalityInput(
            form.get("code", ""), form.get("name", ""), form.get("province", ""), form.get("aliases", "")
        )
        try:
            async with app.uow() as uow:
                row = await ra.create_locality(uow, data, user.username, app.clock())
                await uow.commit()
        except ra.AdminInputError as error:
            return await localities_page(request, data, error.problems, 400)
        return _redirect(f"/admin/localities/{quote(row.code, safe='')}?saved=1")

    async def locality_page(
        request: Request,
        code: str,
        form: ra.LocalityInput | None = None,
        errors: list[ra.Problem] | None = None,
        status: int = 200,
    ) -> Response:
        async with hoanhap(request).uow() as uow:
            row: LocalityRow | None = await ra.locality_row(uow, code)
            if row is None:
                raise HTTPException(status_code=404)
            provinces = await ra.provinces(uow)
        context = {
            "locality": row,
            "form": form or ra.LocalityInput(row.code, row.name, row.province, "\n".join(row.aliases or [])),
            "provinces": provinces,
            "errors": errors or [],
            "saved": request.query_params.get("saved") == "1",
        }
        return await render(request, "admin/ref_locality.html", context, status)

    @router.get("/admin/localities/{code}")
    async def locality(request: Request, code: str, user: Admin) -> Response:
        return await locality_page(request, code)

    @router.post("/admin/localities/{code}")
    async def locality_update(request: Request, code: str, user: Admin) -> Response:
        app = hoanhap(request)
        form = await _form(request)
        data = ra.LocalityInput(code, form.get("name", ""), form.get("province", ""), form.get("aliases", ""))
        try:
            async with app.uow() as uow:
                await ra.update_locality(uow, code, data, user.username, app.clock())
                await uow.commit()
        except ra.NotFound:
            raise HTTPException(status_code=404) from None
        except ra.AdminInputError as error:
            return await locality_page(request, code, data, error.problems, 400)
        return _redirect(f"/admin/localities/{quote(code, safe='')}?saved=1")

    # -- routing rules and the tester ------------------------------------------------------------

    async def rule_choices(uow: UnitOfWork) -> dict[str, Any]:
        return {
            "categories": REQUEST_CATEGORIES,
            "agencies": await uow.agencies.all_rows(),
            "locality_rows": await uow.localities.all_rows(),
            "provinces": await ra.provinces(uow),
        }

    async def rules_page(
        request: Request, form: ra.RuleInput | None = None, errors: list[ra.Problem] | None = None, status: int = 200
    ) -> Response:
        test_category = request.query_params.get("category", "")[:32]
        commune = request.query_params.get("commune", "")[:200]
        tested: ra.RouteTest | None = None
        test_errors: list[ra.Problem] = []
        async with hoanhap(request).uow() as uow:
            if commune or test_category:
                try:
                    tested = await ra.try_route(uow, test_category, commune)
                except ra.AdminInputError as error:
                    test_errors = error.problems
                    status = 400
            rules = await uow.rules.all_rows()
            choices = await rule_choices(uow)
        context = {
            **choices,
            "rules": rules,
            "agency_names": {a.code: a.name for a in choices["agencies"]},
            "agency_active": {a.code: a.active for a in choices["agencies"]},
            "locality_names": {loc.code: loc.name for loc in choices["locality_rows"]},
            "form": form or ra.RuleInput(),
            "errors": errors or [],
            "test_category": test_category,
            "commune": commune,
            "tested": tested,
            "test_errors": test_errors,
            "saved": request.query_params.get("saved") == "1",
        }
        return await render(request, "admin/ref_rules.html", context, status)

    @router.get("/admin/rules")
    async def rules(request: Request, user: Admin) -> Response:
        return await rules_page(request)

    @router.post("/admin/rules")
    async def rule_create(request: Request, user: Admin) -> Response:
        app = hoanhap(request)
        data = _rule_input(await _form(request))
        try:
            async with app.uow() as uow:
                await ra.create_rule(uow, data, user.username, app.clock())
                await uow.commit()
        except ra.AdminInputError as error:
            return await rules_page(request, data, error.problems, 400)
        return _redirect("/admin/rules?saved=1")

    async def rule_page(
        request: Request,
        rule_id: int,
        form: ra.RuleInput | None = None,
        errors: list[ra.Problem] | None = None,
        status: int = 200,
    ) -> Response:
        async with hoanhap(request).uow() as uow:
            try:
                row = await ra.get_rule(uow, rule_id)
            except ra.NotFound:
                raise HTTPException(status_code=404) from None
            choices = await rule_choices(uow)
        context = {**choices, "rule": row, "form": form or _rule_form(row), "errors": errors or []}
        return await render(request, "admin/ref_rule.html", context, status)

    @router.get("/admin/rules/{rule_id}")
    async def rule(request: Request, rule_id: int, user: Admin) -> Response:
        return await rule_page(request, rule_id)

    @router.post("/admin/rules/{rule_id}")
    async def rule_update(request: Request, rule_id: int, user: Admin) -> Response:
        app = hoanhap(request)
        data = _rule_input(await _form(request))
        try:
            async with app.uow() as uow:
                await ra.update_rule(uow, rule_id, data, user.username, app.clock())
                await uow.commit()
        except ra.NotFound:
            raise HTTPException(status_code=404) from None
        except ra.AdminInputError as error:
            return await rule_page(request, rule_id, data, error.problems, 400)
        return _redirect("/admin/rules?saved=1")

    @router.post("/admin/rules/{rule_id}/active")
    async def rule_active(request: Request, rule_id: int, user: Admin) -> Response:
        app = hoanhap(request)
        active = _checked(await _form(request), "active")
        try:
            async with app.uow() as uow:
                await ra.set_rule_active(uow, rule_id, active, user.username, app.clock())
                await uow.commit()
        except ra.NotFound:
            raise HTTPException(status_code=404) from None
        except ra.AdminInputError as error:
            return await rules_page(request, None, error.problems, 400)
        return _redirect("/admin/rules?saved=1")

    # -- holidays --------------------------------------------------------------------------------

    async def holidays_page(
        request: Request, form: dict[str, str] | None = None, errors: list[ra.Problem] | None = None, status: int = 200
    ) -> Response:
        async with hoanhap(request).uow() as uow:
            rows: list[HolidayRow] = await uow.holidays.all()
        context = {
            "holidays": rows,
            "form": form or {"day": "", "name": ""},
            "errors": errors or [],
            "saved": request.query_params.get("saved") == "1",
        }
        return await render(request, "admin/ref_holidays.html", context, status)

    @router.get("/admin/holidays")
    async def holidays(request: Request, user: Admin) -> Response:
        return await holidays_page(request)

    @router.post("/admin/holidays")
    async def holiday_add(request: Request, user: Admin) -> Response:
        app = hoanhap(request)
        form = await _form(request)
        values = {"day": form.get("day", "")[:40], "name": form.get("name", "")}
        try:
            async with app.uow() as uow:
                await ra.add_holiday(uow, values["day"], values["name"], user.username, app.clock())
                await uow.commit()
        except ra.AdminInputError as error:
            return await holidays_page(request, values, error.problems, 400)
        return _redirect("/admin/holidays?saved=1")

    @router.post("/admin/holidays/{day}/delete")
    async def holiday_remove(request: Request, day: str, user: Admin) -> Response:
        app = hoanhap(request)
        try:
            async with app.uow() as uow:
                await ra.remove_holiday(uow, day, user.username, app.clock())
                await uow.commit()
        except (ra.NotFound, ra.AdminInputError):
            raise HTTPException(status_code=404) from None
        return _redirect("/admin/holidays?saved=1")

    # -- users -----------------------------------------------------------------------------------

    async def users_page(
        request: Request,
        form: ra.UserInput | None = None,
        errors: list[ra.Problem] | None = None,
        status: int = 200,
        created: UserRow | None = None,
        password: str = "",
    ) -> Response:
        async with hoanhap(request).uow() as uow:
            users = await uow.users.all()
            agencies = await uow.agencies.all_rows()
        context = {
            "users": users,
            "agencies": agencies,
            "roles": ROLES,
            "form": form or ra.UserInput(),
            "errors": errors or [],
            "created": created,
            "password": password,
        }
        return await render(request, "admin/ref_users.html", context, status)

    @router.get("/admin/users")
    async def users(request: Request, user: Admin) -> Response:
        return await users_page(request)

    @router.post("/admin/users")
    async def user_create(request: Request, user: Admin) -> Response:
        app = hoanhap(request)
        data = _user_input(await _form(request))
        try:
            async with app.uow() as uow:
                row, password = await ra.create_admin_user(uow, data, user.username, app.clock())
                await uow.commit()
        except ra.AdminInputError as error:
            # The typed password is not sent back into the page.
            return await users_page(request, replace(data, password=""), error.problems, 400)
        # Shown on this response only: the database keeps an argon2 hash.
        return await users_page(request, created=row, password=password if not data.password else "")

    async def user_page(
        request: Request,
        user_id: int,
        form: ra.UserInput | None = None,
        errors: list[ra.Problem] | None = None,
        status: int = 200,
        password: str = "",
    ) -> Response:
        async with hoanhap(request).uow() as uow:
            try:
                row = await ra.get_user(uow, user_id)
            except ra.NotFound:
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
    async def user_detail(request: Request, user_id: int, user: Admin) -> Response:
        return await user_page(request, user_id)

    @router.post("/admin/users/{user_id}")
    async def user_update(request: Request, user_id: int, user: Admin) -> Response:
        app = hoanhap(request)
        data = _user_input(await _form(request))
        try:
            async with app.uow() as uow:
                await ra.update_user(uow, user_id, data, user.id, user.username, app.clock())
                await uow.commit()
        except ra.NotFound:
            raise HTTPException(status_code=404) from None
        except ra.AdminInputError as error:
            return await user_page(request, user_id, data, error.problems, 400)
        return _redirect(f"/admin/users/{user_id}?saved=1")

    @router.post("/admin/users/{user_id}/active")
    async def user_active(request: Request, user_id: int, user: Admin) -> Response:
        app = hoanhap(request)
        active = _checked(await _form(request), "active")
        try:
            async with app.uow() as uow:
                await ra.set_user_active(uow, user_id, active, user.id, user.username, app.clock())
                await uow.commit()
        except ra.NotFound:
            raise HTTPException(status_code=404) from None
        except ra.AdminInputError as error:
            return await user_page(request, user_id, None, error.problems, 400)
        return _redirect(f"/admin/users/{user_id}?saved=1")

    @router.post("/admin/users/{user_id}/password")
    async def user_password(request: Request, user_id: int, user: Admin) -> Response:
        app = hoanhap(request)
        try:
            async with app.uow() as uow:
                _, password = await ra.reset_password(uow, user_id, user.username, app.clock())
                await uow.commit()
        except ra.NotFound:
            raise HTTPException(status_code=404) from None
        return await user_page(request, user_id, password=password)

    # -- API tokens ------------------------------------------------------------------------------

    async def tokens_page(
        request: Request,
        form: dict[str, str] | None = None,
        errors: list[ra.Problem] | None = None,
        status: int = 200,
        token: str = "",
    ) -> Response:
        async with hoanhap(request).uow() as uow:
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
    async def tokens(request: Request, user: Admin) -> Response:
        return await tokens_page(request)

    @router.post("/admin/tokens")
    async def token_create(request: Request, user: Admin) -> Response:
        app = hoanhap(request)
        form = await _form(request)
        values = {"agency_code": form.get("agency_code", "")[:64], "label": form.get("label", "")}
        try:
            async with app.uow() as uow:
                token = await ra.create_api_token(
                    uow, values["agency_code"], values["label"], user.username, app.clock()
                )
                await uow.commit()
        except ra.AdminInputError as error:
            return await tokens_page(request, values, error.problems, 400)
        # Shown on this response only: the database keeps its SHA-256.
        return await tokens_page(request, token=token)

    @router.post("/admin/tokens/{token_id}/revoke")
    async def token_revoke(request: Request, token_id: int, user: Admin) -> Response:
        app = hoanhap(request)
        try:
            async with app.uow() as uow:
                await ra.revoke_api_token(uow, token_id, user.username, app.clock())
                await uow.commit()
        except ra.NotFound:
            raise HTTPException(status_code=404) from None
        return _redirect("/admin/tokens?saved=1")

    # -- files: the FAQ (YAML) and the reference data (CSV) --------------------------------------

    async def data_page(request: Request, status: int = 200, **extra: Any) -> Response:
        context: dict[str, Any] = {
            "csv_kinds": ra.CSV_KINDS,
            "max_mb": ra.MAX_UPLOAD_BYTES // (1024 * 1024),
            "faq_errors": [],
            "faq_preview": None,
            "faq_done": None,
            "ref_errors": [],
            "ref_preview": None,
            "ref_done": None,
        }
        context.update(extra)
        return await render(request, "admin/ref_data.html", context, status)

    @router.get("/admin/data")
    async def data(request: Request, user: Admin) -> Response:
        return await data_page(request)

    @router.get("/admin/data/faq.yaml")
    async def faq_download(request: Request, user: Admin) -> Response:
        async with hoanhap(request).uow() as uow:
            text = dump_entries(await uow.faq.all())
        return _download(text, "faq.yaml", "application/yaml")

    @router.get("/admin/data/{kind}.csv")
    async def csv_download(request: Request, kind: str, user: Admin) -> Response:
        async with hoanhap(request).uow() as uow:
            try:
                text = await ra.export_csv(uow, kind)
            except ra.NotFound:
                raise HTTPException(status_code=404) from None
        return _download(text, f"{kind}.csv", "text/csv")

    @router.post("/admin/data/faq")
    async def faq_upload(request: Request, user: Admin) -> Response:
        app = hoanhap(request)
        try:
            files = await _uploads(request, ("file",))
            if "file" not in files:
                ra.fail("ar_err_no_file")
            entries = ra.parse_faq_yaml(files["file"])
        except ra.AdminInputError as error:
            return await data_page(request, _status_of(error), faq_errors=error.problems)
        # The preview is the import itself, rolled back: the counts are exactly what confirming does.
        async with app.uow() as uow:
            created, updated = await import_entries(uow, entries, app.clock(), user.username)
            await uow.rollback()
        preview: dict[str, Any] = {"entries": len(entries), "created": created, "updated": updated, "digest": ""}
        if created or updated:
            async with app.uow() as uow:
                preview["digest"] = await ra.keep_pending_upload(uow, FAQ_UPLOAD, user.id, {"file": files["file"]})
                await uow.commit()
        return await data_page(request, faq_preview=preview)

    @router.post("/admin/data/faq/confirm")
    async def faq_confirm(request: Request, user: Admin) -> Response:
        app = hoanhap(request)
        expected = (await _form(request)).get("digest", "")[:64]
        try:
            async with app.uow() as uow:
                files = await ra.take_pending_upload(uow, FAQ_UPLOAD, user.id, expected)
                entries = ra.parse_faq_yaml(files.get("file", ""))
                created, updated = await import_entries(uow, entries, app.clock(), user.username)
                await uow.commit()
        except ra.AdminInputError as error:
            return await data_page(request, 400, faq_errors=error.problems)
        return await data_page(request, faq_done={"created": created, "updated": updated})

    @router.post("/admin/data/reference")
    async def reference_upload(request: Request, user: Admin) -> Response:
        app = hoanhap(request)
        try:
            files = await _uploads(request, ra.CSV_KINDS)
            async with app.uow() as uow:
                plan = await ra.plan_reference_import(uow, files)
                preview: dict[str, Any] = {"plan": plan, "counts": plan.counts(), "digest": ""}
                if plan.changes:
                    preview["digest"] = await ra.keep_pending_upload(uow, REFERENCE_UPLOAD, user.id, files)
                    await uow.commit()
        except ra.AdminInputError as error:
            return await data_page(request, _status_of(error), ref_errors=error.problems)
        return await data_page(request, ref_preview=preview)

    @router.post("/admin/data/reference/confirm")
    async def reference_confirm(request: Request, user: Admin) -> Response:
        app = hoanhap(request)
        expected = (await _form(request)).get("digest", "")[:64]
        try:
            async with app.uow() as uow:
                files = await ra.take_pending_upload(uow, REFERENCE_UPLOAD, user.id, expected)
                # Checked again: the database may have changed since the preview.
                plan = await ra.plan_reference_import(uow, files)
                counts = await ra.apply_reference_plan(uow, plan, user.username, app.clock())
                await uow.commit()
        except ra.AdminInputError as error:
            return await data_page(request, 400, ref_errors=error.problems)
        return await data_page(request, ref_done=counts)

    # -- GET on an action's address --------------------------------------------------------------

    # A page rendered by a POST (a password shown once, an upload preview) has the action's address:
    # reloading it, or switching the language there, lands on the page the action belongs to. It also
    # keeps a GET from answering 405 to staff, which would tell them the address exists.
    for action_path, page_path in (
        ("/admin/agencies/{code}/link-code", "/admin/agencies/{code}"),
        ("/admin/rules/{rule_id}/active", "/admin/rules/{rule_id}"),
        ("/admin/holidays/{day}/delete", "/admin/holidays"),
        ("/admin/users/{user_id}/active", "/admin/users/{user_id}"),
        ("/admin/users/{user_id}/password", "/admin/users/{user_id}"),
        ("/admin/tokens/{token_id}/revoke", "/admin/tokens"),
        ("/admin/data/faq", "/admin/data"),
        ("/admin/data/faq/confirm", "/admin/data"),
        ("/admin/data/reference", "/admin/data"),
        ("/admin/data/reference/confirm", "/admin/data"),
    ):
        router.add_api_route(action_path, _back_to(page_path), methods=["GET"], include_in_schema=False)

    # -- the audit log ---------------------------------------------------------------------------

    @router.get("/admin/audit")
    async def audit(request: Request, user: Admin) -> Response:
        params = request.query_params
        actor, action = params.get("actor", "")[:120], params.get("action", "")[:64]
        page_text = params.get("page", "1")
        page = int(page_text) if page_text.isascii() and page_text.isdigit() and len(page_text) < 7 else 1
        async with hoanhap(request).uow() as uow:
            found = await ra.audit_page(uow, actor, action, page)
        context = {"audit": found, "actor": actor, "action": action, "pretty": ra.pretty_json}
        return await render(request, "admin/ref_audit.html", context)

    return router


def _back_to(page_path: str) -> Callable[[Request, WebUser], Awaitable[Response]]:
    async def redirect(request: Request, user: Admin) -> Response:
        values = {name: quote(str(value), safe="") for name, value in request.path_params.items()}
        return _redirect(page_path.format(**values))

    return redirect


def _download(text: str, filename: str, media_type: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type=f"{media_type}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
