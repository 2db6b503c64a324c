"""Accounts and access: argon2 hashes, signed sessions, CSRF, throttling, and what needs a login."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.accounts.service import AccountError, create_user, set_password
from bot.app import App
from bot.storage.models import AuditLogRow
from bot.web.security import SESSION_COOKIE
from tests.harness import FakeClock
from tests.storage.sessions import session_of
from tests.web_client import WebClient

PASSWORD = "correct horse battery"


async def _user(app: App, username: str = "vieclam", role: str = "staff", agency: str | None = "demo-vieclam") -> None:
    async with app.uow() as uow:
        await create_user(uow, username, PASSWORD, role, app.clock(), actor="test", agency_code=agency)
        await uow.commit()


async def test_password_is_stored_as_an_argon2_hash(demo_app: App) -> None:
    await _user(demo_app)
    async with demo_app.uow() as uow:
        row = await uow.users.by_username("vieclam")
        assert row is not None
        assert row.password_hash.startswith("$argon2") and PASSWORD not in row.password_hash
        audit = (
            await session_of(uow).execute(select(AuditLogRow).where(AuditLogRow.action == "user.create"))
        ).scalars()
        assert all("$argon2" not in str(a.after) and PASSWORD not in str(a.after) for a in audit)


@pytest.mark.parametrize(
    ("username", "password", "role", "agency", "problem"),
    [
        ("a", PASSWORD, "staff", "demo-vieclam", "username"),
        ("bad name", PASSWORD, "staff", "demo-vieclam", "username"),
        ("ok.name", "short", "staff", "demo-vieclam", "at least"),
        ("ok.name", "x" * 300, "staff", "demo-vieclam", "at most"),
        ("ok.name", PASSWORD, "root", None, "role"),
        ("ok.name", PASSWORD, "staff", None, "agency"),
        ("ok.name", PASSWORD, "staff", "no-such-agency", "no agency"),
    ],
)
async def test_bad_accounts_are_refused(
    demo_app: App, username: str, password: str, role: str, agency: str | None, problem: str
) -> None:
    async with demo_app.uow() as uow:
        with pytest.raises(AccountError, match=problem):
            await create_user(uow, username, password, role, demo_app.clock(), actor="t", agency_code=agency)


async def test_a_taken_username_is_refused_whatever_its_case(demo_app: App) -> None:
    await _user(demo_app)
    async with demo_app.uow() as uow:
        with pytest.raises(AccountError, match="taken"):
            await create_user(
                uow, " VIECLAM ", PASSWORD, "staff", demo_app.clock(), actor="t", agency_code="demo-vieclam"
            )


async def test_login_then_logout(demo_app: App) -> None:
    await _user(demo_app)
    async with WebClient(demo_app) as web:
        assert (await web.http.get("/staff")).status_code in (303, 307)
        response = await web.log_in("vieclam", PASSWORD)
        assert response.status_code == 303
        cookie = response.headers["set-cookie"]
        assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
        assert "Max-Age=" in cookie
        response = await web.post_form("/logout", {})
        assert response.status_code == 303
        assert (await web.http.get("/staff")).status_code == 303


async def test_pages_other_than_login_and_chat_need_a_session(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        assert (await web.http.get("/")).status_code == 200
        assert (await web.http.get("/login")).status_code == 200
        for path in ("/staff", "/admin", "/staff/export.csv"):
            response = await web.http.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next=")


async def test_wrong_password_and_unknown_user_get_the_same_answer(demo_app: App) -> None:
    await _user(demo_app)
    async with WebClient(demo_app) as web:
        wrong = await web.log_in("vieclam", "not the password")
        unknown = await web.log_in("nobody", "not the password")
        assert wrong.status_code == unknown.status_code == 401
        assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")


async def test_five_wrong_passwords_slow_the_next_attempts(demo_app: App, clock: FakeClock) -> None:
    await _user(demo_app)
    async with WebClient(demo_app) as web:
        for _ in range(4):
            assert (await web.log_in("vieclam", "wrong password")).status_code == 401
        fifth = await web.log_in("vieclam", "wrong password")
        assert fifth.status_code == 429 and int(fifth.headers["retry-after"]) == 30
        # Even the right password waits until the time is up.
        blocked = await web.log_in("vieclam", PASSWORD)
        assert blocked.status_code == 429
        clock.advance(seconds=31)
        assert (await web.log_in("vieclam", "wrong again")).status_code == 429  # 6th wrong: 60 s now
        clock.advance(seconds=61)
        assert (await web.log_in("vieclam", PASSWORD)).status_code == 303
        # A success starts the count again.
        assert (await web.log_in("vieclam", "wrong password")).status_code == 401


async def test_a_form_without_the_csrf_token_is_refused(demo_app: App) -> None:
    await _user(demo_app)
    async with WebClient(demo_app) as web:
        await web.http.get("/login")
        response = await web.post_form("/login", {"username": "vieclam", "password": PASSWORD}, csrf=False)
        assert response.status_code == 403
        forged = await web.http.post(
            "/login", data={"username": "vieclam", "password": PASSWORD, "csrf_token": "0" * 64}
        )
        assert forged.status_code == 403
        assert SESSION_COOKIE not in forged.headers.get("set-cookie", "")


async def test_a_tampered_session_is_no_session(demo_app: App) -> None:
    await _user(demo_app)
    async with WebClient(demo_app) as web:
        await web.log_in("vieclam", PASSWORD)
        value = web.http.cookies[SESSION_COOKIE]
        web.http.cookies.set(SESSION_COOKIE, value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
        assert (await web.http.get("/staff")).status_code == 303


async def test_a_new_password_or_disabling_ends_sessions(demo_app: App) -> None:
    await _user(demo_app)
    async with WebClient(demo_app) as web:
        await web.log_in("vieclam", PASSWORD)
        assert (await web.http.get("/staff")).status_code != 303
        async with demo_app.uow() as uow:
            row = await uow.users.by_username("vieclam")
            assert row is not None
            await set_password(uow, row, "another long password", demo_app.clock(), actor="test")
            await uow.commit()
        assert (await web.http.get("/staff")).status_code == 303
        await web.log_in("vieclam", "another long password")
        async with demo_app.uow() as uow:
            row = await uow.users.by_username("vieclam")
            assert row is not None
            row.active = False
            await uow.commit()
        assert (await web.http.get("/staff")).status_code == 303
        assert (await web.log_in("vieclam", "another long password")).status_code == 401


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
async def test_login_never_redirects_off_site(demo_app: App, target: str) -> None:
    await _user(demo_app)
    async with WebClient(demo_app) as web:
        response = await web.post_form("/login", {"username": "vieclam", "password": PASSWORD, "next": target})
        assert response.status_code == 303 and response.headers["location"] == "/staff"


async def test_pages_carry_security_headers(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        response = await web.http.get("/login")
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_language_switch_changes_the_page_texts(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        assert "Đăng nhập" in (await web.http.get("/login")).text
        await web.http.get("/lang/en?next=/login")
        assert "Sign in" in (await web.http.get("/login")).text
        off_site = await web.http.get("/lang/en?next=//evil.example")
        assert off_site.headers["location"] == "/"


async def test_a_huge_form_is_refused_before_it_is_read(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        token = await web.csrf()
        response = await web.http.post("/chat/send", data={"csrf_token": token, "text": "x" * (5 * 1024 * 1024)})
        assert response.status_code == 413
