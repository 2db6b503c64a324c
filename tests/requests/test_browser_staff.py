"""The staff workspace in a real browser: a person's request from the web chat reaches the jobs
centre's queue first, is claimed, answered and resolved, and the person reads both in their chat.
A person's markup stays text on every staff page."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect

from bot.app import App
from bot.requests import service
from handlers.domain import NewRequest
from handlers.routing import route
from tests.browser import Site, log_in, screenshot

# Polling in the chat is every 3 s; the sender and the page need a few rounds at most.
WAIT_MS = 20_000
DESCRIPTION = "Tôi cần tìm việc làm phụ hồ hoặc bốc vác gần nhà, làm được ca đêm."
REPLY = "Chào anh Minh, sáng thứ Hai anh mang CCCD đến Trung tâm, tầng 1, để được giới thiệu việc làm."


async def seed(app: App, *, category: str, locality: str, description: str, name: str, chat_id: str) -> str:
    """A request as the form files it (routed by the real rules), for a queue with more than one row."""
    async with app.uow() as uow:
        now = app.clock()
        place = await uow.localities.get(locality)
        assert place is not None
        decision = route(category, place, await uow.rules.active_rules())
        assert decision is not None
        conversation = await uow.conversations.get_or_create("web", chat_id, chat_id, now)
        code = await uow.requests.create(
            NewRequest(conversation.id, category, description, locality, "+84987654321", name, "any", now, decision),
            now,
        )
        await uow.commit()
    return code


async def press(page: Any, label: str) -> None:
    """Press a button of the chat's latest choices, as a person taps it."""
    await page.locator(".choices").last.get_by_role("button", name=label, exact=True).click()


async def type_message(page: Any, text: str) -> None:
    await page.fill("#chat-text", text)
    await page.click("#chat-form button[type=submit]")


async def bot_says(page: Any, text: str) -> None:
    await expect(page.locator(".bubble.bot").last).to_contain_text(text, timeout=WAIT_MS)


async def test_a_request_from_the_web_chat_is_answered_and_resolved_from_the_queue(site: Site, browser: Any) -> None:
    # Earlier work of the same centre, already answered (its next target is days away), and a
    # request of another agency the centre must not see.
    answered = await seed(
        site.app,
        category="training",
        locality="mh-cat-tuong",
        description="Muốn học nghề hàn",
        name="Chị Hoa",
        chat_id="s1",
    )
    async with site.app.uow() as uow:
        await service.assign(uow, answered, "vieclam2", "vieclam", site.app.clock())
        await service.reply(uow, site.app.texts, answered, "Tuần sau có lớp hàn.", "vieclam2", site.app.clock())
        await uow.commit()
    others = await seed(
        site.app, category="papers", locality="mh-an-hoa", description="Làm lại CCCD", name="Anh Tú", chat_id="s2"
    )

    person = await (await browser.new_context()).new_page()
    await person.goto(site.url("/"))
    await bot_says(person, "Hòa Nhập")
    await press(person, "📨 Gửi yêu cầu")
    await bot_says(person, "Bạn cần giúp về việc gì?")
    await press(person, "Việc làm")
    await bot_says(person, "kể ngắn gọn")
    await type_message(person, DESCRIPTION)
    await bot_says(person, "xã/phường nào")
    await press(person, "Xã An Hòa")
    await bot_says(person, "Số điện thoại")
    await type_message(person, "0356 789 012")
    await bot_says(person, "gọi bạn là gì")
    await type_message(person, "Anh Minh")
    await bot_says(person, "liên hệ bạn lúc nào")
    await press(person, "Buổi sáng")
    await bot_says(person, "Trung tâm Dịch vụ việc làm tỉnh Minh Họa (mẫu)")
    await press(person, "✅ Đồng ý")
    await bot_says(person, "Kiểm tra lại")
    await press(person, "✅ Gửi")
    await bot_says(person, "Đã gửi yêu cầu")
    sent = await person.locator(".bubble.bot").last.inner_text()
    found = re.search(r"YC-\d{6}", sent)
    assert found is not None
    code = found.group(0)

    staff = await (await browser.new_context(viewport={"width": 1360, "height": 900})).new_page()
    await log_in(staff, site, "vieclam")
    assert staff.url.endswith("/staff")
    rows = staff.locator("table.ws-queue tbody tr")
    await expect(rows.first).to_have_attribute("data-code", code)
    queued = await rows.evaluate_all("rows => rows.map(r => r.dataset.code)")
    assert queued == [code, answered] and others not in await staff.content()
    await expect(rows.first).to_contain_text("còn")
    await expect(rows.first).to_contain_text("+84 35*** *012")  # masked in the queue
    await screenshot(staff, "staff-queue")

    await rows.first.get_by_role("link", name=code).click()
    await expect(staff.locator("h1")).to_contain_text(code)
    await expect(staff.locator(".ws-description")).to_have_text(DESCRIPTION)
    await expect(staff.locator("dl.facts")).to_contain_text("0356 789 012")
    await staff.get_by_role("button", name="Tôi nhận xử lý").click()
    await expect(staff.locator("p.success")).to_have_text("Bạn đã nhận xử lý yêu cầu này.")
    await staff.fill("#reply textarea[name=text]", REPLY)
    await staff.get_by_role("button", name="Gửi trả lời").click()
    await expect(staff.locator("p.success")).to_have_text("Đã gửi trả lời.")
    await expect(staff.locator(".timeline li.reply")).to_contain_text(REPLY)
    await screenshot(staff, "staff-request")

    # The person's open chat page picks the reply up by itself.
    await expect(person.locator(".bubble.bot").filter(has_text=REPLY)).to_have_count(1, timeout=WAIT_MS)
    # Once the chat has fetched it, staff see it as received.
    await staff.reload()
    await expect(staff.locator(".timeline li.reply .ws-delivery")).to_contain_text("đã nhận", timeout=WAIT_MS)

    await staff.select_option("#status select[name=status]", "resolved")
    await staff.locator("#status").get_by_role("button", name="Cập nhật").click()
    await expect(staff.locator("p.success")).to_contain_text("Đã cập nhật trạng thái")
    await expect(staff.locator("h1 .badge")).to_have_text("Đã giải quyết")
    await expect(
        person.locator(".bubble.bot").filter(has_text=f"Yêu cầu {code} của bạn: Đã giải quyết.")
    ).to_have_count(1, timeout=WAIT_MS)


async def test_a_persons_markup_stays_text_on_staff_pages(site: Site, browser: Any) -> None:
    hostile = "<script>alert(1)</script><b>bold</b>"
    code = await seed(
        site.app, category="employment", locality="mh-an-hoa", description=hostile, name="<i>Minh</i>", chat_id="x1"
    )
    async with site.app.uow() as uow:
        await uow.requests.add_event(code, "person_message", site.app.clock(), actor="person", data={"text": hostile})
        await uow.commit()
    page = await (await browser.new_context()).new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await log_in(page, site, "vieclam")

    description = page.locator(f"tr[data-code='{code}'] td.ws-desc")
    await expect(description).to_have_text(hostile)
    assert await description.locator("b, script").count() == 0
    await expect(page.locator(f"tr[data-code='{code}'] td.ws-person")).to_contain_text("<i>Minh</i>")

    await page.goto(site.url(f"/staff/requests/{code}"))
    await expect(page.locator(".ws-description")).to_have_text(hostile)
    assert await page.locator(".ws-description b, .ws-description script").count() == 0
    added = page.locator(".timeline li.person .text")
    await expect(added).to_have_text(hostile)
    assert await page.locator(".timeline b, main i").count() == 0
    assert "<script>alert(1)</script>" in await page.locator("main").inner_text()
    assert dialogs == []
