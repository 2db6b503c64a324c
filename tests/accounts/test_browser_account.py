"""The account page in a real browser at a cheap phone's width: sessions, enrolling the second
factor (QR code, secret, recovery codes), and the login's second step."""

from __future__ import annotations

from typing import Any

import pyotp

from tests.browser import Site, log_in

WIDTH = 360


async def _fits(page: Any) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{page.url} is {width} px wide"


async def test_enrolling_and_signing_in_with_the_second_factor_at_360_px(site: Site, browser: Any) -> None:
    page = await (await browser.new_context(viewport={"width": WIDTH, "height": 740})).new_page()
    await log_in(page, site, "vieclam")
    await page.goto(site.url("/account"))
    assert await page.locator("[data-current]").count() == 1
    await _fits(page)
    await page.click("form[action='/account/2fa/start'] button")
    await page.wait_for_selector(".qr svg")
    await _fits(page)
    secret = (await page.inner_text(".totp-secret")).strip()
    await page.fill("input[name=code]", pyotp.TOTP(secret).now())
    await page.click("form[action='/account/2fa/confirm'] button")
    await page.wait_for_selector(".recovery-code")
    await _fits(page)
    codes = [c.strip() for c in await page.locator(".recovery-code").all_inner_texts()]
    assert len(codes) == 10
    await page.click("a[href='/account']")
    await page.click("form[action='/logout'] button")
    await page.wait_for_load_state()
    await log_in(page, site, "vieclam")
    assert page.url.endswith("/login/code")
    await _fits(page)
    await page.fill("input[name=code]", codes[0])
    await page.click("form[action='/login/code'] button")
    await page.wait_for_load_state()
    assert page.url.endswith("/staff")
