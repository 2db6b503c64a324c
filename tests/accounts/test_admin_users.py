"""The users' admin pages: a created user logs in until disabled, a password reset ends sessions, and
role, agency and lead changes are checked and audited."""

from __future__ import annotations

import json

from bot.app import App
from tests.admin_pages import (
    PASSWORDS,
    SECRET,
    audit_rows,
    said,
    secret,
    shows,
    signed_in,
    snapshot,
)
from tests.web_client import WebClient


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
    assert typed.status_code == 200 and not SECRET.search(typed.text)
    async with await signed_in(admin_app, "tam", "a long typed one") as tam:
        assert (await tam.http.get("/admin/users")).status_code == 200
