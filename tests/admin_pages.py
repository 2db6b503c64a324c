"""What the tests of the admin pages of reference data and accounts share: the test accounts' passwords,
reading the pages (texts shown, secrets shown once), signing in, and a snapshot of everything the pages change."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.routing import APIRoute
from markupsafe import escape
from sqlalchemy import func, select

from bot.accounts.service import user_summary
from bot.accounts.views import tokens, users
from bot.agencies import views as agencies
from bot.agencies.service import agency_summary
from bot.app import App
from bot.audit import views as audit
from bot.holidays import views as holidays
from bot.localities import views as localities
from bot.localities.service import locality_summary
from bot.reference import views as reference
from bot.routing import views as routing
from bot.routing.service import rule_summary
from bot.storage.models import AuditLogRow, LinkCodeRow
from bot.web.i18n import web_texts
from tests.storage.sessions import session_of
from tests.web_client import WebClient

# The pages of reference data and accounts, as bot/web/app.py includes them.
REFERENCE_ROUTERS = [m.router for m in (agencies, localities, routing, holidays, users, tokens, reference, audit)]
PASSWORDS = {"admin": "admin password 1", "boss": "second admin pw", "vieclam": "staff password 1"}
SAMPLES = {
    "code": "demo-vieclam",
    "rule_id": "1",
    "user_id": "1",
    "token_id": "1",
    "day": "2026-09-02",
    "kind": "agencies",
}
SECRET = re.compile(r'<code class="ref-secret">([^<]+)</code>')
_VERDICT = re.compile(r'data-agency="([^"]+)"')


def said(response: httpx.Response, key: str, /, **values: Any) -> bool:
    """Whether the page shows this text (in Vietnamese, as the template escapes it)."""
    return str(escape(web_texts().get("vi", key, **values))) in response.text


def shows(page: httpx.Response, key: str) -> bool:
    """Whether the page shows this text, whatever values fill its placeholders."""
    parts = re.split(r"\{\w+\}", web_texts().get("vi", key))
    return re.search(".*?".join(re.escape(str(escape(p))) for p in parts), page.text, re.S) is not None


def secret(page: httpx.Response) -> str:
    found = SECRET.search(page.text)
    assert found, "no secret shown"
    return found.group(1)


def routes() -> list[tuple[str, str]]:
    """Every (method, path) of their routers, with sample values in the path."""
    found: list[tuple[str, str]] = []
    for item in (r for router in REFERENCE_ROUTERS for r in router.routes):
        assert isinstance(item, APIRoute)
        assert item.path.startswith("/admin/")
        path = re.sub(r"\{(\w+)\}", lambda m: SAMPLES[m.group(1)], item.path)
        found += [(method, path) for method in sorted(item.methods or ())]
    return found


async def signed_in(app: App, username: str, password: str | None = None) -> WebClient:
    client = WebClient(app)
    response = await client.log_in(username, password or PASSWORDS[username])
    assert response.status_code == 303, response.text
    return client


async def snapshot(app: App) -> dict[str, Any]:
    """Everything these pages can change."""
    async with app.uow() as uow:
        return {
            "agencies": [agency_summary(r) for r in await uow.agencies.all_rows()],
            "localities": [locality_summary(r) for r in await uow.localities.all_rows()],
            "rules": [rule_summary(r) for r in await uow.rules.all_rows()],
            "holidays": [(h.day, h.name) for h in await uow.holidays.all()],
            "users": [(user_summary(u), u.session_version, u.password_hash) for u in await uow.users.all()],
            "tokens": [(t.id, t.revoked_at) for t in await uow.api_tokens.all()],
            "faq": [e.to_dict() for e in await uow.faq.all()],
            "audit": (await session_of(uow).execute(select(func.count()).select_from(AuditLogRow))).scalar_one(),
            "link_codes": (await session_of(uow).execute(select(func.count()).select_from(LinkCodeRow))).scalar_one(),
        }


async def audit_rows(app: App, action: str) -> list[Any]:
    """The rows of one action, oldest first (typed loosely: tests index their JSON directly)."""
    async with app.uow() as uow:
        statement = select(AuditLogRow).where(AuditLogRow.action == action).order_by(AuditLogRow.id)
        return list((await session_of(uow).execute(statement)).scalars())


async def ask_tester(client: WebClient, category: str, commune: str) -> str:
    page = await client.http.get("/admin/rules", params={"category": category, "commune": commune})
    assert page.status_code == 200, page.text
    found = _VERDICT.search(page.text)
    assert found, "the tester named no agency"
    return found.group(1)
