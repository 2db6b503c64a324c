"""The admin pages of reference data and accounts, over HTTP: only admins reach them, every change is
validated and audited with before and after, routing changes reach the next request at once, and the
FAQ and reference-data files round-trip without a change."""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.routing import APIRoute
from markupsafe import escape
from sqlalchemy import func, select

from bot.accounts.service import create_user, user_summary
from bot.accounts.views import tokens, users
from bot.agencies import views as agencies
from bot.agencies.service import agency_summary
from bot.app import App
from bot.audit import views as audit
from bot.faq.cli import cmd_kb_export
from bot.holidays import views as holidays
from bot.localities import views as localities
from bot.localities.service import locality_summary
from bot.messaging.agency_desk import hash_link_code
from bot.reference import views as reference
from bot.reference.cli import cmd_data_export
from bot.routing import views as routing
from bot.routing.service import rule_summary
from bot.storage.models import ApiTokenRow, AuditLogRow, LinkCodeRow, RequestRow
from bot.web.i18n import web_texts
from handlers.places import find_localities
from handlers.routing import route
from knowledge_base.faq import REQUEST_CATEGORIES
from tests.harness import Person
from tests.storage.sessions import session_of
from tests.web_client import WebClient

# The pages of reference data and accounts, as bot/web/app.py includes them.
REFERENCE_ROUTERS = [m.router for m in (agencies, localities, routing, holidays, users, tokens, reference, audit)]
PASSWORDS = {"admin": "admin password 1", "boss": "second admin pw", "vieclam": "staff password 1"}
SAMPLES = {
    "code": "demo-vieclam",
    "rule_id": "1",
    "user_id": "1",
    "token_id": "1",
    "day": "2026-09-02",
    "kind": "agencies",
}
_SECRET = re.compile(r'<code class="ref-secret">([^<]+)</code>')
_VERDICT = re.compile(r'data-agency="([^"]+)"')


def said(response: httpx.Response, key: str, /, **values: Any) -> bool:
    """Whether the page shows this text (in Vietnamese, as the template escapes it)."""
    return str(escape(web_texts().get("vi", key, **values))) in response.text


def shows(page: httpx.Response, key: str) -> bool:
    """Whether the page shows this text, whatever values fill its placeholders."""
    parts = re.split(r"\{\w+\}", web_texts().get("vi", key))
    return re.search(".*?".join(re.escape(str(escape(p))) for p in parts), page.text, re.S) is not None


def secret(page: httpx.Response) -> str:
    found = _SECRET.search(page.text)
    assert found, "no secret shown"
    return found.group(1)


def routes() -> list[tuple[str, str]]:
    """Every (method, path) of the router, with sample values in the path."""
    found: list[tuple[str, str]] = []
    for item in (r for router in REFERENCE_ROUTERS for r in router.routes):
        assert isinstance(item, APIRoute)
        assert item.path.startswith("/admin/")
        path = re.sub(r"\{(\w+)\}", lambda m: SAMPLES[m.group(1)], item.path)
        found += [(method, path) for method in sorted(item.methods or ())]
    return found


@pytest.fixture
async def admin_app(demo_app: App) -> App:
    async with demo_app.uow() as uow:
        now = demo_app.clock()
        await create_user(uow, "admin", PASSWORDS["admin"], "admin", now, actor="test")
        await create_user(uow, "boss", PASSWORDS["boss"], "admin", now, actor="test")
        await create_user(
            uow, "vieclam", PASSWORDS["vieclam"], "staff", now, actor="test", agency_code="demo-vieclam", is_lead=True
        )
        await uow.commit()
    return demo_app


async def signed_in(app: App, username: str, password: str | None = None) -> WebClient:
    client = WebClient(app)
    response = await client.log_in(username, password or PASSWORDS[username])
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
async def admin(admin_app: App) -> AsyncIterator[WebClient]:
    client = await signed_in(admin_app, "admin")
    async with client:
        yield client


async def snapshot(app: App) -> dict[str, Any]:
    """Everything these pages can change."""
    async with app.uow() as uow:
        return {
            "agencies": [agency_summary(r) for r in await uow.agencies.all_rows()],
            "localities": [locality_summary(r) for r in await uow.localities.all_rows()],
            "rules": [rule_summary(r) for r in await uow.rules.all_rows()],
            "holidays": [(h.day, h.name) for h in await uow.holidays.all()],
            "users": [(user_summary(u), u.session_version, u.password_hash) for u in await uow.users.all()],
            "tokens": [(t.id, t.revoked_at) for t in await uow.api_tokens.all()],
            "faq": [e.to_dict() for e in await uow.faq.all()],
            "audit": (await session_of(uow).execute(select(func.count()).select_from(AuditLogRow))).scalar_one(),
            "link_codes": (await session_of(uow).execute(select(func.count()).select_from(LinkCodeRow))).scalar_one(),
        }


async def audit_rows(app: App, action: str) -> list[Any]:
    """The rows of one action, oldest first (typed loosely: tests index their JSON directly)."""
    async with app.uow() as uow:
        statement = select(AuditLogRow).where(AuditLogRow.action == action).order_by(AuditLogRow.id)
        return list((await session_of(uow).execute(statement)).scalars())


async def ask_tester(client: WebClient, category: str, commune: str) -> str:
    page = await client.http.get("/admin/rules", params={"category": category, "commune": commune})
    assert page.status_code == 200, page.text
    found = _VERDICT.search(page.text)
    assert found, "the tester named no agency"
    return found.group(1)


async def send_request(app: App, chat_id: str, commune: str = "mh-an-hoa", category: str = "employment") -> str:
    """A person sends a request through the real conversation; its code."""
    person = Person(app, chat_id)
    await person.start()
    await person.presses("menu:request")
    await person.presses(f"form:cat:{category}")
    await person.says("Tôi cần tìm việc làm phụ hồ gần nhà")
    await person.presses(f"form:loc:{commune}")
    await person.says("0356 789 012")
    await person.presses("form:skip")
    await person.presses("form:time:morning")
    await person.presses("form:yes")
    await person.presses("form:confirm")
    return person.text.split("Mã của bạn: ")[1].split()[0]


async def agency_of(app: App, code: str) -> str:
    async with app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None
        return row.agency_code


# -- who may --------------------------------------------------------------------------------------


async def test_staff_get_404_on_every_page_and_action(admin_app: App) -> None:
    before = await snapshot(admin_app)
    async with await signed_in(admin_app, "vieclam") as staff:
        for method, path in routes():
            if method == "GET":
                response = await staff.http.get(path, headers={"accept": "text/html"})
                assert response.status_code == 404, (method, path)
                continue
            with_token = await staff.post_form(path, {"active": "0", "name": "x"})
            without = await staff.post_form(path, {"active": "0"}, csrf=False)
            assert (with_token.status_code, without.status_code) == (404, 404), (method, path)
    assert await snapshot(admin_app) == before


async def test_anonymous_visitors_are_sent_to_the_login(admin_app: App) -> None:
    async with WebClient(admin_app) as anonymous:
        for method, path in routes():
            response = await anonymous.http.request(method, path)
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login?next=")


async def test_a_post_without_csrf_is_refused_and_changes_nothing(admin_app: App, admin: WebClient) -> None:
    before = await snapshot(admin_app)
    form = {"code": "new-agency", "name": "Cơ quan mới", "kind": "other", "active": "1", "day": "2026-09-02"}
    for method, path in routes():
        if method == "POST":
            response = await admin.http.post(path, data=form)
            assert response.status_code == 403, path
    assert await snapshot(admin_app) == before


async def test_reloading_an_action_address_leads_admins_to_its_page(admin: WebClient) -> None:
    for path, page in (
        ("/admin/users/2/password", "/admin/users/2"),
        ("/admin/agencies/demo-vieclam/link-code", "/admin/agencies/demo-vieclam"),
        ("/admin/data/reference/confirm", "/admin/data"),
        ("/admin/holidays/2026-09-02/delete", "/admin/holidays"),
    ):
        response = await admin.http.get(path)
        assert (response.status_code, response.headers["location"]) == (303, page)


async def test_an_oversized_body_is_refused_before_it_is_read(admin: WebClient) -> None:
    response = await admin.http.post("/admin/data/faq", content=b"x", headers={"content-length": str(50 * 1024 * 1024)})
    assert response.status_code == 413


# -- agencies -------------------------------------------------------------------------------------

AGENCY = {
    "code": "demo-vieclam-2",
    "name": "Trung tâm việc làm số 2",
    "kind": "employment_centre",
    "contact": "0200 000 099",
    "hours": "Thứ 2 - Thứ 6",
    "first_response_hours": "8",
    "resolution_hours": "40",
    "work_days": "1, 2,3,4,5",
    "work_periods": "07:30-11:30, 13:30-17:00",
    "active": "1",
}


async def test_agencies_are_created_and_edited_with_an_audit_trail(admin_app: App, admin: WebClient) -> None:
    created = await admin.post_form("/admin/agencies", AGENCY)
    assert created.status_code == 303 and created.headers["location"] == "/admin/agencies/demo-vieclam-2?saved=1"
    async with admin_app.uow() as uow:
        row = await uow.agencies.get_row("demo-vieclam-2")
        assert row is not None
        assert (row.work_days, row.work_periods) == ("1,2,3,4,5", "07:30-11:30,13:30-17:00")

    edited = await admin.post_form(
        "/admin/agencies/demo-vieclam-2",
        {**AGENCY, "code": "ignored", "first_response_hours": "4", "work_days": "1,2,3,4,5,6"},
    )
    assert edited.status_code == 303
    page = await admin.http.get("/admin/agencies/demo-vieclam-2?saved=1")
    assert said(page, "ar_saved") and 'value="1,2,3,4,5,6"' in page.text

    [create] = await audit_rows(admin_app, "agency.create")
    assert create.actor == "admin" and create.before is None and create.after["name"] == AGENCY["name"]
    [update] = await audit_rows(admin_app, "agency.update")
    assert update.target == "agency:demo-vieclam-2"
    assert (update.before["first_response_hours"], update.after["first_response_hours"]) == (8, 4)
    assert (update.before["work_days"], update.after["work_days"]) == ("1,2,3,4,5", "1,2,3,4,5,6")

    # Deactivating is the same form without the box ticked.
    await admin.post_form("/admin/agencies/demo-vieclam-2", {**AGENCY, "active": ""})
    async with admin_app.uow() as uow:
        row = await uow.agencies.get_row("demo-vieclam-2")
        assert row is not None and not row.active


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"work_periods": "07:30-25:00"}, "ar_err_schedule"),
        ({"work_periods": "13:30-17:00,07:30-11:30x"}, "ar_err_schedule"),
        ({"work_days": "1,2,8"}, "ar_err_schedule"),
        ({"first_response_hours": "-5"}, "ar_err_first_response"),
        ({"resolution_hours": "0"}, "ar_err_resolution"),
        ({"resolution_hours": "abc"}, "ar_err_resolution"),
        ({"first_response_hours": "50", "resolution_hours": "40"}, "ar_err_resolution_before_first"),
        ({"name": "   "}, "ar_err_name_required"),
        ({"code": "demo-vieclam"}, "ar_err_duplicate_code"),
        ({"code": "Có Dấu"}, "ar_err_code"),
        ({"kind": "Trung tâm"}, "ar_err_kind"),
        ({"name": "x" * 301}, "ar_err_too_long"),
    ],
)
async def test_a_bad_agency_is_refused_with_a_reason(
    admin_app: App, admin: WebClient, change: dict[str, str], key: str
) -> None:
    before = await snapshot(admin_app)
    response = await admin.post_form("/admin/agencies", {**AGENCY, **change})
    assert response.status_code == 400
    assert 'class="alert"' in response.text and shows(response, key)
    # What was typed stays in the form.
    assert str(escape(({**AGENCY, **change})["name"])) in response.text
    assert await snapshot(admin_app) == before


async def test_editing_an_agency_with_bad_hours_changes_nothing(admin_app: App, admin: WebClient) -> None:
    before = await snapshot(admin_app)
    response = await admin.post_form("/admin/agencies/demo-vieclam", {**AGENCY, "work_periods": "25:00-26:00"})
    assert response.status_code == 400 and "25:00-26:00" in response.text
    assert await snapshot(admin_app) == before
    assert (await admin.http.get("/admin/agencies/nope")).status_code == 404


async def test_names_with_markup_are_shown_as_text(admin_app: App, admin: WebClient) -> None:
    evil = '<script>alert("x")</script>'
    assert (await admin.post_form("/admin/agencies", {**AGENCY, "name": evil, "contact": evil})).status_code == 303
    await admin.post_form("/admin/localities", {"code": "mh-evil", "name": evil, "province": "Tỉnh Minh Họa"})
    await admin.post_form("/admin/holidays", {"day": "2026-09-02", "name": evil})
    await admin.post_form("/admin/tokens", {"agency_code": "demo-vieclam", "label": evil})
    for path in (
        "/admin/agencies",
        "/admin/agencies/demo-vieclam-2",
        "/admin/localities",
        "/admin/holidays",
        "/admin/tokens",
        "/admin/audit",
        "/admin/rules?category=employment&commune=mh-evil",
    ):
        page = await admin.http.get(path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text, path
        assert "&lt;script&gt;" in page.text, path


async def test_the_agency_page_shows_users_groups_and_a_one_time_link_code(admin_app: App, admin: WebClient) -> None:
    page = await admin.http.get("/admin/agencies/demo-vieclam")
    assert "vieclam" in page.text and said(page, "ar_lead") and said(page, "ar_group_not_linked")

    shown = await admin.post_form("/admin/agencies/demo-vieclam/link-code", {})
    assert shown.status_code == 200
    line = secret(shown)
    assert line.startswith("/lienket ")
    code = line.split()[1]
    async with admin_app.uow() as uow:
        stored = (await session_of(uow).execute(select(LinkCodeRow))).scalars().all()
        assert [r.code_hash for r in stored] == [hash_link_code(code)]
        await uow.agency_channels.link("demo-vieclam", "telegram", "-100123", "Chị Lan", admin_app.clock())
        await uow.commit()
    [audited] = await audit_rows(admin_app, "agency.link_code")
    assert audited.actor == "admin"
    again = await admin.http.get("/admin/agencies/demo-vieclam")
    assert code not in again.text and "-100123" in again.text and said(again, "ar_group_linked")
    assert said(await admin.http.get("/admin/agencies"), "ar_group_linked")


# -- localities -----------------------------------------------------------------------------------


async def test_localities_are_added_searched_and_given_aliases(admin_app: App, admin: WebClient) -> None:
    added = await admin.post_form(
        "/admin/localities",
        {"code": "mh-tan-lap", "name": "Xã Tân Lập", "province": "Tỉnh Minh Họa", "aliases": "Xã Lập Cũ\r\n\r\n"},
    )
    assert added.status_code == 303
    edited = await admin.post_form(
        "/admin/localities/mh-tan-lap",
        {"name": "Xã Tân Lập", "province": "Tỉnh Minh Họa", "aliases": "Xã Lập Cũ\r\nXã Tân Hưng\r\nxa tan hung\r\n"},
    )
    assert edited.status_code == 303
    async with admin_app.uow() as uow:
        locality = await uow.localities.get("mh-tan-lap")
        assert locality is not None and locality.aliases == ("Xã Lập Cũ", "Xã Tân Hưng")
        found, sure = find_localities("tan hung", await uow.localities.all())
        assert sure and found[0].code == "mh-tan-lap"
    [update] = await audit_rows(admin_app, "locality.update")
    assert update.before["aliases"] == ["Xã Lập Cũ"] and update.after["aliases"] == ["Xã Lập Cũ", "Xã Tân Hưng"]

    searched = await admin.http.get("/admin/localities", params={"q": "tan hung"})
    assert "mh-tan-lap" in searched.text and "mh-gia-loc" not in searched.text
    # The tester finds a commune by an old name, too.
    assert await ask_tester(admin, "loan", "xa tan hung") == "demo-nhcsxh"

    for form, key in (
        ({"code": "mh-an-hoa", "name": "Xã Trùng", "province": "Tỉnh Minh Họa"}, "ar_err_duplicate_code"),
        ({"code": "mh-x", "name": "", "province": "Tỉnh Minh Họa"}, "ar_err_name_required"),
        ({"code": "mh-x", "name": "Xã X", "province": ""}, "ar_err_province_required"),
    ):
        refused = await admin.post_form("/admin/localities", form)
        assert refused.status_code == 400 and said(refused, key, code=form["code"])


# -- routing rules and the tester -----------------------------------------------------------------


async def test_the_tester_agrees_with_routing_everywhere(admin_app: App, admin: WebClient) -> None:
    async with admin_app.uow() as uow:
        localities = await uow.localities.all()
        rules = await uow.rules.active_rules()
    for category in REQUEST_CATEGORIES:
        for locality in localities:
            decision = route(category, locality, rules)
            assert decision is not None
            assert await ask_tester(admin, category, locality.code) == decision.agency_code, (category, locality.code)
    page = await admin.http.get("/admin/rules", params={"category": "papers", "commune": "phuong binh minh thuong"})
    assert 'data-agency="demo-congan-binhminh"' in page.text and said(page, "ar_scope_locality")


async def test_the_tester_explains_what_it_cannot_do(admin: WebClient) -> None:
    unknown = await admin.http.get("/admin/rules", params={"category": "employment", "commune": "Hà Nội xa lắm"})
    assert unknown.status_code == 400 and said(unknown, "ar_err_commune_not_found", commune="Hà Nội xa lắm")
    bad = await admin.http.get("/admin/rules", params={"category": "<b>", "commune": "mh-an-hoa"})
    assert bad.status_code == 400 and said(bad, "ar_err_category")


async def test_a_rule_change_routes_the_next_request_and_leaves_older_ones(admin_app: App, admin: WebClient) -> None:
    older = await send_request(admin_app, "p-old")
    assert await agency_of(admin_app, older) == "demo-vieclam"
    assert await ask_tester(admin, "employment", "Xã An Hòa") == "demo-vieclam"

    added = await admin.post_form(
        "/admin/rules",
        {"category": "employment", "locality_code": "mh-an-hoa", "agency_code": "demo-dieuphoi", "active": "1"},
    )
    assert added.status_code == 303
    assert await ask_tester(admin, "employment", "Xã An Hòa") == "demo-dieuphoi"
    assert await ask_tester(admin, "employment", "mh-gia-loc") == "demo-vieclam"

    newer = await send_request(admin_app, "p-new")
    assert await agency_of(admin_app, newer) == "demo-dieuphoi"
    assert await agency_of(admin_app, older) == "demo-vieclam"
    [create] = await audit_rows(admin_app, "rule.create")
    assert create.actor == "admin" and create.after["agency_code"] == "demo-dieuphoi"
    rule_id = create.after["id"]
    async with admin_app.uow() as uow:
        row = await uow.requests.get_row(newer)
        assert row is not None and row.rule_id == rule_id

    # Editing the rule moves the next request again; deactivating it restores the province-wide rule.
    edited = await admin.post_form(
        f"/admin/rules/{rule_id}",
        {"category": "employment", "locality_code": "mh-an-hoa", "agency_code": "demo-ubnd", "active": "1"},
    )
    assert edited.status_code == 303
    assert await ask_tester(admin, "employment", "mh-an-hoa") == "demo-ubnd"
    assert await agency_of(admin_app, await send_request(admin_app, "p-third")) == "demo-ubnd"
    [update] = await audit_rows(admin_app, "rule.update")
    assert (update.before["agency_code"], update.after["agency_code"]) == ("demo-dieuphoi", "demo-ubnd")

    assert (await admin.post_form(f"/admin/rules/{rule_id}/active", {"active": "0"})).status_code == 303
    assert await ask_tester(admin, "employment", "mh-an-hoa") == "demo-vieclam"
    [deactivate] = await audit_rows(admin_app, "rule.deactivate")
    assert deactivate.before["active"] is True and deactivate.after["active"] is False
    async with admin_app.uow() as uow:
        agencies = [r.agency_code for r in (await session_of(uow).execute(select(RequestRow))).scalars()]
    assert sorted(agencies) == ["demo-dieuphoi", "demo-ubnd", "demo-vieclam"]


@pytest.mark.parametrize(
    ("form", "key"),
    [
        ({"locality_code": "mh-an-hoa", "province": "Tỉnh Minh Họa"}, "ar_err_rule_both_places"),
        ({"agency_code": "no-such-agency"}, "ar_err_unknown_agency"),
        ({"agency_code": ""}, "ar_err_unknown_agency"),
        ({"category": "cooking"}, "ar_err_category"),
        ({"locality_code": "mh-nowhere"}, "ar_err_unknown_locality"),
        ({"locality_code": "", "province": "Tỉnh Không Có"}, "ar_err_unknown_province"),
        ({"category": "employment", "locality_code": ""}, "ar_err_rule_duplicate"),
        ({"note": "x" * 501}, "ar_err_too_long"),
    ],
)
async def test_a_bad_rule_is_refused_with_a_reason(
    admin_app: App, admin: WebClient, form: dict[str, str], key: str
) -> None:
    before = await snapshot(admin_app)
    data = {"category": "training", "locality_code": "mh-gia-loc", "province": "", "agency_code": "demo-dieuphoi"}
    response = await admin.post_form("/admin/rules", {**data, "active": "1", "note": "", **form})
    assert response.status_code == 400
    assert shows(response, key), response.text
    assert await snapshot(admin_app) == before


async def test_reactivating_a_rule_that_would_be_shadowed_is_refused(admin_app: App, admin: WebClient) -> None:
    await admin.post_form("/admin/rules/1/active", {"active": "0"})
    await admin.post_form("/admin/rules", {"category": "employment", "agency_code": "demo-dieuphoi", "active": "1"})
    [created] = await audit_rows(admin_app, "rule.create")
    before = await snapshot(admin_app)
    refused = await admin.post_form("/admin/rules/1/active", {"active": "1"})
    assert refused.status_code == 400 and said(refused, "ar_err_rule_duplicate", rule=created.after["id"])
    assert await snapshot(admin_app) == before
    assert (await admin.post_form("/admin/rules/9999/active", {"active": "1"})).status_code == 404
    assert (await admin.http.get("/admin/rules/9999")).status_code == 404


# -- holidays -------------------------------------------------------------------------------------


async def test_holidays_are_added_and_removed(admin_app: App, admin: WebClient) -> None:
    assert (await admin.post_form("/admin/holidays", {"day": "2026-09-02", "name": "Quốc khánh"})).status_code == 303
    assert (await admin.post_form("/admin/holidays", {"day": "1/1/2027", "name": "Tết Dương lịch"})).status_code == 303
    page = await admin.http.get("/admin/holidays")
    assert "02/09/2026" in page.text and "01/01/2027" in page.text
    for form, key in (
        ({"day": "2026-09-02", "name": "Lặp"}, "ar_err_holiday_exists"),
        ({"day": "2026-02-30", "name": "Không có"}, "ar_err_date"),
        ({"day": "hôm nay", "name": "Không có"}, "ar_err_date"),
        ({"day": "2026-12-25", "name": " "}, "ar_err_name_required"),
    ):
        refused = await admin.post_form("/admin/holidays", form)
        assert refused.status_code == 400 and said(refused, key, day="02/09/2026"), form
    assert (await admin.post_form("/admin/holidays/2026-09-02/delete", {})).status_code == 303
    assert (await admin.post_form("/admin/holidays/2026-09-02/delete", {})).status_code == 404
    async with admin_app.uow() as uow:
        assert [h.name for h in await uow.holidays.all()] == ["Tết Dương lịch"]
    [removed] = await audit_rows(admin_app, "holiday.remove")
    assert removed.before == {"day": "2026-09-02", "name": "Quốc khánh"} and removed.after is None
    assert len(await audit_rows(admin_app, "holiday.add")) == 2


# -- users ----------------------------------------------------------------------------------------


async def test_a_created_user_can_log_in_and_is_stopped_when_disabled(admin_app: App, admin: WebClient) -> None:
    created = await admin.post_form(
        "/admin/users",
        {"username": "Lan.Nguyen", "display_name": "Chị Lan", "role": "staff", "agency_code": "demo-ubnd"},
    )
    assert created.status_code == 200 and said(created, "ar_user_created", username="lan.nguyen")
    password = secret(created)
    assert len(password) >= 10
    assert password not in (await admin.http.get("/admin/users")).text

    lan = await signed_in(admin_app, "lan.nguyen", password)
    async with lan:
        assert (await lan.http.get("/staff")).status_code == 200
        async with admin_app.uow() as uow:
            row = await uow.users.by_username("lan.nguyen")
            assert row is not None and row.agency_code == "demo-ubnd"
            user_id = row.id
        disabled = await admin.post_form(f"/admin/users/{user_id}/active", {"active": "0"})
        assert disabled.status_code == 303
        assert (await lan.http.get("/staff")).status_code == 303  # the session ended
        assert (await WebClient(admin_app).log_in("lan.nguyen", password)).status_code == 401

    await admin.post_form(f"/admin/users/{user_id}/active", {"active": "1"})
    [disable] = await audit_rows(admin_app, "user.disable")
    assert disable.before["active"] is True and disable.after["active"] is False
    [enable] = await audit_rows(admin_app, "user.enable")
    assert enable.before["active"] is False and enable.after["active"] is True
    create = (await audit_rows(admin_app, "user.create"))[-1]
    assert create.actor == "admin" and create.after["agency_code"] == "demo-ubnd"
    audit_text = json.dumps([r.after for r in await audit_rows(admin_app, "user.create")])
    assert password not in audit_text


async def test_a_password_reset_ends_sessions_and_only_the_new_password_works(admin_app: App, admin: WebClient) -> None:
    async with admin_app.uow() as uow:
        staff = await uow.users.by_username("vieclam")
        assert staff is not None
    async with await signed_in(admin_app, "vieclam") as session:
        reset = await admin.post_form(f"/admin/users/{staff.id}/password", {})
        assert reset.status_code == 200 and said(reset, "ar_password_reset_once")
        new_password = secret(reset)
        assert (await session.http.get("/staff")).status_code == 303
    async with WebClient(admin_app) as again:
        assert (await again.log_in("vieclam", PASSWORDS["vieclam"])).status_code == 401
        assert (await again.log_in("vieclam", new_password)).status_code == 303
    assert (await admin.http.get(f"/admin/users/{staff.id}")).text.count(new_password) == 0
    assert len(await audit_rows(admin_app, "user.password")) == 1


async def test_role_agency_and_lead_changes_are_audited(admin_app: App, admin: WebClient) -> None:
    async with admin_app.uow() as uow:
        staff = await uow.users.by_username("vieclam")
        me = await uow.users.by_username("admin")
        assert staff is not None and me is not None
    changed = await admin.post_form(
        f"/admin/users/{staff.id}",
        {"display_name": "Anh Tú", "role": "staff", "agency_code": "demo-congan", "is_lead": ""},
    )
    assert changed.status_code == 303
    [update] = await audit_rows(admin_app, "user.update")
    assert update.before["agency_code"] == "demo-vieclam" and update.after["agency_code"] == "demo-congan"
    assert update.before["is_lead"] is True and update.after["is_lead"] is False

    before = await snapshot(admin_app)
    for path, form, key in (
        (f"/admin/users/{me.id}/active", {"active": "0"}, "ar_err_disable_self"),
        (f"/admin/users/{me.id}", {"role": "staff", "agency_code": "demo-ubnd"}, "ar_err_own_role"),
        (f"/admin/users/{staff.id}", {"role": "staff", "agency_code": ""}, "ar_err_staff_needs_agency"),
        (f"/admin/users/{staff.id}", {"role": "root", "agency_code": ""}, "ar_err_role"),
        (f"/admin/users/{staff.id}", {"role": "staff", "agency_code": "nope"}, "ar_err_unknown_agency"),
        ("/admin/users", {"username": "admin", "role": "admin"}, "ar_err_username_taken"),
        ("/admin/users", {"username": "x", "role": "admin"}, "ar_err_username"),
        ("/admin/users", {"username": "<b>hi</b>", "role": "admin"}, "ar_err_username"),
        ("/admin/users", {"username": "tam", "role": "admin", "password": "short"}, "ar_err_password_length"),
    ):
        refused = await admin.post_form(path, form)
        assert refused.status_code == 400, (path, form)
        assert shows(refused, key), (path, key)
    assert await snapshot(admin_app) == before

    typed = await admin.post_form("/admin/users", {"username": "tam", "role": "admin", "password": "a long typed one"})
    assert typed.status_code == 200 and not _SECRET.search(typed.text)
    async with await signed_in(admin_app, "tam", "a long typed one") as tam:
        assert (await tam.http.get("/admin/users")).status_code == 200


# -- API tokens -----------------------------------------------------------------------------------


async def test_a_token_is_shown_once_works_and_stops_when_revoked(admin_app: App, admin: WebClient) -> None:
    created = await admin.post_form("/admin/tokens", {"agency_code": "demo-vieclam", "label": "Hệ thống hồ sơ"})
    assert created.status_code == 200 and said(created, "ar_token_once")
    token = secret(created)
    assert token.startswith("hn_")
    listed = await admin.http.get("/admin/tokens")
    assert token not in listed.text and token[:8] in listed.text

    async with admin_app.uow() as uow:
        [row] = (await session_of(uow).execute(select(ApiTokenRow))).scalars().all()
        stored = json.dumps({c.name: str(getattr(row, c.name)) for c in ApiTokenRow.__table__.columns})
        audit = json.dumps(
            [(r.before, r.after) for r in (await session_of(uow).execute(select(AuditLogRow))).scalars()]
        )
    assert token not in stored and token not in audit
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and row.created_by == "admin"

    headers = {"Authorization": f"Bearer {token}"}
    assert (await admin.http.get("/api/v1/requests", headers=headers)).status_code == 200
    revoked = await admin.post_form(f"/admin/tokens/{row.id}/revoke", {})
    assert revoked.status_code == 303
    assert (await admin.http.get("/api/v1/requests", headers=headers)).status_code == 401
    assert [r.target for r in await audit_rows(admin_app, "token.revoke")] == [f"api_token:{row.id}"]
    assert (await admin.post_form("/admin/tokens/9999/revoke", {})).status_code == 404

    for form, key in (
        ({"agency_code": "nope", "label": ""}, "ar_err_unknown_agency"),
        ({"agency_code": "demo-vieclam", "label": "x" * 150}, "ar_err_token_label"),
    ):
        refused = await admin.post_form("/admin/tokens", form)
        assert refused.status_code == 400 and shows(refused, key)


# -- files ----------------------------------------------------------------------------------------


def upload(name: str, content: bytes, kind: str = "file") -> dict[str, tuple[str, bytes, str]]:
    return {kind: (name, content, "application/octet-stream")}


async def post_files(client: WebClient, path: str, files: dict[str, tuple[str, bytes, str]]) -> httpx.Response:
    return await client.http.post(path, data={"csrf_token": await client.csrf()}, files=files)


async def test_the_faq_round_trips_without_a_change(admin_app: App, admin: WebClient, tmp_path: Path) -> None:
    downloaded = await admin.http.get("/admin/data/faq.yaml")
    assert downloaded.status_code == 200 and "attachment" in downloaded.headers["content-disposition"]
    await cmd_kb_export(admin_app, argparse.Namespace(out=str(tmp_path / "cli.yaml")))
    assert downloaded.content == (tmp_path / "cli.yaml").read_bytes()

    before = await snapshot(admin_app)
    preview = await post_files(admin, "/admin/data/faq", upload("faq.yaml", downloaded.content))
    assert preview.status_code == 200
    entries = sum(len(group["entries"]) for group in yaml.safe_load(downloaded.text).values())
    assert said(preview, "ar_faq_no_changes", entries=entries) and 'name="digest"' not in preview.text
    assert await snapshot(admin_app) == before

    data = yaml.safe_load(downloaded.text)
    first = next(iter(data.values()))["entries"][0]
    first["title"] = "Tiêu đề đã sửa"
    first["review_by"] = "2027-01-15"
    changed = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()
    preview = await post_files(admin, "/admin/data/faq", upload("faq.yaml", changed))
    assert said(preview, "ar_faq_preview", entries=entries, created=0, updated=1)
    assert (await snapshot(admin_app))["faq"] == before["faq"]  # a preview changes nothing
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', preview.text)
    assert digest
    done = await admin.post_form("/admin/data/faq/confirm", {"digest": digest.group(1)})
    assert done.status_code == 200 and said(done, "ar_faq_done", created=0, updated=1)
    async with admin_app.uow() as uow:
        uploaded = {e.slug: e for e in await uow.faq.all()}[first["slug"]]
    assert (uploaded.title, uploaded.review_by) == ("Tiêu đề đã sửa", "2027-01-15")
    [imported] = [r for r in await audit_rows(admin_app, "kb.import") if r.actor == "admin"]
    assert imported.after == {"created": 0, "updated": 1}
    tampered = await admin.post_form("/admin/data/faq/confirm", {"digest": "ü" * 64})
    assert tampered.status_code == 400 and said(tampered, "ar_err_upload_expired")
    # The preview is used once.
    again = await admin.post_form("/admin/data/faq/confirm", {"digest": digest.group(1)})
    assert again.status_code == 400 and said(again, "ar_err_upload_expired")


@pytest.mark.parametrize(
    ("content", "key", "status"),
    [
        ("câu hỏi".encode("utf-16"), "ar_err_not_utf8", 400),
        (b"\xff\xfe\x00bad", "ar_err_not_utf8", 400),
        (b"entries: [unclosed", "ar_err_yaml", 400),
        (b"a: &x [1]\nb: *x\n", "ar_err_yaml", 400),
        (b"entries:\n  - slug: ''\n    title: x\n    answer: y\n", "ar_err_faq_invalid", 400),
        (b"entries:\n  - slug: ok\n    title: x\n    answer: y\n    phrasings: 5\n", "ar_err_faq_invalid", 400),
        (b"just text", "ar_err_faq_invalid", 400),
        (b"entries: []\n", "ar_err_faq_empty", 400),
        (b'entries:\n  - slug: ok\n    title: x\n    answer: "a\\0b"\n', "ar_err_not_text", 400),
        (b"x" * (2 * 1024 * 1024 + 1), "ar_err_upload_too_big", 413),
        (b"", "ar_err_no_file", 400),
    ],
)
async def test_a_bad_faq_file_is_refused(
    admin_app: App, admin: WebClient, content: bytes, key: str, status: int
) -> None:
    before = await snapshot(admin_app)
    response = await post_files(admin, "/admin/data/faq", upload("faq.yaml" if content else "", content))
    assert response.status_code == status
    assert shows(response, key), response.text
    assert await snapshot(admin_app) == before


async def csv_files(client: WebClient) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for kind in ("agencies", "localities", "rules"):
        response = await client.http.get(f"/admin/data/{kind}.csv")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        found[kind] = response.content
    return found


async def test_the_reference_csv_round_trips_without_a_change(admin_app: App, admin: WebClient, tmp_path: Path) -> None:
    files = await csv_files(admin)
    await cmd_data_export(admin_app, argparse.Namespace(format="csv", out=str(tmp_path)))
    for kind, content in files.items():
        assert content == (tmp_path / f"{kind}.csv").read_bytes(), kind

    before = await snapshot(admin_app)
    as_uploads = {k: (f"{k}.csv", v, "text/csv") for k, v in files.items()}
    preview = await post_files(admin, "/admin/data/reference", as_uploads)
    assert preview.status_code == 200 and said(preview, "ar_reference_no_changes"), preview.text
    assert await snapshot(admin_app) == before

    # One rule to another agency, one new commune: exactly that changes, and rule ids are kept.
    rules = list(csv.DictReader(io.StringIO(files["rules"].decode())))
    rules[0]["agency_code"] = "demo-dieuphoi"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rules[0]))
    writer.writeheader()
    writer.writerows(rules)
    localities = files["localities"] + "mh-moi,Xã Mới,Tỉnh Minh Họa,Xã Cũ|Xã Xưa\r\n".encode()
    changed = {"rules": ("rules.csv", out.getvalue().encode(), "text/csv"), "localities": ("l.csv", localities, "")}
    preview = await post_files(admin, "/admin/data/reference", changed)
    counts = {"agencies_new": 0, "agencies_changed": 0, "localities_new": 1, "localities_changed": 0}
    counts |= {"rules_new": 0, "rules_changed": 1, "rules_removed": 0}
    assert said(preview, "ar_reference_preview", **counts), preview.text
    assert await snapshot(admin_app) == before
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', preview.text)
    assert digest
    done = await admin.post_form("/admin/data/reference/confirm", {"digest": digest.group(1)})
    assert done.status_code == 200 and said(done, "ar_reference_done", **counts)
    after = await snapshot(admin_app)
    assert [r["id"] for r in after["rules"]] == [r["id"] for r in before["rules"]]
    assert after["rules"][0]["agency_code"] == "demo-dieuphoi"
    assert after["rules"][1:] == before["rules"][1:]
    assert await ask_tester(admin, "employment", "mh-moi") == "demo-dieuphoi"
    [imported] = [r for r in await audit_rows(admin_app, "data.import") if r.actor == "admin"]
    assert imported.before["rules"][0]["agency_code"] == "demo-vieclam"
    assert imported.after["rules"][0]["agency_code"] == "demo-dieuphoi"
    assert imported.after["localities"]["mh-moi"]["aliases"] == ["Xã Cũ", "Xã Xưa"]
    # Downloaded again and uploaded: nothing to do.
    preview = await post_files(
        admin, "/admin/data/reference", {k: (f"{k}.csv", v, "text/csv") for k, v in (await csv_files(admin)).items()}
    )
    assert said(preview, "ar_reference_no_changes")


@pytest.mark.parametrize(
    ("kind", "content", "key"),
    [
        ("rules", "category,agency_code\nemployment,nope\n", "ar_err_csv_unknown_agency"),
        (
            "rules",
            "category,locality_code,province,agency_code\n,mh-an-hoa,Tỉnh Minh Họa,demo-ubnd\n",
            "ar_err_csv_both_places",
        ),
        ("rules", "category,agency_code\ncooking,demo-ubnd\n", "ar_err_csv_category"),
        ("rules", "category,locality_code,agency_code\n,mh-nowhere,demo-ubnd\n", "ar_err_csv_unknown_locality"),
        ("agencies", "code,name,first_response_hours\nx-1,Cơ quan,-5\n", "ar_err_csv_hours"),
        ("agencies", "code,name\nx-1,Cơ quan\nx-1,Cơ quan lặp\n", "ar_err_csv_duplicate"),
        ("agencies", "code,name\nx-1,\n", "ar_err_csv_name"),
        ("agencies", "code,nom\nx-1,Cơ quan\n", "ar_err_csv_columns"),
        ("agencies", "code,name\nx-1,Cơ quan,extra\n", "ar_err_csv_cells"),
        ("localities", "code,name,province\nmh-x,Xã X,\n", "ar_err_csv_province"),
        ("localities", "code,name,province\nmh-x,Xã \x01X,Tỉnh\n", "ar_err_csv_text"),
    ],
)
async def test_a_bad_csv_is_refused_with_its_row_and_nothing_is_applied(
    admin_app: App, admin: WebClient, kind: str, content: str, key: str
) -> None:
    before = await snapshot(admin_app)
    # A good file alongside a bad one: neither is applied.
    good = "code,name,kind\nx-good,Cơ quan tốt,other\n" if kind != "agencies" else None
    files = {kind: (f"{kind}.csv", content.encode(), "text/csv")}
    if good:
        files["agencies"] = ("agencies.csv", good.encode(), "text/csv")
    response = await post_files(admin, "/admin/data/reference", files)
    assert response.status_code == 400, response.text
    assert 'class="alert"' in response.text and f"{kind}.csv" in response.text and shows(response, key), key
    assert await snapshot(admin_app) == before


async def test_non_utf8_csv_and_an_empty_upload_are_refused(admin: WebClient) -> None:
    latin = "code,name\nx-1,Cơ quan\n".encode("utf-16")
    response = await post_files(admin, "/admin/data/reference", upload("agencies.csv", latin, "agencies"))
    assert response.status_code == 400 and said(response, "ar_err_not_utf8")
    empty = await post_files(admin, "/admin/data/reference", upload("", b"", "agencies"))
    assert empty.status_code == 400 and said(empty, "ar_err_no_file")
    assert (await admin.http.get("/admin/data/users.csv")).status_code == 404


# -- the audit log --------------------------------------------------------------------------------


async def test_the_audit_log_filters_pages_and_escapes(admin_app: App, admin: WebClient) -> None:
    async with await signed_in(admin_app, "boss") as boss:
        await boss.post_form("/admin/holidays", {"day": "2026-09-02", "name": "<b>Quốc khánh</b>"})
    for number in range(1, 61):
        day = date(2027, 1, 1) + timedelta(days=number)
        added = await admin.post_form("/admin/holidays", {"day": day.isoformat(), "name": f"Ngày {number}"})
        assert added.status_code == 303
    page = await admin.http.get("/admin/audit")
    assert page.status_code == 200 and said(page, "ar_page", page=1)
    assert "page=2" in page.text and "&lt;b&gt;Quốc khánh&lt;/b&gt;" not in page.text  # newest first: not on page 1

    by_boss = await admin.http.get("/admin/audit", params={"actor": "BOS"})
    assert "&lt;b&gt;Quốc khánh&lt;/b&gt;" in by_boss.text and "<b>Quốc" not in by_boss.text
    assert "Ngày 5" not in by_boss.text
    creates = await admin.http.get("/admin/audit", params={"action": "user.create"})
    assert creates.text.count("<code>user.create</code>") == 3 and "holiday.add</code>" not in creates.text
    second = await admin.http.get("/admin/audit", params={"page": "2"})
    assert second.status_code == 200 and said(second, "ar_page", page=2)
    for params in ({"page": "abc"}, {"page": "-1"}, {"page": "9" * 30}, {"actor": "%_'\""}):
        assert (await admin.http.get("/admin/audit", params=params)).status_code == 200


def test_the_page_texts_exist_in_both_languages_with_the_same_placeholders() -> None:
    locales = Path(__file__).parent.parent.parent / "bot" / "web" / "locales"
    vi = yaml.safe_load((locales / "admin_ref.vi.yaml").read_text(encoding="utf-8"))
    en = yaml.safe_load((locales / "admin_ref.en.yaml").read_text(encoding="utf-8"))
    assert set(vi) == set(en) and all(key.startswith("ar_") for key in vi)
    placeholder = re.compile(r"\{(\w+)\}")
    for key, text in vi.items():
        assert sorted(placeholder.findall(text)) == sorted(placeholder.findall(en[key])), key
    # Every key the templates and the service layer name (generated ones included) is defined.
    sources = [*(locales.parent / "templates" / "admin").glob("ref_*.html")]
    # The services and pages of the reference-data nouns, and what their admin pages share.
    nouns = ("accounts", "agencies", "localities", "routing", "holidays", "audit", "reference")
    sources += [path for noun in nouns for path in (locales.parent.parent / noun).rglob("*.py")]
    sources += [locales.parent / "admin.py"]
    used = {k for path in sources for k in re.findall(r"\bar_[a-z0-9_]*[a-z0-9]\b", path.read_text(encoding="utf-8"))}
    used |= {f"ar_role_{r}" for r in ("staff", "admin")} | {f"ar_scope_{s}" for s in ("locality", "province", "any")}
    # "ar_role_" ~ role and "ar_scope_" ~ scope leave their stems behind.
    assert used - set(vi) - {"ar_role", "ar_scope"} == set()
