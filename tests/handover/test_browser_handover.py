"""Continue on Telegram in a real browser at 360 px: the button in the greeting, the one-time link
under the bot's answer (a real anchor to t.me), nothing sticking out sideways."""

from __future__ import annotations

from typing import Any

from bot.channels.notifiers import Notifiers
from bot.channels.telegram.notifier import TelegramNotifier
from tests.browser import Site


async def test_the_telegram_link_in_the_web_chat_on_a_phone(site: Site, browser: Any) -> None:
    site.app.processor.notifiers = Notifiers([TelegramNotifier("hoanhap_bot")])
    page = await browser.new_page(viewport={"width": 360, "height": 740})
    await page.goto(site.url("/"))
    await page.wait_for_selector(".bubble.bot")
    await page.click(".choices button:has-text('Nhận trả lời qua Telegram')")
    link = await page.wait_for_selector("a[href^='https://t.me/hoanhap_bot?start=']")
    assert link is not None
    href = await link.get_attribute("href")
    assert href is not None and len(href.split("start=")[1]) == 32
    assert await link.get_attribute("rel") == "noopener noreferrer"
    assert "một lần" in await page.inner_text(".chat-log")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "the long link wraps instead of widening the page"
