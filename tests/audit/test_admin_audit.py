"""The audit log's admin page: filtered by actor and action, paged, newest first, and escaped."""

from __future__ import annotations

from datetime import date, timedelta

from bot.app import App
from tests.admin_pages import (
    said,
    signed_in,
)
from tests.web_client import WebClient


async def test_the_audit_log_filters_pages_and_escapes(admin_app: App, admin: WebClient) -> None:
    async with await signed_in(admin_app, "boss") as boss:
        await boss.post_form("/admin/holidays", {"day": "2026-09-02", "name": "<b>Quốc khánh</b>"})
    for number in range(1, 61):
        day = date(2027, 1, 1) + timedelta(days=number)
        added = await admin.post_form("/admin/holidays", {"day": day.isoformat(), "name": f"Ngày {number}"})
        assert added.status_code == 303
    page = await admin.http.get("/admin/audit")
    assert page.status_code == 200 and said(page, "ar_page", page=1)
    assert "page=2" in page.text and "&lt;b&gt;Quốc khánh&lt;/b&gt;" not in page.text  # newest first: not on page 1

    by_boss = await admin.http.get("/admin/audit", params={"actor": "BOS"})
    assert "&lt;b&gt;Quốc khánh&lt;/b&gt;" in by_boss.text and "<b>Quốc" not in by_boss.text
    assert "Ngày 5" not in by_boss.text
    creates = await admin.http.get("/admin/audit", params={"action": "user.create"})
    assert creates.text.count("<code>user.create</code>") == 3 and "holiday.add</code>" not in creates.text
    second = await admin.http.get("/admin/audit", params={"page": "2"})
    assert second.status_code == 200 and said(second, "ar_page", page=2)
    for params in ({"page": "abc"}, {"page": "-1"}, {"page": "9" * 30}, {"actor": "%_'\""}):
        assert (await admin.http.get("/admin/audit", params=params)).status_code == 200
