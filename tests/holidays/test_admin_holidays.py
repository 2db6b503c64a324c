"""The holidays' admin page: days added and removed, bad dates refused, every change audited."""

from __future__ import annotations

from bot.app import App
from tests.admin_pages import (
    audit_rows,
    said,
)
from tests.web_client import WebClient


async def test_holidays_are_added_and_removed(admin_app: App, admin: WebClient) -> None:
    assert (await admin.post_form("/admin/holidays", {"day": "2026-09-02", "name": "Quốc khánh"})).status_code == 303
    assert (await admin.post_form("/admin/holidays", {"day": "1/1/2027", "name": "Tết Dương lịch"})).status_code == 303
    page = await admin.http.get("/admin/holidays")
    assert "02/09/2026" in page.text and "01/01/2027" in page.text
    for form, key in (
        ({"day": "2026-09-02", "name": "Lặp"}, "ar_err_holiday_exists"),
        ({"day": "2026-02-30", "name": "Không có"}, "ar_err_date"),
        ({"day": "hôm nay", "name": "Không có"}, "ar_err_date"),
        ({"day": "2026-12-25", "name": " "}, "ar_err_name_required"),
    ):
        refused = await admin.post_form("/admin/holidays", form)
        assert refused.status_code == 400 and said(refused, key, day="02/09/2026"), form
    assert (await admin.post_form("/admin/holidays/2026-09-02/delete", {})).status_code == 303
    assert (await admin.post_form("/admin/holidays/2026-09-02/delete", {})).status_code == 404
    async with admin_app.uow() as uow:
        assert [h.name for h in await uow.holidays.all()] == ["Tết Dương lịch"]
    [removed] = await audit_rows(admin_app, "holiday.remove")
    assert removed.before == {"day": "2026-09-02", "name": "Quốc khánh"} and removed.after is None
    assert len(await audit_rows(admin_app, "holiday.add")) == 2
