"""Who may reach the admin pages of reference data and accounts: only admins; staff get 404 and
anonymous visitors the login, a POST needs its CSRF token, and an oversized body is refused unread."""

from __future__ import annotations

from bot.app import App
from tests.admin_pages import (
    routes,
    signed_in,
    snapshot,
)
from tests.web_client import WebClient


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
