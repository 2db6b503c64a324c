"""The staff pages of listings: an agency's own only, an admin every agency's, CSRF on every change,
and the import's preview that saves nothing until it is confirmed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from openpyxl import Workbook

from bot.accounts.service import create_user
from bot.app import App
from bot.listings.service import create_listing
from bot.storage.repos.listings import ListingFilter
from tests.admin_pages import PASSWORDS, signed_in
from tests.listings.helpers import TODAY, typed
from tests.web_client import WebClient

HEADER = "kind,title,employer,locality,trade,description,fair_chance,start_date,deadline,places,pay,contact,expires"
GOOD = "job,Thợ may,Xưởng may mẫu,mh-an-hoa,may,May áo,no,,2026-11-20,5,6 triệu,0200 000 201,2026-12-15"
FORM = {
    "kind": "job", "title": "Phụ hồ", "employer": "Công ty xây dựng mẫu", "locality": "mh-gia-loc",
    "trade": "xây dựng", "description": "Phụ hồ công trình", "fair_chance": "1", "expires": "2026-12-20",
    "deadline": "2026-12-01", "places": "4", "pay": "300 nghìn/ngày", "contact": "0200 000 301",
}  # fmt: skip


@pytest.fixture
async def other_staff(admin_app: App) -> AsyncIterator[WebClient]:
    """A staff member of the demo commune committee (demo-ubnd), not of the employment centre."""
    async with admin_app.uow() as uow:
        await create_user(
            uow, "ubnd", "ubnd password 1", "staff", admin_app.clock(), actor="t", agency_code="demo-ubnd"
        )
        await uow.commit()
    client = await signed_in(admin_app, "ubnd", "ubnd password 1")
    async with client:
        yield client


@pytest.fixture
async def staff(admin_app: App) -> AsyncIterator[WebClient]:
    client = await signed_in(admin_app, "vieclam", PASSWORDS["vieclam"])
    async with client:
        yield client


async def _listing(app: App, agency: str = "demo-vieclam", **changes: object) -> int:
    async with app.uow() as uow:
        row = await create_listing(uow, typed(**changes), agency_code=agency, actor="t", now=app.clock(), today=TODAY)
        await uow.commit()
        return row.id


async def test_staff_create_edit_publish_close(admin_app: App, staff: WebClient) -> None:
    assert (await staff.http.get("/staff/listings/new")).status_code == 200
    created = await staff.post_form("/staff/listings/new", FORM)
    assert created.status_code == 303, created.text
    path = created.headers["location"].split("?")[0]
    page = await staff.http.get(path)
    assert "Phụ hồ" in page.text and "Nháp" in page.text
    edited = await staff.post_form(path, FORM | {"title": "Phụ hồ xây nhà", "action": "publish"})
    assert edited.status_code == 303 and "published" in edited.headers["location"]
    bad = await staff.post_form(path, FORM | {"deadline": "2027-02-01"})
    assert bad.status_code == 400 and "Hạn đăng ký không được sau" in bad.text
    listing = await staff.http.get("/staff/listings")
    assert "Phụ hồ xây nhà" in listing.text and "Đang đăng" in listing.text
    assert (await staff.post_form(path + "/close", {})).status_code == 303
    closed = await staff.http.get(path)
    assert "Tin đã đóng" in closed.text and 'name="action"' not in closed.text
    again = await staff.post_form(path + "/close", {})
    assert again.status_code == 400 and "Tin đã đóng." in again.text


async def test_staff_of_another_agency_see_and_change_nothing(admin_app: App, other_staff: WebClient) -> None:
    theirs = await _listing(admin_app)
    assert "Thợ hàn" not in (await other_staff.http.get("/staff/listings")).text
    assert (await other_staff.http.get(f"/staff/listings/{theirs}")).status_code == 404
    for action in ("", "/publish", "/close"):
        refused = await other_staff.post_form(f"/staff/listings/{theirs}{action}", FORM)
        assert refused.status_code == 404, action
    # A staff member creates for their own agency whatever the form says.
    created = await other_staff.post_form("/staff/listings/new", FORM | {"agency": "demo-vieclam"})
    assert created.status_code == 303
    async with admin_app.uow() as uow:
        ubnd = await uow.agencies.get_row("demo-ubnd")
        assert ubnd is not None
        assert [r.title for r in await uow.listings.list(ListingFilter(agency_id=ubnd.id))] == ["Phụ hồ"]
        vieclam = await uow.agencies.get_row("demo-vieclam")
        assert vieclam and [r.status for r in await uow.listings.list(ListingFilter(agency_id=vieclam.id))] == ["draft"]


async def test_admin_sees_every_agency_and_picks_one(admin_app: App, admin: WebClient) -> None:
    await _listing(admin_app, title="Thợ hàn A")
    await _listing(admin_app, agency="demo-ubnd", title="Việc của xã B")
    page = await admin.http.get("/staff/listings")
    assert "Thợ hàn A" in page.text and "Việc của xã B" in page.text and "Tin nháp cần xem xét (2)" in page.text
    only = await admin.http.get("/staff/listings", params={"agency": "demo-ubnd", "status": "draft"})
    assert "Việc của xã B" in only.text and "Thợ hàn A" not in only.text
    created = await admin.post_form("/staff/listings/new", FORM | {"agency": "demo-tgpl"})
    assert created.status_code == 303
    unknown = await admin.post_form("/staff/listings/new", FORM | {"agency": "nope"})
    assert unknown.status_code == 400 and "Không có cơ quan mã nope" in unknown.text


async def test_changes_need_the_csrf_token(admin_app: App, staff: WebClient) -> None:
    theirs = await _listing(admin_app)
    for path in ("/staff/listings/new", f"/staff/listings/{theirs}", f"/staff/listings/{theirs}/close"):
        refused = await staff.post_form(path, FORM, csrf=False)
        assert refused.status_code == 403, path
    async with admin_app.uow() as uow:
        assert [r.status for r in await uow.listings.list()] == ["draft"]


async def test_nobody_signed_out_reaches_the_pages(admin_app: App) -> None:
    async with WebClient(admin_app) as anonymous:
        for path in ("/staff/listings", "/staff/listings/new", "/staff/listings/import"):
            assert (await anonymous.http.get(path)).status_code in (303, 307, 401), path


def _xlsx(rows: list[list[str]]) -> bytes:
    import io

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def _count(app: App) -> int:
    async with app.uow() as uow:
        return await uow.listings.count()


async def test_import_preview_saves_nothing_until_confirmed(admin_app: App, staff: WebClient) -> None:
    bad = "job,,Xưởng,mh-an-hoa,may,,no,,,,,,2026-12-15\njob,Thợ,Xưởng,Xã Không Có,may,,no,,,,,,2026-12-15"
    csv_text = f"{HEADER}\n{GOOD}\n{bad}\n"
    token = await staff.csrf()
    preview = await staff.http.post(
        "/staff/listings/import", data={"csrf_token": token, "publish": "1"},
        files={"file": ("batch.csv", csv_text.encode(), "text/csv")},
    )  # fmt: skip
    assert preview.status_code == 200, preview.text
    assert "3 dòng: 1 hợp lệ, 2 có lỗi" in preview.text and "Dòng 3" in preview.text and "Xã Không Có" in preview.text
    assert await _count(admin_app) == 0
    digest = preview.text.split('name="digest" value="')[1].split('"')[0]
    confirmed = await staff.post_form("/staff/listings/import/confirm", {"digest": digest})
    assert confirmed.status_code == 303
    async with admin_app.uow() as uow:
        [row] = await uow.listings.list()
        assert row.title == "Thợ may" and row.status == "published"
    replay = await staff.post_form("/staff/listings/import/confirm", {"digest": digest})
    assert replay.status_code == 400 and await _count(admin_app) == 1


async def test_import_of_a_workbook_and_of_bad_files(admin_app: App, staff: WebClient) -> None:
    workbook = _xlsx([HEADER.split(","), GOOD.split(",")])
    token = await staff.csrf()
    preview = await staff.http.post(
        "/staff/listings/import",
        data={"csrf_token": token},
        files={"file": ("batch.xlsx", workbook, "application/octet-stream")},
    )
    assert "1 dòng: 1 hợp lệ, 0 có lỗi" in preview.text
    for content, words in (
        (b"kind,title\njob,x\n", "Thiếu cột"),
        (b"", "Tệp trống"),
        (b"\xff\xfe\x00\xd8garbage", "không phải văn bản UTF-8"),
        (b"PK\x03\x04broken", "Không đọc được tệp Excel"),
    ):
        refused = await staff.http.post(
            "/staff/listings/import", data={"csrf_token": token}, files={"file": ("x.csv", content, "text/csv")}
        )
        assert refused.status_code == 400 and words in refused.text, words
    assert await _count(admin_app) == 0


async def test_more_listings_than_a_page_are_paged_with_the_filters_kept(admin_app: App, staff: WebClient) -> None:
    async with admin_app.uow() as uow:
        for n in range(205):
            await create_listing(uow, typed(title=f"Việc số {n:03d}"), agency_code="demo-vieclam", actor="t",
                                 now=admin_app.clock(), today=TODAY)  # fmt: skip
        await uow.commit()
    first = (await staff.http.get("/staff/listings?kind=job")).text
    assert (
        first.count('href="/staff/listings/')
        - first.count('href="/staff/listings/new')
        - first.count('href="/staff/listings/import')
        >= 200
    )
    assert "Việc số 204" in first and "Việc số 000" not in first.split('id="drafts"')[-1].split("<table>")[-1]
    assert "Trang 1 / 2 (205 tin)" in first and 'href="/staff/listings?kind=job&amp;page=2"' in first
    second = (await staff.http.get("/staff/listings?kind=job&page=2")).text
    assert (
        "Trang 2 / 2 (205 tin)" in second
        and "Việc số 000" in second
        and "Việc số 204" not in second.split("<table>")[-1]
    )
    for bad in ("0", "-1", "abc", "99999999999", "2" * 50):
        page = await staff.http.get("/staff/listings", params={"page": bad})
        assert page.status_code == 200 and "(205 tin)" in page.text, bad
