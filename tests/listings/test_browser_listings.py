"""The listings pages in Chromium: an import's preview with long cells fits a phone, and confirming it
creates the valid rows; a new listing typed in the form is published."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.listings.imports import REQUIRED_COLUMNS
from tests.browser import Site, log_in

PHONE = {"width": 360, "height": 740}


async def _fits(page: Any) -> None:
    width: int = await page.evaluate("document.documentElement.scrollWidth")
    inner: int = await page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url}: {width} px on a {inner} px screen"


async def test_an_import_preview_fits_a_phone_and_confirming_creates_the_valid_rows(
    site: Site, browser: Any, tmp_path: Path
) -> None:
    expires = (date.today() + timedelta(days=30)).isoformat()
    long_title = "Thợ hàn khung thép " + "rấtdài" * 30
    rows = [
        ",".join(REQUIRED_COLUMNS),
        f"job,{long_title},Xưởng,mh-gia-loc,hàn,Mô tả,yes,,,2,7 triệu,0200,{expires}",
        f"job,Sai xã,Xưởng,{'Xã Không Có' * 10},hàn,,no,,,,,,{expires}",
    ]
    batch = tmp_path / "batch.csv"
    batch.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page = await (await browser.new_context(viewport=PHONE)).new_page()
    await log_in(page, site, "vieclam")
    await page.goto(site.url("/staff/listings/import"))
    await page.set_input_files("input[name=file]", str(batch))
    await page.check("input[name=publish]")
    await page.click("form[enctype] button[type=submit]")
    await page.wait_for_load_state()
    assert "2 dòng: 1 hợp lệ, 1 có lỗi" in await page.content()
    await _fits(page)
    await page.click("form[action='/staff/listings/import/confirm'] button")
    await page.wait_for_load_state()
    assert page.url.endswith("/staff/listings?done=imported")
    await _fits(page)
    assert "Đang đăng" in await page.content()


async def test_a_listing_typed_in_the_form_is_published(site: Site, browser: Any) -> None:
    page = await (await browser.new_context(viewport=PHONE)).new_page()
    await log_in(page, site, "vieclam")
    await page.goto(site.url("/staff/listings/new"))
    await _fits(page)
    await page.fill("input[name=title]", "Phụ hồ công trình")
    await page.select_option("select[name=locality]", "mh-an-hoa")
    await page.fill("input[name=expires]", (date.today() + timedelta(days=20)).isoformat())
    await page.check("input[name=fair_chance]")
    await page.click("button[value=publish]")
    await page.wait_for_load_state()
    content = await page.content()
    assert "Đã đăng tin." in content and "Phụ hồ công trình" in content
    await _fits(page)
