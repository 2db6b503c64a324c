"""The API tokens' admin page: a token is shown once, works, and stops when revoked."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from bot.app import App
from bot.storage.models import ApiTokenRow, AuditLogRow
from tests.admin_pages import (
    audit_rows,
    said,
    secret,
    shows,
)
from tests.storage.sessions import session_of
from tests.web_client import WebClient


async def test_a_token_is_shown_once_works_and_stops_when_revoked(admin_app: App, admin: WebClient) -> None:
    created = await admin.post_form("/admin/tokens", {"agency_code": "demo-vieclam", "label": "Hệ thống hồ sơ"})
    assert created.status_code == 200 and said(created, "ar_token_once")
    token = secret(created)
    assert token.startswith("hn_")
    listed = await admin.http.get("/admin/tokens")
    assert token not in listed.text and token[:8] in listed.text

    async with admin_app.uow() as uow:
        [row] = (await session_of(uow).execute(select(ApiTokenRow))).scalars().all()
        stored = json.dumps({c.name: str(getattr(row, c.name)) for c in ApiTokenRow.__table__.columns})
        audit = json.dumps(
            [(r.before, r.after) for r in (await session_of(uow).execute(select(AuditLogRow))).scalars()]
        )
    assert token not in stored and token not in audit
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and row.created_by == "admin"

    headers = {"Authorization": f"Bearer {token}"}
    assert (await admin.http.get("/api/v1/requests", headers=headers)).status_code == 200
    revoked = await admin.post_form(f"/admin/tokens/{row.id}/revoke", {})
    assert revoked.status_code == 303
    assert (await admin.http.get("/api/v1/requests", headers=headers)).status_code == 401
    assert [r.target for r in await audit_rows(admin_app, "token.revoke")] == [f"api_token:{row.id}"]
    assert (await admin.post_form("/admin/tokens/9999/revoke", {})).status_code == 404

    for form, key in (
        ({"agency_code": "nope", "label": ""}, "ar_err_unknown_agency"),
        ({"agency_code": "demo-vieclam", "label": "x" * 150}, "ar_err_token_label"),
    ):
        refused = await admin.post_form("/admin/tokens", form)
        assert refused.status_code == 400 and shows(refused, key)
