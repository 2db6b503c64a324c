"""The dashboard's open listings per agency and trade: the chart, its table and its CSV agree, and
only what people are offered today counts (no draft, closed or expired listing)."""

from __future__ import annotations

import csv
import io

from bot.app import App
from tests.admin_pages import signed_in
from tests.dashboard.test_dashboard import seed_listings


async def test_open_listings_per_agency_and_trade(admin_app: App) -> None:
    await seed_listings(admin_app)
    async with admin_app.uow() as uow:
        assert await uow.listings.open_counts(admin_app.clock().date()) == [
            ("demo-ubnd", "xây dựng", 1), ("demo-vieclam", "hàn", 2), ("demo-vieclam", "may", 1),
        ]  # fmt: skip
    client = await signed_in(admin_app, "admin")
    async with client:
        page = await client.http.get("/admin")
        assert 'id="listings"' in page.text and "Tin việc làm và khóa học đang mở" in page.text
        download = await client.http.get("/admin/dashboard/listings.csv")
        assert download.status_code == 200 and download.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        assert rows[0] == ["Cơ quan", "Mã cơ quan", "Nghề", "Tin đang mở"]
        assert sorted(r[1:] for r in rows[1:]) == [
            ["demo-ubnd", "xây dựng", "1"], ["demo-vieclam", "hàn", "2"], ["demo-vieclam", "may", "1"],
        ]  # fmt: skip
    admin_app.clock.advance(hours=10)  # type: ignore[attr-defined]  # past midnight in Vietnam
    client = await signed_in(admin_app, "admin")  # the session went idle meanwhile
    async with client:
        later = await client.http.get("/admin/dashboard/listings.csv")
        after = list(csv.reader(io.StringIO(later.content.decode("utf-8-sig"))))
        assert sorted(r[1:] for r in after[1:]) == [["demo-vieclam", "hàn", "1"], ["demo-vieclam", "may", "1"]]
