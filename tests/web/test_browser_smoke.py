"""The web chat in a real browser: a newcomer is greeted and can ask a question."""

from __future__ import annotations

from typing import Any

from tests.browser import Site, screenshot


async def test_web_chat_greets_and_answers(site: Site, browser: Any) -> None:
    # A cheap phone's screen: the chat must read well at this width.
    page = await browser.new_page(viewport={"width": 390, "height": 780})
    await page.goto(site.url("/"))
    await page.wait_for_selector(".bubble.bot")
    assert "Hòa Nhập" in await page.inner_text(".bubble.bot")
    await page.fill("#chat-text", "lam sao de vay von lam an")
    await page.click("#chat-form button[type=submit]")
    await page.wait_for_selector(".bubble.me")
    await page.wait_for_function("document.querySelectorAll('.bubble.bot').length >= 2")
    assert "vay" in (await page.inner_text(".chat-log")).lower()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "nothing sticks out sideways on a phone"
    await screenshot(page, "web-chat")
