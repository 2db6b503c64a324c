"""The dashboard's open listings per agency and trade: the chart, its table and its CSV agree, and
only what people are offered today counts (no draft, closed or expired listing). Its registrations:
per listing and agency, with starts and the follow-up's answer share."""

from __future__ import annotations

import csv
import io

from bot.app import App
from bot.listings.followup import followup_round
from tests.admin_pages import signed_in
from tests.dashboard.test_dashboard import seed_listings
from tests.harness import Person
from tests.listings.chat_helpers import code_in, registered, with_listings
from tests.listings.test_listing_followup import registration


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


async def test_registrations_and_what_became_of_them(admin_app: App) -> None:
    """Registrations per listing (table and CSV) and per agency (chart); a start counts whoever
    recorded it; the follow-up's answer share counts only the people's own answers."""
    made = await with_listings(admin_app)
    welder, seamstress = made["Thợ hàn khung thép"].id, made["Công nhân may"].id
    codes = [code_in(await registered(admin_app, lst, f"p{n}")) for n, lst in enumerate((welder, welder, seamstress))]
    clock = admin_app.clock
    clock.advance(days=31)  # type: ignore[attr-defined]
    assert await followup_round(admin_app.database, clock, admin_app.texts, 30) == 3
    # p0 answers "started work" itself; staff record p1 as studying; p2 never answers.
    await Person(admin_app, "p0").presses_raw(f"lst:fu:{(await registration(admin_app, codes[0])).id}:working")
    async with await signed_in(admin_app, "vieclam") as staff:
        done = await staff.post_form(f"/staff/requests/{codes[1]}/outcome", {"outcome": "studying", "nonce": "o"})
        assert done.status_code == 303
    client = await signed_in(admin_app, "admin")
    async with client:
        page = await client.http.get("/admin?from=2026-01-01&to=2026-12-31")
        assert 'id="registrations"' in page.text
        assert "1 trong 3 người được hỏi lại đã trả lời (33%)." in page.text
        download = await client.http.get("/admin/dashboard/registrations.csv?from=2026-01-01&to=2026-12-31")
        rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        assert rows[0] == [
            "Cơ quan", "Mã cơ quan", "Tin", "Loại", "Đăng ký", "Đã đi làm", "Đã đi học", "Đã hỏi lại", "Đã trả lời",
        ]  # fmt: skip
        by_title = {r[2]: r[1:] for r in rows[1:]}
        assert by_title["Thợ hàn khung thép"][2:] == ["Việc làm", "2", "1", "1", "2", "1"]
        assert by_title["Công nhân may"][2:] == ["Việc làm", "1", "0", "0", "1", "0"]
        # A range before any registration: the table is empty and nobody was asked.
        empty = await client.http.get("/admin/dashboard/registrations.csv?from=2025-01-01&to=2025-01-31")
        assert list(csv.reader(io.StringIO(empty.content.decode("utf-8-sig"))))[1:] == []
