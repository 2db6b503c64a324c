"""Who reaches the account pages and the second step of the login, from their routers' route table:
a route added without a rule here fails the first test."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from bot.accounts.views import account, login
from bot.app import App
from tests.admin_pages import signed_in
from tests.web_client import WebClient

SAMPLES = {"session_id": "999999", "locale": "en"}
# (method, path) -> who may use it: "signed in" (staff and admins, anyone else to the login) or "anyone".
RULES = {
    ("GET", "/account"): "signed in",
    ("POST", "/account/sessions/{session_id}/end"): "signed in",
    ("POST", "/account/sessions/end-others"): "signed in",
    ("POST", "/account/password"): "signed in",
    ("POST", "/account/2fa/start"): "signed in",
    ("POST", "/account/2fa/confirm"): "signed in",
    ("POST", "/account/2fa/off"): "signed in",
    ("GET", "/login"): "anyone",
    ("POST", "/login"): "anyone",
    ("GET", "/login/code"): "anyone",
    ("POST", "/login/code"): "anyone",
    ("POST", "/logout"): "anyone",
    ("GET", "/lang/{locale}"): "anyone",
}


def _routes() -> list[tuple[str, str]]:
    found = []
    for route in (r for router in (account.router, login.router) for r in router.routes):
        assert isinstance(route, APIRoute)
        found += [(method, route.path) for method in sorted(route.methods or ())]
    return found


def _path(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLES[m.group(1)], template)


def test_every_route_has_a_rule() -> None:
    assert sorted(_routes()) == sorted(RULES)


async def test_anonymous_visitors_are_sent_to_the_login(admin_app: App) -> None:
    async with WebClient(admin_app) as anonymous:
        for method, template in (key for key, rule in RULES.items() if rule == "signed in"):
            if method == "GET":
                response = await anonymous.http.get(_path(template))
            else:
                response = await anonymous.post_form(_path(template), {"code": "123456"})
            assert response.status_code == 303, (method, template)
            assert response.headers["location"].startswith("/login?next="), (method, template)


async def test_every_post_needs_the_csrf_token(admin_app: App) -> None:
    for username in ("vieclam", "admin"):
        async with await signed_in(admin_app, username) as web:
            for method, template in _routes():
                if method == "POST":
                    response = await web.post_form(_path(template), {"code": "123456"}, csrf=False)
                    assert response.status_code == 403, (username, template)
            async with admin_app.uow() as uow:
                row = await uow.users.by_username(username)
                assert row is not None and row.totp_pending is None
            assert (await web.http.get("/account")).status_code == 200  # and still signed in


async def test_staff_and_admins_each_reach_their_own_account(admin_app: App) -> None:
    for username in ("vieclam", "admin"):
        async with await signed_in(admin_app, username) as web:
            page = await web.http.get("/account")
            assert page.status_code == 200 and f"({username})" in page.text
