"""The web chat's shared-phone controls in a real browser, at 360 x 740 and at 1280 x 800: remember this
phone, forget on this phone, older messages on demand, the length counter, a long answer read from its
start, the placeholder per step, the one language switch, and the tab title counting unread replies.
Nothing sticks out sideways. (The page's CSP refuses string eval: conditions are polled from Python.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels.webchat import CHANNEL
from bot.channels.webchat_view import PAGE
from bot.storage.models import ConversationRow
from bot.web.i18n import web_texts
from bot.web.security import CHAT_COOKIE
from handlers.messages import OutgoingMessage
from tests.browser import Site, screenshot
from tests.storage.sessions import session_of

SIZES = ({"width": 360, "height": 740}, {"width": 1280, "height": 800})
LONG_ANSWER = "\n".join(
    f"Bước {n}: mang theo giấy tờ số {n}, hỏi cán bộ ở quầy số {n} và chờ đến lượt." for n in range(60)
)


def vi(key: str, **values: Any) -> str:
    return web_texts().get("vi", key, **values)


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 12) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("the page did not get there in time")
        await asyncio.sleep(0.2)


async def fits(page: Any) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    inner = await page.evaluate("window.innerWidth")
    assert width <= inner, f"{width}px wide in a {inner}px window"


async def opened(browser: Any, site: Site, size: dict[str, int]) -> tuple[Any, Any]:
    """A new visitor's page, greeted."""
    context = await browser.new_context(viewport=size)
    page = await context.new_page()
    await page.goto(site.url("/"))
    await page.wait_for_selector(".bubble.bot")
    return context, page


async def chat_ids(app: App) -> list[str]:
    async with app.uow() as uow:
        rows = (await session_of(uow).execute(select(ConversationRow).order_by(ConversationRow.id))).scalars()
        return [r.chat_id for r in rows]


async def staff_says(app: App, chat_id: str, *texts: str) -> None:
    async with app.uow() as uow:
        for text in texts:
            await uow.outbox.add(CHANNEL, chat_id, OutgoingMessage(text).to_payload(), app.clock())
        await uow.commit()


async def chat_cookie(context: Any) -> dict[str, Any]:
    return next(c for c in await context.cookies() if c["name"] == CHAT_COOKIE)


@pytest.mark.parametrize("size", SIZES, ids=["360", "1280"])
async def test_remember_and_forget_this_phone(site: Site, browser: Any, size: dict[str, int]) -> None:
    context, page = await opened(browser, site, size)
    assert (await chat_cookie(context))["expires"] == -1, "a session cookie until asked otherwise"
    assert await page.inner_text("#chat-footer") == vi("chat_footer_session")
    await fits(page)
    await page.click("#chat-remember")
    await until(lambda: _pressed(page, "true"))
    remembered = await chat_cookie(context)
    assert remembered["expires"] > time.time() + (site.app.settings.web_chat_days - 1) * 86400
    assert await page.inner_text("#chat-footer") == vi("chat_footer_remembered", days=site.app.settings.web_chat_days)
    await page.reload()
    assert await page.get_attribute("#chat-remember", "aria-pressed") == "true"
    await page.fill("#chat-text", "toi muon hoc nghe")
    await page.click("#chat-form button[type=submit]")
    await page.wait_for_selector(".bubble.me")
    if size["width"] == 360:
        await screenshot(page, "phone-web-chat-device")
    await page.click("#chat-forget summary")
    assert await page.is_visible("#chat-forget-confirm"), "a second press confirms"
    assert vi("chat_forget_explain") in await page.inner_text("#chat-forget")
    await fits(page)
    await page.click("#chat-forget-confirm")
    await page.wait_for_selector("#chat-start, .bubble.bot")
    await until(lambda: _has_greeting_only(page))
    assert "toi muon hoc nghe" not in await page.inner_text("#chat-log")
    fresh = await chat_cookie(context)
    assert fresh["value"] != remembered["value"] and fresh["expires"] == -1
    assert await page.get_attribute("#chat-remember", "aria-pressed") == "false"
    assert len(await chat_ids(site.app)) == 2, "the forgotten conversation stays on the server"
    await context.close()


async def _pressed(page: Any, value: str) -> bool:
    return bool(await page.get_attribute("#chat-remember", "aria-pressed") == value)


async def _has_greeting_only(page: Any) -> bool:
    return await page.locator(".bubble.bot").count() >= 1 and await page.locator(".bubble.me").count() == 0


@pytest.mark.parametrize("size", SIZES, ids=["360", "1280"])
async def test_older_messages_on_demand_and_a_long_answer_from_its_start(
    site: Site, browser: Any, size: dict[str, int]
) -> None:
    context, page = await opened(browser, site, size)
    (chat_id,) = await chat_ids(site.app)
    await staff_says(site.app, chat_id, *(f"tin cũ số {n}" for n in range(70)))
    await page.reload()
    assert await page.locator(".bubble").count() == PAGE
    await fits(page)
    await page.click("#chat-older")
    await until(lambda: _bubbles(page, 2 * PAGE))
    await page.click("#chat-older")
    await until(lambda: _bubbles(page, 71))
    assert await page.locator("#chat-older").count() == 0, "no older page left"
    texts = await page.locator(".bubble").all_inner_texts()
    assert texts[1:] == [f"tin cũ số {n}" for n in range(70)], "in order, each once"
    await fits(page)
    await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    await staff_says(site.app, chat_id, LONG_ANSWER)
    await until(lambda: _bubbles(page, 72))
    await asyncio.sleep(0.3)
    top = await page.locator(".bubble").last.evaluate("el => el.getBoundingClientRect().top")
    assert 0 <= top < size["height"] / 2, f"the answer's first line is on screen (top at {top}px)"
    await fits(page)
    await context.close()


async def _bubbles(page: Any, count: int) -> bool:
    return bool(await page.locator(".bubble").count() == count)


@pytest.mark.parametrize("size", SIZES, ids=["360", "1280"])
async def test_one_limit_with_a_counter_that_keeps_the_text(site: Site, browser: Any, size: dict[str, int]) -> None:
    limit = site.app.settings.max_question_chars
    context, page = await opened(browser, site, size)
    assert await page.inner_text("#chat-count") == f"0/{limit}"
    await page.fill("#chat-text", "vay von")
    assert await page.inner_text("#chat-count") == f"7/{limit}"
    await page.fill("#chat-text", "x" * (limit + 50))
    assert len(await page.input_value("#chat-text")) == limit, "the box takes no more than the limit"
    assert await page.inner_text("#chat-count") == f"{limit}/{limit}"
    # Past the limit all the same (a script, an old browser): the words stay and the page says why.
    await page.locator("#chat-text").evaluate(
        "(el, n) => { el.removeAttribute('maxlength'); el.value = 'y'.repeat(n); }", limit + 1
    )
    await page.click("#chat-form button[type=submit]")
    await page.wait_for_selector("#chat-error:not([hidden])")
    assert await page.inner_text("#chat-error") == vi("chat_too_long", limit=limit)
    assert await page.input_value("#chat-text") == "y" * (limit + 1)
    await fits(page)
    # Empty: nothing sent, nothing said.
    await page.fill("#chat-text", "   ")
    await page.click("#chat-form button[type=submit]")
    await asyncio.sleep(0.5)
    assert await page.locator(".bubble.me").count() == 0
    await context.close()


@pytest.mark.parametrize("size", SIZES, ids=["360", "1280"])
async def test_the_placeholder_follows_the_step_and_one_switch_changes_both_languages(
    site: Site, browser: Any, size: dict[str, int]
) -> None:
    context, page = await opened(browser, site, size)
    assert await page.get_attribute("#chat-text", "placeholder") == vi("chat_placeholder")
    await page.click(".choices button:text-is('📨 Gửi yêu cầu')")
    await page.click(".choices button:text-is('Việc làm'):not([disabled])")
    await until(lambda: _placeholder(page, vi("chat_ph_description")))
    await page.click("#chat-lang button")
    await page.wait_for_selector("html[lang=en]")
    en = web_texts().get("en", "chat_ph_description")
    assert await page.get_attribute("#chat-text", "placeholder") == en, "the form goes on, in English"
    assert site.app.texts.get("en", "language_switched") in await page.inner_text("#chat-log")
    assert await page.inner_text("#chat-form button[type=submit]") == web_texts().get("en", "chat_send")
    await fits(page)
    # The bot's own /lang switches the page back.
    await page.fill("#chat-text", "/lang")
    await page.press("#chat-text", "Enter")
    await page.wait_for_selector("html[lang=vi]")
    assert await page.inner_text("#chat-form button[type=submit]") == vi("chat_send")
    await context.close()


async def _placeholder(page: Any, text: str) -> bool:
    return bool(await page.get_attribute("#chat-text", "placeholder") == text)


async def test_the_tab_title_counts_replies_while_hidden(site: Site, browser: Any) -> None:
    context, page = await opened(browser, site, {"width": 360, "height": 740})
    title = await page.title()
    (chat_id,) = await chat_ids(site.app)
    await page.evaluate(
        "() => { Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )
    await staff_says(site.app, chat_id, "Cán bộ: chào bạn", "Mai 9 giờ bạn đến nhé")
    await until(lambda: _title(page, f"(2) {title}"))
    await staff_says(site.app, chat_id, "Nhớ mang căn cước")
    await until(lambda: _title(page, f"(3) {title}"))
    await page.evaluate(
        "() => { Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )
    await until(lambda: _title(page, title))
    await staff_says(site.app, chat_id, "Đã thấy")
    await until(lambda: _bubbles(page, 5))
    assert await page.title() == title, "read as it arrives: nothing counted"
    await context.close()


async def _title(page: Any, text: str) -> bool:
    return bool(await page.title() == text)
