"""The routing rules' admin pages and their tester: the tester agrees with routing, and a rule change
routes the next request at once while older ones stay where they are."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.models import RequestRow
from handlers.routing import route
from knowledge_base.faq import REQUEST_CATEGORIES
from tests.admin_pages import (
    ask_tester,
    audit_rows,
    said,
    shows,
    snapshot,
)
from tests.harness import Person
from tests.storage.sessions import session_of
from tests.web_client import WebClient


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
    assert 'data-agency="demo-congan-binhminh"' in page.text


async def test_the_tester_says_its_result_in_words(admin_app: App, admin: WebClient) -> None:
    async with admin_app.uow() as uow:
        localities = {row.code: row for row in await uow.localities.all()}
        rules = await uow.rules.active_rules()
        agencies = {row.code: row.name for row in await uow.agencies.all_rows()}
    seen = set()
    for category in REQUEST_CATEGORIES:
        for code, locality in localities.items():
            decision = route(category, locality, rules)
            assert decision is not None
            if decision.scope in seen:
                continue
            seen.add(decision.scope)
            page = await admin.http.get("/admin/rules", params={"category": category, "commune": code})
            words = admin_app.texts.get("vi", f"category_{category}")
            assert said(
                page, "ar_tester_verdict", category=words, commune=locality.name, agency=agencies[decision.agency_code]
            ), (category, code)
            verdict = page.text.split('class="ref-verdict-because">')[1].split("</p>", maxsplit=1)[0]
            assert f"quy tắc số {decision.rule_id}" in verdict, verdict
            assert "rule #" not in page.text and " x *" not in page.text
    assert seen >= {"locality", "any"}
    english = await admin.http.get("/lang/en")
    assert english.status_code == 303
    page = await admin.http.get("/admin/rules", params={"category": "papers", "commune": "phuong binh minh thuong"})
    assert "goes to" in page.text and "Because rule" in page.text


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
