"""The agencies' admin pages: created and edited with an audit trail, bad values refused with a reason,
names shown as text, and the one-time code that links an agency's Telegram group."""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import select

from bot.app import App
from bot.messaging.agency_desk import hash_link_code
from bot.storage.models import LinkCodeRow
from tests.admin_pages import (
    audit_rows,
    said,
    secret,
    shows,
    snapshot,
)
from tests.storage.sessions import session_of
from tests.web_client import WebClient

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
