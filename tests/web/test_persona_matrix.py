"""Who reaches which page, for every route of the web app's route table and five people: someone not
signed in, a staff member, their agency's lead, a staff member of another agency, and an admin.

The table below names each route's rule; a route added without one fails the first test, and each
rule is then tried as every persona: GET as a browser would, and POST (with a valid CSRF token and an
empty form) as each persona the rule refuses, so that no action is carried out here."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute

from bot.accounts.service import create_user
from bot.accounts.token_admin import create_api_token
from bot.app import App
from bot.listings.service import create_listing
from bot.web.app import ROUTERS
from tests.admin_pages import PASSWORDS
from tests.harness import CollectingTransport, Person
from tests.listings.helpers import TODAY, typed
from tests.web_client import WebClient

PERSONAS = ("anonymous", "staff", "lead", "other agency", "admin")
STAFF_PASSWORD = "staff password 2"
ACCOUNTS = {"staff": "nv-vieclam", "lead": "vieclam", "other agency": "nv-congan", "admin": "admin"}

# What each rule lets each persona do: "ok" (the page or the action: any answer but the ones below),
# "login" (303 to the login page), "forbidden" (403), "hidden" (404: not theirs to know it exists).
EVERYONE = dict.fromkeys(PERSONAS, "ok")
SIGNED_IN = {**EVERYONE, "anonymous": "login"}
# Staff are not told the admin console exists.
ADMIN = {"anonymous": "login", "staff": "hidden", "lead": "hidden", "other agency": "hidden", "admin": "ok"}
OWN_REQUEST = {**SIGNED_IN, "other agency": "hidden"}
# The second step of a login, with no first step behind it: back to the first, whoever asks.
SECOND_STEP = dict.fromkeys(PERSONAS, "login")
RULE_SETS = {
    "anyone": EVERYONE,
    "signed in": SIGNED_IN,
    "admin": ADMIN,
    "own request": OWN_REQUEST,
    "second step": SECOND_STEP,
}

_ACCOUNT = {
    ("GET", "/login"): "anyone",
    ("POST", "/login"): "anyone",
    ("GET", "/login/code"): "second step",
    ("POST", "/login/code"): "anyone",
    ("POST", "/logout"): "anyone",
    ("GET", "/lang/{locale}"): "anyone",
    ("GET", "/account"): "signed in",
    ("POST", "/account/password"): "signed in",
    ("POST", "/account/sessions/{session_id}/end"): "signed in",
    ("POST", "/account/sessions/end-others"): "signed in",
    ("POST", "/account/2fa/start"): "signed in",
    ("POST", "/account/2fa/confirm"): "signed in",
    ("POST", "/account/2fa/off"): "signed in",
}
_PERSON = {
    (method, path): "anyone"
    for method, path in (
        ("GET", "/"),
        ("GET", "/chat/messages"),
        ("GET", "/chat/older"),
        ("POST", "/chat/send"),
        ("POST", "/chat/remember"),
        ("POST", "/chat/forget"),
        ("POST", "/chat/lang"),
    )
}
_STAFF = {
    ("GET", "/staff"): "signed in",
    ("POST", "/staff/notifications/read"): "signed in",
    ("GET", "/staff/export.csv"): "signed in",
    ("GET", "/staff/export.xlsx"): "signed in",
    # Each account's own saved filters; a bulk action checks every picked request on its own.
    ("POST", "/staff/filters"): "signed in",
    ("POST", "/staff/filters/{filter_id}/delete"): "signed in",
    ("POST", "/staff/bulk"): "signed in",
    **{
        (method, f"/staff/requests/{{code}}{tail}"): "own request"
        for method, tail in (
            ("GET", ""),
            ("POST", "/reply"),
            ("POST", "/note"),
            ("POST", "/claim"),
            ("POST", "/assign"),
            ("POST", "/status"),
            ("POST", "/transfer"),
            ("POST", "/outcome"),
        )
    },
}
# Listings: any staff member reaches the pages; a listing itself is its agency's (and admins').
_LISTINGS = {
    ("GET", "/staff/listings"): "signed in",
    ("GET", "/staff/listings/new"): "signed in",
    ("POST", "/staff/listings/new"): "signed in",
    ("GET", "/staff/listings/import"): "signed in",
    ("POST", "/staff/listings/import"): "signed in",
    ("POST", "/staff/listings/import/confirm"): "signed in",
    ("GET", "/staff/listings/import/confirm"): "signed in",
    **{
        (method, f"/staff/listings/{{listing_id}}{tail}"): "own request"
        for method, tail in (
            ("GET", ""),
            ("POST", ""),
            ("POST", "/publish"),
            ("POST", "/close"),
        )
    },
    # Employers without an account: the form and its sending.
    ("GET", "/listings/propose"): "anyone",
    ("POST", "/listings/propose"): "anyone",
}
# Every /admin route is for admins alone.
_OPS = {("GET", "/metrics"): "anyone"}  # by address or token, not by account (tests/ops): loopback here
RULES = {**_ACCOUNT, **_PERSON, **_STAFF, **_LISTINGS, **_OPS}


def rule_of(method: str, path: str) -> str | None:
    if path.startswith("/admin"):
        return "admin"
    return RULES.get((method, path))


def routes() -> Iterator[tuple[str, str]]:
    for router in ROUTERS:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, route.path


def test_every_route_has_a_rule() -> None:
    missing = [key for key in routes() if rule_of(*key) is None]
    assert not missing, f"routes with no rule in the persona matrix: {missing}"
    stale = [key for key in RULES if key not in set(routes())]
    assert not stale, f"rules for routes that are gone: {stale}"


@pytest.fixture
async def people(admin_app: App) -> dict[str, str]:
    """The staff accounts beside admin_app's, a request of demo-vieclam, and sample path values."""
    now = admin_app.clock()
    async with admin_app.uow() as uow:
        await create_user(uow, "nv-vieclam", STAFF_PASSWORD, "staff", now, actor="test", agency_code="demo-vieclam")
        await create_user(uow, "nv-congan", STAFF_PASSWORD, "staff", now, actor="test", agency_code="demo-congan")
        await create_api_token(uow, "demo-vieclam", "matrix", "test", now)
        await uow.commit()
    person = Person(admin_app, "matrix-person", CollectingTransport())
    await person.start()
    for step in ("menu:request", "form:cat:employment"):
        await person.presses_raw(step)
    await person.says("Tôi cần tìm việc làm gần nhà")
    await person.presses_raw("form:loc:mh-an-hoa")
    await person.says("0912345678")
    for step in ("form:skip", "form:time:any", "form:yes", "form:confirm"):
        await person.presses_raw(step)
    code = person.text.split("Mã của bạn: ")[1].split()[0]
    async with admin_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.agency_code == "demo-vieclam", "the sample request goes to demo-vieclam"
        listing = await create_listing(uow, typed(), agency_code="demo-vieclam", actor="test", now=now, today=TODAY)
        await uow.commit()
    return {"code": code, "listing_id": str(listing.id)}


SAMPLES = {
    "locale": "en",
    "session_id": "1",
    "chart": "requests",
    "approval_id": "1",
    "slug": "",
    "version": "1",
    "rule_id": "1",
    "user_id": "1",
    "token_id": "1",
    "day": "2026-09-02",
    "kind": "agencies",
    "filter_id": "1",
    "reply_id": "1",
}


# Path values the demo data has no row for: a 404 there is the row's absence, not a refusal.
ABSENT = ("approval_id", "session_id", "version", "reply_id")


# {code} is a request's on staff pages, an agency's or a locality's on theirs.
CODES = {"/admin/agencies/": "demo-vieclam", "/admin/localities/": "mh-an-hoa"}


def _path(template: str, values: dict[str, str]) -> str:
    code = next((c for prefix, c in CODES.items() if template.startswith(prefix)), values["code"])
    return re.sub(r"\{(\w+)\}", lambda m: code if m.group(1) == "code" else values[m.group(1)], template)


async def _client(app: App, persona: str) -> WebClient:
    client = WebClient(app)
    if persona != "anonymous":
        account = ACCOUNTS[persona]
        password = PASSWORDS.get(account, STAFF_PASSWORD)
        response = await client.log_in(account, password)
        assert response.status_code == 303, (persona, response.text[:200])
    return client


def outcome(status: int, location: str) -> str:
    if status == 303 and location.startswith("/login"):
        return "login"
    return {403: "forbidden", 404: "hidden"}.get(status, "ok")


async def test_each_persona_gets_what_its_rule_says(admin_app: App, people: dict[str, str]) -> None:
    async with admin_app.uow() as uow:
        slug = (await uow.faq.all())[0].slug
    values = {**SAMPLES, "slug": slug, **people}
    wrong: list[tuple[str, str, str, str]] = []
    readers = {persona: await _client(admin_app, persona) for persona in PERSONAS}
    try:
        for method, template in routes():
            expected = RULE_SETS[rule_of(method, template) or "admin"]
            path = _path(template, values)
            for persona in PERSONAS:
                if method == "GET":
                    response = await readers[persona].http.get(path)
                elif expected[persona] == "ok":
                    continue  # an action this persona may take: its effects are its noun's tests' business
                else:
                    response = await readers[persona].post_form(path, {})
                got = outcome(response.status_code, response.headers.get("location", ""))
                # A sample that may be missing for everyone (no approval waits, say) is a 404 to whoever may look.
                missing = got == "hidden" and expected[persona] == "ok" and any(f"{{{k}}}" in template for k in ABSENT)
                if got != expected[persona] and not missing:
                    wrong.append(
                        (method, template, persona, f"{got} ({response.status_code}), not {expected[persona]}")
                    )
    finally:
        for reader in readers.values():
            await reader.http.aclose()
    assert not wrong, "\n".join(" ".join(item) for item in wrong)
