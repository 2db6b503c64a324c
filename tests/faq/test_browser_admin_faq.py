"""The FAQ editor and the unanswered inbox in a real browser, checked against the web chat a person uses."""

from __future__ import annotations

from typing import Any

from bot import faq
from handlers.messages import TEXT, IncomingMessage
from tests.browser import Site, log_in, screenshot

SLUG = "can-cuoc"
QUESTION = "lam cccd o dau"
NEW_ANSWER = "Bạn làm căn cước ở Công an xã/phường nơi cư trú (bản sửa thử nghiệm)."
# Falls back with the shipped content; the test box's suggestion for it is the learning entry.
UNANSWERED = "hoc nghe cat toc o dau re"
UNANSWERED_SLUG = "hoc-nghe-dang-ky"
SEEDED = (
    "lam the atm o dau",
    "làm thẻ ATM ở đâu",
    "gia xang hom nay",
    "giá xăng hôm nay bao nhiêu",
    "so em 0987 654 321 ai goi lai giup em ve the atm",
)


async def ask(browser: Any, site: Site, question: str) -> str:
    """A person in a browser of their own asks in the web chat; what the bot said after it."""
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(site.url("/"))
        await page.wait_for_selector(".bubble.bot")  # the greeting: the chat is ready
        await page.fill("#chat-text", question)
        await page.click("#chat-form button[type=submit]")
        await page.wait_for_selector(".bubble.me ~ .bubble.bot")
        found: str = await page.eval_on_selector_all(
            ".bubble.me ~ .bubble.bot", "els => els.map(e => e.textContent).join('\\n')"
        )
        return found
    finally:
        await context.close()


async def answer_of(site: Site, slug: str) -> str:
    async with site.app.uow() as uow:
        row = await faq.entry_row(uow, slug)
        assert row is not None
        return row.answer


async def test_admin_edits_publishes_and_restores_an_answer(site: Site, browser: Any) -> None:
    old = await answer_of(site, SLUG)
    assert old.splitlines()[0] in await ask(browser, site, QUESTION)

    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await log_in(page, site, "admin")
    await page.goto(site.url("/admin/faq?q=cccd"))
    await page.click(f"a[href='/admin/faq/{SLUG}']")
    await page.wait_for_selector("#af-answer")
    await page.fill("#af-answer", NEW_ANSWER)
    # The phone preview follows what is typed.
    assert await page.inner_text("#af-preview-answer") == NEW_ANSWER
    await page.select_option("#af-status", "published")
    await page.click("#af-save")
    await page.wait_for_selector(".success")

    assert NEW_ANSWER in await ask(browser, site, QUESTION)

    await page.fill("#af-test input[name=q]", QUESTION)
    await page.click("#af-test button[type=submit]")
    await page.wait_for_selector("#af-test .af-result")
    assert await page.get_attribute("#af-test .af-result [data-decision]", "data-decision") == "answer"
    await screenshot(page, "admin-faq-editor")

    await page.click(f"a[href='/admin/faq/{SLUG}/history']")
    await page.wait_for_selector(".af-version")
    assert NEW_ANSWER in await page.inner_text("#v2")
    await page.click("button.af-restore[data-version='1']")
    await page.wait_for_selector(".success")
    assert await page.input_value("#af-answer") == old

    assert old.splitlines()[0] in await ask(browser, site, QUESTION)
    await context.close()


async def test_an_unanswered_question_becomes_a_phrasing_and_is_answered(site: Site, browser: Any) -> None:
    fallback = site.app.texts.get("vi", "fallback").splitlines()[0]
    assert fallback in await ask(browser, site, UNANSWERED)
    # Others asked too (straight through the pipeline, as any channel would), so the inbox has groups.
    for number, question in enumerate(SEEDED):
        chat = f"seed-{number}"
        await site.app.processor.process(IncomingMessage("web", chat, chat, kind=TEXT, text=question))

    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await log_in(page, site, "admin")
    await page.goto(site.url("/admin/unanswered"))
    group = page.locator("section.af-group", has=page.locator("h2", has_text=UNANSWERED))
    await group.wait_for()
    # The test box's best entry is chosen already; nobody's identity or phone number is shown.
    assert await group.locator("select[name=slug]").input_value() == UNANSWERED_SLUG
    inbox = await page.inner_text("main")
    assert "0987 654 321" not in inbox and "[…]" in inbox
    await screenshot(page, "admin-unanswered")

    await group.locator("button[type=submit].primary").click()
    await page.wait_for_selector(".success")
    assert await page.locator("section.af-group", has=page.locator("h2", has_text=UNANSWERED)).count() == 0
    await context.close()

    expected = (await answer_of(site, UNANSWERED_SLUG)).splitlines()[0]
    assert expected in await ask(browser, site, UNANSWERED)
