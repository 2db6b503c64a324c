"""Defects 3 and 5 of issue 13, as a visitor would find them."""

from __future__ import annotations

from bot.app import App
from bot.web.security import SESSION_COOKIE
from tests.accounts.test_web_auth import PASSWORD, _user
from tests.web_client import WebClient


async def test_after_logout_the_old_cookie_opens_nothing(demo_app: App) -> None:
    await _user(demo_app)
    async with WebClient(demo_app) as web:
        await web.log_in("vieclam", PASSWORD)
        stolen = web.http.cookies[SESSION_COOKIE]
        assert (await web.post_form("/logout", {})).status_code == 303
    async with WebClient(demo_app) as thief:
        thief.http.cookies.set(SESSION_COOKIE, stolen)
        assert (await thief.http.get("/staff")).status_code == 303


async def test_wrong_passwords_from_elsewhere_do_not_lock_the_real_user_out(demo_app: App) -> None:
    await _user(demo_app)
    async with WebClient(demo_app, address="203.0.113.9") as attacker:
        for _ in range(8):
            assert (await attacker.log_in("vieclam", "wrong password")).status_code in (401, 429)
        assert (await attacker.log_in("vieclam", PASSWORD)).status_code == 429
    async with WebClient(demo_app, address="198.51.100.20") as real_user:
        assert (await real_user.log_in("vieclam", PASSWORD)).status_code == 303
