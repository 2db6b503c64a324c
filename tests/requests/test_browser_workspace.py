"""The workspace keeps up, in a real browser (Debian Chromium): the queue refreshes itself when the
person answers (the unread marker, the bell, the count in the tab's title), rows picked and assigned
at once, a canned reply picked, filled in and sent with Ctrl+Enter, and on a phone the filters folded
so the first request shows on the first screen; at 360 and at 1280 px wide, with nothing sticking out
sideways."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from bot.requests import service
from handlers.messages import TEXT, IncomingMessage
from tests.browser import Site, log_in, screenshot
from tests.requests.test_browser_staff import seed
from tests.web.test_browser_fit import SIZES, overflow

WAIT_MS = 15_000
# The queue's round, quickened for the test (30 s in use).
QUICK_REFRESH = "window.HOANHAP_REFRESH_MS = 600;"


async def fits(page: Any, what: str) -> None:
    width, inner = await overflow(page)
    assert width <= inner, f"{what}: {width} px wide at {inner} px"


async def test_the_queue_marks_the_persons_answer_by_itself(site: Site, browser: Any) -> None:
    app = site.app
    code = await seed(
        app, category="employment", locality="mh-an-hoa", description="Tìm việc phụ hồ", name="Anh Minh", chat_id="u1"
    )
    async with app.uow() as uow:
        await service.reply(uow, app.texts, code, "Mời anh đến trụ sở sáng thứ Hai.", "vieclam", app.clock())
        await uow.commit()
    context = await browser.new_context(viewport=SIZES[1])
    await context.add_init_script(QUICK_REFRESH)
    page = await context.new_page()
    await log_in(page, site, "vieclam2")
    row = page.locator(f"tr[data-code='{code}']")
    await expect(row).to_be_visible()
    assert await row.get_attribute("data-unread") is None
    assert (await page.title()).startswith("Hàng chờ yêu cầu")

    await app.processor.process(IncomingMessage("web", "u1", "u1", kind=TEXT, text="Dạ em cảm ơn, mai 9h em đến"))
    # No reload: the page's own round brings the marker, the bell and the count in the title.
    await expect(row).to_have_attribute("data-unread", "", timeout=WAIT_MS)
    await expect(row.locator(".unread-mark")).to_have_text("Tin mới")
    await expect(page.locator("#ws-bar .badge.count")).to_have_text("1")
    await expect(page).to_have_title("(1) Hàng chờ yêu cầu · Hòa Nhập")
    for size in SIZES:
        await page.set_viewport_size(size)
        await fits(page, f"the queue at {size['width']}")
    await page.set_viewport_size(SIZES[0])
    await screenshot(page, "phone-staff-queue-unread")

    await row.get_by_role("link", name=code).click()
    await expect(page.locator(".timeline li.person.unread")).to_contain_text(
        "Dạ em cảm ơn, mai 9h em đến", timeout=WAIT_MS
    )
    await fits(page, "the request at 360")
    await page.goto(site.url("/staff"))
    assert await page.locator(f"tr[data-code='{code}']").get_attribute("data-unread") is None
    await expect(page.locator("#ws-bar .badge.count")).to_have_text("0")
    # still waiting for an answer: the title keeps counting it
    await expect(page).to_have_title("(1) Hàng chờ yêu cầu · Hòa Nhập")


async def test_picked_rows_are_assigned_at_once(site: Site, browser: Any) -> None:
    app = site.app
    codes = [
        await seed(
            app,
            category="employment",
            locality="mh-an-hoa",
            description=f"Việc {i}",
            name=f"Người {i}",
            chat_id=f"b{i}",
        )
        for i in range(3)
    ]
    for size in SIZES:
        page = await (await browser.new_context(viewport=size)).new_page()
        await log_in(page, site, "vieclam")
        await expect(page.locator("#pick-all")).to_be_visible()
        await page.locator("#pick-all").check()
        await expect(page.locator("#bulk-count")).to_have_text("3")
        await page.locator("#pick-all").uncheck()
        await page.get_by_label(f"Chọn {codes[0]}").check()
        await page.get_by_label(f"Chọn {codes[2]}").check()
        await expect(page.locator("#bulk-count")).to_have_text("2")
        await fits(page, f"the queue with rows picked at {size['width']}")
        await page.select_option("#bulk select[name=action]", "assign")
        assignee = "vieclam2" if size is SIZES[0] else ""
        await page.select_option("#bulk select[name=assignee]", assignee)
        await page.locator("#bulk").get_by_role("button", name="Áp dụng").click()
        await expect(page.locator("#bulk-result")).to_contain_text(
            "Xong: 2 yêu cầu đã đổi, 0 không cần đổi, 0 không làm được"
        )
        await fits(page, f"the result at {size['width']}")
        for code in (codes[0], codes[2]):
            cell = page.locator(f"tr[data-code='{code}'] td[data-label='Người xử lý']")
            await expect(cell).to_have_text("vieclam2" if assignee else "Chưa ai")
        await page.context.close()
    async with app.uow() as uow:
        row = await uow.requests.get_row(codes[1])
        assert row is not None and row.assignee is None


async def test_a_canned_reply_is_filled_in_and_sent_with_ctrl_enter(site: Site, browser: Any) -> None:
    app = site.app
    code = await seed(
        app, category="employment", locality="mh-an-hoa", description="Tìm việc", name="Chị Hoa", chat_id="c1"
    )
    admin = await (await browser.new_context(viewport=SIZES[1])).new_page()
    await log_in(admin, site, "admin")
    await admin.goto(site.url("/admin/canned-replies"))
    await admin.select_option("#add select[name=agency]", "demo-vieclam")
    await admin.fill("#add input[name=title]", "Hẹn gặp")
    await admin.fill("#add textarea[name=body]", "Chào {name}, mời chị mang giấy tờ đến trụ sở (mã {code}).")
    await admin.locator("#add").get_by_role("button", name="Thêm").click()
    await expect(admin.locator("table.cr-list")).to_contain_text("Hẹn gặp")
    await fits(admin, "the canned replies page at 1280")
    await admin.context.close()

    for size in SIZES:
        page = await (await browser.new_context(viewport=size)).new_page()
        await log_in(page, site, "vieclam")
        await page.goto(site.url(f"/staff/requests/{code}"))
        await expect(page.locator("#canned-fill")).to_be_hidden()
        await page.select_option("#canned", label="Hẹn gặp")
        box = page.locator("#reply-text")
        await expect(box).to_have_value(f"Chào Chị Hoa, mời chị mang giấy tờ đến trụ sở (mã {code}).")
        await fits(page, f"the request at {size['width']}")
        if size is SIZES[0]:
            await box.press("Control+Enter")
            await expect(page.locator("p.success")).to_have_text("Đã gửi trả lời.")
            await expect(page.locator(".timeline li.reply")).to_contain_text("mời chị mang giấy tờ đến trụ sở")
            await screenshot(page, "phone-staff-canned-reply")
        else:
            await page.get_by_role("button", name="Trả lời và đóng").click()
            await expect(page.locator("p.success")).to_have_text("Đã gửi trả lời và đánh dấu đã giải quyết.")
            await expect(page.locator("h1 .badge")).to_have_text("Đã giải quyết")
        await page.context.close()


async def test_on_a_phone_the_first_request_shows_on_the_first_screen(site: Site, browser: Any) -> None:
    app = site.app
    code = await seed(
        app, category="employment", locality="mh-an-hoa", description="Tìm việc", name="Anh Tư", chat_id="f1"
    )
    phone = await (await browser.new_context(viewport=SIZES[0])).new_page()
    await log_in(phone, site, "vieclam")
    await phone.goto(site.url("/staff?category=employment"))
    tools = phone.locator("#queue-tools")
    # Folded, saying which filters are in force; the bulk actions wait for a picked row.
    await expect(tools.locator("summary")).to_have_text("Bộ lọc: Đang mở · Việc làm")
    await expect(tools.locator("select[name=status]")).to_be_hidden()
    await expect(phone.locator("#bulk-actions")).to_be_hidden()
    card = phone.locator(f"tr[data-code='{code}']")
    top = await card.evaluate("row => row.getBoundingClientRect().top")
    assert top < SIZES[0]["height"], f"the first request starts {top} px down a {SIZES[0]['height']} px screen"
    await phone.get_by_label(f"Chọn {code}").check()
    await expect(phone.locator("#bulk select[name=action]")).to_be_visible()
    await tools.locator("summary").click()
    await expect(tools.locator("select[name=status]")).to_be_visible()
    await fits(phone, "the queue with its filters open at 360")
    await phone.context.close()

    wide = await (await browser.new_context(viewport=SIZES[1])).new_page()
    await log_in(wide, site, "vieclam")
    await expect(wide.locator("#queue-tools select[name=status]")).to_be_visible()
    await expect(wide.locator("#queue-tools input[name=name]")).to_be_visible()  # saving a filter
    await wide.context.close()
