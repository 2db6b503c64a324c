"""The listings pages in Chromium: an import's preview with long cells fits a phone, and confirming it
creates the valid rows; a new listing typed in the form is published; staff record what became of
a registration on its request page, on a phone and on a desktop."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.listings.imports import REQUIRED_COLUMNS
from tests.browser import Site, log_in, screenshot
from tests.listings.e2e_helpers import published
from tests.web_client import WebClient

PHONE = {"width": 360, "height": 740}


async def _fits(page: Any) -> None:
    width: int = await page.evaluate("document.documentElement.scrollWidth")
    inner: int = await page.evaluate("window.innerWidth")
    wide = await page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 60))"
    )
    assert width <= inner, f"{page.url}: {width} px on a {inner} px screen; too wide: {wide}"


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


async def _registration_by_web_chat(site: Site, listing: int) -> str:
    """A person registers interest in the listing through the web chat; the request's code."""
    async with WebClient(site.app) as web:

        async def send(nonce: str, **fields: str) -> str:
            token = await web.csrf()
            response = await web.http.post(
                "/chat/send",
                data={"csrf_token": token, "nonce": nonce, **fields},
                headers={"Accept": "application/json"},
            )
            assert response.status_code == 200, response.text
            return " ".join(m.get("text", "") for m in response.json()["messages"])

        await send("start", start="1")
        await send("reg", choice=f"lst:reg:{listing}")
        await send("loc", choice="form:loc:mh-an-hoa")
        await send("phone", text="0356 789 012")
        for step in ("form:skip", "form:time:morning", "form:yes"):
            await send(step, choice=step)
        sent = await send("confirm", choice="form:confirm")
    found = re.search(r"Mã của bạn: (YC-\d+)", sent)
    assert found, sent
    return found.group(1)


@pytest.mark.parametrize("width", [360, 1280])
async def test_staff_record_what_became_of_a_registration(site: Site, browser: Any, width: int) -> None:
    listing = await published(site.app, agency="demo-vieclam", title="Thợ hàn khung thép " + "dài" * 20)
    code = await _registration_by_web_chat(site, listing)
    page = await (await browser.new_context(viewport={"width": width, "height": 800})).new_page()
    await log_in(page, site, "vieclam")
    await page.goto(site.url(f"/staff/requests/{code}"))
    section = page.locator("#listing")
    assert "Chưa có kết quả" in await section.inner_text()
    assert await section.locator(f"a[href='/staff/listings/{listing}']").count() == 1
    await _fits(page)
    await section.locator("select[name=outcome]").select_option("working")
    await section.locator("button[type=submit]").click()
    await page.wait_for_load_state()
    assert f"/staff/requests/{code}" in page.url
    shown = await page.locator("#listing .ws-outcome").inner_text()
    assert "Đã đi làm" in shown and "vieclam" in shown, shown
    await _fits(page)
    if width == 360:
        await screenshot(page, "staff-registration-outcome-phone")
    async with site.app.uow() as uow:
        request = await uow.requests.get_row(code)
        assert request is not None
        registration = await uow.listing_people.of_request(request.id)
        assert registration is not None
        assert (registration.outcome, registration.outcome_by) == ("working", "vieclam")
