"""The second factor: enrolling from the account page, the code after the password, recovery codes
used once, admins made to enrol when it is required, and the command that resets it."""

from __future__ import annotations

import argparse
import json

import pytest
from sqlalchemy import select

from bot.accounts.cli import cmd_users_reset_2fa
from bot.app import App
from bot.storage.models import RecoveryCodeRow, UserRow
from tests.accounts.logins import code_now, enrol, with_settings
from tests.admin_pages import PASSWORDS, audit_rows, said, signed_in
from tests.harness import FakeClock
from tests.storage.sessions import session_of
from tests.web_client import WebClient


async def _user(app: App, username: str) -> UserRow:
    async with app.uow() as uow:
        row = await uow.users.by_username(username)
        assert row is not None
        return row


async def test_enrol_then_every_login_asks_for_the_code(admin_app: App, clock: FakeClock) -> None:
    async with await signed_in(admin_app, "vieclam") as web:
        secret, _codes = await enrol(web, clock)
        page = await web.http.get("/account")
        assert said(page, "account_2fa_on") and said(page, "account_2fa_codes_left", count=10)
    stored = await _user(admin_app, "vieclam")
    assert stored.totp_secret == secret and stored.totp_pending is None
    async with admin_app.uow() as uow:
        hashes = [r.code_hash for r in (await session_of(uow).execute(select(RecoveryCodeRow))).scalars()]
    assert len(hashes) == 10 and all(len(h) == 64 for h in hashes)
    assert [r.target for r in await audit_rows(admin_app, "user.2fa_on")] == ["vieclam"]
    clock.advance(seconds=60)
    async with WebClient(admin_app) as web:
        password = await web.log_in("vieclam", PASSWORDS["vieclam"])
        assert password.status_code == 303 and password.headers["location"] == "/login/code"
        assert "hn_session" not in web.http.cookies
        assert (await web.http.get("/staff")).status_code == 303  # not signed in yet
        assert (await web.post_form("/login/code", {"code": "000000"})).status_code == 401
        done = await web.post_form("/login/code", {"code": code_now(secret, clock)})
        assert done.status_code == 303 and done.headers["location"] == "/staff"
        assert (await web.http.get("/staff")).status_code == 200


async def test_a_code_opens_one_login_only(admin_app: App, clock: FakeClock) -> None:
    async with await signed_in(admin_app, "vieclam") as web:
        secret, _ = await enrol(web, clock)
    clock.advance(seconds=30)
    code = code_now(secret, clock)
    async with WebClient(admin_app) as first, WebClient(admin_app) as replay:
        await first.log_in("vieclam", PASSWORDS["vieclam"])
        assert (await first.post_form("/login/code", {"code": code})).status_code == 303
        await replay.log_in("vieclam", PASSWORDS["vieclam"])
        assert (await replay.post_form("/login/code", {"code": code})).status_code == 401
        clock.advance(seconds=30)
        assert (await replay.post_form("/login/code", {"code": code_now(secret, clock)})).status_code == 303


async def test_a_recovery_code_works_once(admin_app: App, clock: FakeClock) -> None:
    async with await signed_in(admin_app, "vieclam") as web:
        _, codes = await enrol(web, clock)
    async with WebClient(admin_app) as web:
        await web.log_in("vieclam", PASSWORDS["vieclam"])
        # Typed with capitals and without the dash, as people do.
        typed = codes[3].replace("-", " ").upper()
        assert (await web.post_form("/login/code", {"code": typed})).status_code == 303
        page = await web.http.get("/account")
        assert said(page, "account_2fa_codes_left", count=9)
    async with WebClient(admin_app) as web:
        await web.log_in("vieclam", PASSWORDS["vieclam"])
        assert (await web.post_form("/login/code", {"code": codes[3]})).status_code == 401
        assert (await web.post_form("/login/code", {"code": codes[4]})).status_code == 303
    user_id = (await _user(admin_app, "vieclam")).id
    async with admin_app.uow() as uow:
        assert await uow.recovery_codes.unused(user_id) == 8


async def test_wrong_codes_are_throttled_like_passwords(admin_app: App, clock: FakeClock) -> None:
    async with await signed_in(admin_app, "vieclam") as web:
        secret, _ = await enrol(web, clock)
    async with WebClient(admin_app, address="203.0.113.9") as thief:
        await thief.log_in("vieclam", PASSWORDS["vieclam"])
        answers = [(await thief.post_form("/login/code", {"code": f"{n:06d}"})).status_code for n in range(5)]
        assert answers == [401] * 4 + [429]
        assert (await thief.post_form("/login/code", {"code": code_now(secret, clock)})).status_code == 429
    clock.advance(seconds=30)  # the enrolment's code is used up: the next one
    async with WebClient(admin_app) as owner:
        await owner.log_in("vieclam", PASSWORDS["vieclam"])
        assert (await owner.post_form("/login/code", {"code": code_now(secret, clock)})).status_code == 303


async def test_a_wrong_first_code_leaves_the_second_factor_off(admin_app: App, clock: FakeClock) -> None:
    async with await signed_in(admin_app, "vieclam") as web:
        assert (await web.post_form("/account/2fa/start", {})).status_code == 200
        for bad in ("123456", "", "x" * 64, "\x00"):
            assert (await web.post_form("/account/2fa/confirm", {"code": bad})).status_code == 400
        assert (await web.post_form("/account/2fa/confirm", {"code": "1" * 65})).status_code == 422
    assert (await _user(admin_app, "vieclam")).totp_secret is None
    async with WebClient(admin_app) as web:
        assert (await web.log_in("vieclam", PASSWORDS["vieclam"])).headers["location"] == "/staff"


async def test_enrolling_ends_the_other_sessions(admin_app: App, clock: FakeClock) -> None:
    async with await signed_in(admin_app, "vieclam") as web, await signed_in(admin_app, "vieclam") as other:
        await enrol(web, clock)
        assert (await web.http.get("/staff")).status_code == 200
        assert (await other.http.get("/staff")).status_code == 303


async def test_switching_off_needs_a_current_code(admin_app: App, clock: FakeClock) -> None:
    async with await signed_in(admin_app, "vieclam") as web:
        secret, _ = await enrol(web, clock)
        assert (await web.post_form("/account/2fa/off", {"code": "000000"})).status_code == 400
        assert (await _user(admin_app, "vieclam")).totp_secret == secret
        clock.advance(seconds=30)
        assert (await web.post_form("/account/2fa/off", {"code": code_now(secret, clock)})).status_code == 303
    row = await _user(admin_app, "vieclam")
    assert row.totp_secret is None
    async with admin_app.uow() as uow:
        assert await uow.recovery_codes.unused(row.id) == 0


async def test_the_half_signed_in_cookie_cannot_be_forged(admin_app: App, clock: FakeClock) -> None:
    async with await signed_in(admin_app, "vieclam") as web:
        secret, _ = await enrol(web, clock)
    async with WebClient(admin_app) as web:
        assert (await web.http.get("/login/code")).headers["location"] == "/login"
        web.http.cookies.set("hn_login2", "eyJ1IjozLCJ2IjoxLCJuIjoiL3N0YWZmIn0.AAAA.BBBB")
        refused = await web.post_form("/login/code", {"code": code_now(secret, clock)})
        assert refused.status_code == 303 and refused.headers["location"] == "/login"


async def test_required_2fa_sends_an_admin_to_enrol_first(admin_app: App, clock: FakeClock) -> None:
    with_settings(admin_app, require_2fa=True)
    async with await signed_in(admin_app, "admin") as admin, await signed_in(admin_app, "vieclam") as staff:
        for path in ("/admin", "/admin/users", "/staff"):
            response = await admin.http.get(path)
            assert (response.status_code, response.headers["location"]) == (303, "/account"), path
        refused = await admin.post_form("/admin/holidays", {"day": "2026-09-03", "name": "x"})
        assert refused.headers["location"] == "/account"
        page = await admin.http.get("/account")
        assert page.status_code == 200 and 'action="/account/2fa/start"' in page.text
        assert (await staff.http.get("/staff")).status_code == 200  # staff may choose
        secret, _ = await enrol(admin, clock)
        assert (await admin.http.get("/admin")).status_code == 200
        assert 'action="/account/2fa/off"' not in (await admin.http.get("/account")).text
        clock.advance(seconds=30)
        kept = await admin.post_form("/account/2fa/off", {"code": code_now(secret, clock)})
        assert kept.status_code == 303 and (await _user(admin_app, "admin")).totp_secret == secret


async def test_the_command_resets_a_users_second_factor(
    admin_app: App, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    async with await signed_in(admin_app, "vieclam") as web:
        await enrol(web, clock)
        assert await cmd_users_reset_2fa(admin_app, argparse.Namespace(username="vieclam")) == 0
        printed = json.loads(capsys.readouterr().out)
        assert printed == {"username": "vieclam", "had_2fa": True, "two_factor": False, "sessions_ended": 1}
        assert (await web.http.get("/staff")).status_code == 303
    assert (await _user(admin_app, "vieclam")).totp_secret is None
    assert [r.actor for r in await audit_rows(admin_app, "user.2fa_off")] == ["cli"]
    async with WebClient(admin_app) as web:
        assert (await web.log_in("vieclam", PASSWORDS["vieclam"])).headers["location"] == "/staff"
    assert await cmd_users_reset_2fa(admin_app, argparse.Namespace(username="ghost")) == 1
    assert "no user ghost" in capsys.readouterr().err
