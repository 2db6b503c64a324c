"""The localities' admin pages: communes added, searched and given their old names as aliases."""

from __future__ import annotations

from bot.app import App
from handlers.places import find_localities
from tests.admin_pages import (
    ask_tester,
    audit_rows,
    said,
)
from tests.web_client import WebClient


async def test_localities_are_added_searched_and_given_aliases(admin_app: App, admin: WebClient) -> None:
    added = await admin.post_form(
        "/admin/localities",
        {"code": "mh-tan-lap", "name": "Xã Tân Lập", "province": "Tỉnh Minh Họa", "aliases": "Xã Lập Cũ\r\n\r\n"},
    )
    assert added.status_code == 303
    edited = await admin.post_form(
        "/admin/localities/mh-tan-lap",
        {"name": "Xã Tân Lập", "province": "Tỉnh Minh Họa", "aliases": "Xã Lập Cũ\r\nXã Tân Hưng\r\nxa tan hung\r\n"},
    )
    assert edited.status_code == 303
    async with admin_app.uow() as uow:
        locality = await uow.localities.get("mh-tan-lap")
        assert locality is not None and locality.aliases == ("Xã Lập Cũ", "Xã Tân Hưng")
        found, sure = find_localities("tan hung", await uow.localities.all())
        assert sure and found[0].code == "mh-tan-lap"
    [update] = await audit_rows(admin_app, "locality.update")
    assert update.before["aliases"] == ["Xã Lập Cũ"] and update.after["aliases"] == ["Xã Lập Cũ", "Xã Tân Hưng"]

    searched = await admin.http.get("/admin/localities", params={"q": "tan hung"})
    assert "mh-tan-lap" in searched.text and "mh-gia-loc" not in searched.text
    # The tester finds a commune by an old name, too.
    assert await ask_tester(admin, "loan", "xa tan hung") == "demo-nhcsxh"

    for form, key in (
        ({"code": "mh-an-hoa", "name": "Xã Trùng", "province": "Tỉnh Minh Họa"}, "ar_err_duplicate_code"),
        ({"code": "mh-x", "name": "", "province": "Tỉnh Minh Họa"}, "ar_err_name_required"),
        ({"code": "mh-x", "name": "Xã X", "province": ""}, "ar_err_province_required"),
    ):
        refused = await admin.post_form("/admin/localities", form)
        assert refused.status_code == 400 and said(refused, key, code=form["code"])
