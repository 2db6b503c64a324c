"""Numbers in URLs and forms that no database column holds answer 400 or 422, never 500.

The routes are read from the application's route table: a new route with a number in its path,
its query or its form is swept here without anyone listing it.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute

from bot.app import App
from bot.web.app import ROUTERS
from tests.requests.test_api import api, bearer, new_token
from tests.web_client import WebClient

# Past every column (refused), and at the edges of 32-bit columns and of zero (never a 5xx).
HUGE = [10**30, 2**63]
EDGES = [2**31, -(10**30), -1]
REFUSED = {400, 404, 422}


def _routes() -> Iterator[APIRoute]:
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                yield route


def _int_params(route: APIRoute) -> list[tuple[str, str]]:
    """(where, name) of each int parameter: "path", "query" or "form"."""
    found = []
    dependant = route.dependant
    for where, params in (("path", dependant.path_params), ("query", dependant.query_params)):
        found += [(where, p.name) for p in params if p.field_info.annotation is int]
    found += [("form", p.name) for p in dependant.body_params if p.field_info.annotation is int]
    return found


CASES = [
    (method, route.path, where, name)
    for route in _routes()
    for method in sorted(route.methods or ())
    for where, name in _int_params(route)
]


def test_the_sweep_finds_the_routes_with_numbers() -> None:
    paths = {path for _m, path, _w, _n in CASES}
    assert {"/chat/messages", "/chat/send", "/admin/rules/{rule_id}", "/admin/users/{user_id}"} <= paths


async def _call(web: WebClient, method: str, path: str, where: str, name: str, value: int) -> int:
    url = re.sub(r"\{(\w+)\}", lambda m: str(value) if m.group(1) == name else "x", path)
    headers = {"Accept": "text/html"}
    if method == "GET":
        params = {name: str(value)} if where == "query" else {}
        return (await web.http.get(url, params=params, headers=headers)).status_code
    data = {name: str(value)} if where in ("form", "query") else {}
    return (await web.post_form(url, data, headers=headers)).status_code


@pytest.mark.parametrize(("method", "path", "where", "name"), CASES)
async def test_numbers_out_of_range_are_bad_requests(
    admin: WebClient, method: str, path: str, where: str, name: str
) -> None:
    for value in HUGE:
        status = await _call(admin, method, path, where, name, value)
        assert status in REFUSED, (method, path, value, status)
    for value in EDGES:
        status = await _call(admin, method, path, where, name, value)
        assert status < 500, (method, path, value, status)


async def test_the_web_chat_polls_with_a_huge_after(demo_app: App) -> None:
    """The defect: `after=10**30` on the web chat's endpoints was a 500 (the driver's overflow)."""
    async with WebClient(demo_app) as web:
        token = await web.csrf()
        await web.http.post("/chat/send", data={"csrf_token": token, "start": "1", "nonce": "a"})
        polled = await web.http.get("/chat/messages", params={"after": str(10**30)})
        assert polled.status_code == 422
        sent = await web.http.post(
            "/chat/send",
            data={"csrf_token": token, "text": "xin chào", "after": str(10**30)},
            headers={"Accept": "application/json"},
        )
        assert sent.status_code == 422
        assert (await web.http.get("/chat/messages", params={"after": "-5"})).status_code == 200


async def test_a_bad_number_on_a_page_is_a_page_not_json(admin: WebClient) -> None:
    page = await admin.http.get("/admin/rules/" + str(10**30), headers={"Accept": "text/html"})
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert "Địa chỉ hoặc biểu mẫu có giá trị không hợp lệ" in page.text


@pytest.mark.parametrize("page", [str(10**30), "-3", "abc", "0"])
async def test_the_queue_page_number(admin: WebClient, page: str) -> None:
    assert (await admin.http.get("/staff", params={"page": page})).status_code == 200


@pytest.mark.parametrize("version", [str(10**30), "99999"])
async def test_a_faq_version_out_of_range(admin: WebClient, version: str) -> None:
    async with admin.app.uow() as uow:
        slug = (await uow.faq.entry_rows())[0].slug
    assert (await admin.http.get(f"/admin/faq/{slug}", params={"v": version})).status_code == 200
    restored = await admin.post_form(f"/admin/faq/{slug}/restore/{version}", {})
    assert restored.status_code in REFUSED


async def test_an_api_cursor_past_every_row(demo_app: App) -> None:
    token = await new_token(demo_app)
    cursor = base64.urlsafe_b64encode(json.dumps({"after": 10**30}).encode()).decode().rstrip("=")
    async with api(demo_app) as client:
        response = await client.get("/requests", headers=bearer(token), params={"cursor": cursor})
    assert response.status_code == 422
