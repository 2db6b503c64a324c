"""In a real browser: an admin asks the routing tester, adds a more specific rule, the tester follows
it, and a person's next request from the web chat lands with the new agency."""

from __future__ import annotations

import re
from typing import Any

from bot.storage.models import RequestRow
from tests.browser import Site, log_in, screenshot

BEFORE, AFTER = "demo-vieclam", "demo-dieuphoi"
AFTER_NAME = "Tổ điều phối tái hòa nhập tỉnh Minh Họa (mẫu)"


async def ask_tester(page: Any, commune: str) -> str:
    await page.select_option("#tester-category", "employment")
    await page.fill("#tester-commune", commune)
    await page.click("#tester-submit")
    await page.wait_for_selector("#tester-result .ref-verdict-agency")
    agency: str = await page.get_attribute("#tester-result .ref-verdict-agency", "data-agency")
    return agency


async def bot_says(chat: Any, text: str) -> None:
    await chat.locator(".bubble.bot", has_text=text).last.wait_for()


async def press(chat: Any, label: str, then: str) -> None:
    await chat.locator(".choices button:not([disabled])", has_text=label).last.click()
    await bot_says(chat, then)


async def type_in(chat: Any, text: str, then: str) -> None:
    await chat.fill("#chat-text", text)
    await chat.click("#chat-form button[type=submit]")
    await bot_says(chat, then)


async def test_a_rule_change_is_followed_by_the_tester_and_the_next_request(site: Site, browser: Any) -> None:
    admin = await (await browser.new_context(locale="vi-VN")).new_page()
    await log_in(admin, site, "admin")
    await admin.goto(site.url("/admin/rules"))
    assert await ask_tester(admin, "Xã An Hòa") == BEFORE

    form = admin.locator("#rule-add")
    await form.locator("select[name=category]").select_option("employment")
    await form.locator("select[name=locality_code]").select_option("mh-an-hoa")
    await form.locator("select[name=agency_code]").select_option(AFTER)
    await form.locator("input[name=note]").fill("Xã An Hòa: tổ điều phối nhận việc làm")
    await form.locator("button[type=submit]").click()
    await admin.wait_for_url(re.compile(r"/admin/rules\?saved=1"))
    assert await admin.locator("tr", has_text="Xã An Hòa: tổ điều phối").count() == 1

    assert await ask_tester(admin, "xa an hoa") == AFTER
    assert AFTER_NAME in await admin.inner_text("#tester-result")
    await screenshot(admin, "admin-rules")

    chat = await (await browser.new_context(locale="vi-VN")).new_page()
    await chat.goto(site.url("/"))
    await bot_says(chat, "Xin chào")
    await press(chat, "Gửi yêu cầu", "Bạn cần giúp về việc gì?")
    await press(chat, "Việc làm", "kể ngắn gọn")
    await type_in(chat, "Tôi cần tìm việc làm phụ hồ gần nhà", "xã/phường nào")
    await press(chat, "Xã An Hòa", "Số điện thoại")
    await type_in(chat, "0356 789 012", "gọi bạn là gì")
    await press(chat, "Bỏ qua", "liên hệ bạn lúc nào")
    await press(chat, "Buổi sáng", f"chỉ được gửi đến: {AFTER_NAME}")
    await press(chat, "✅ Đồng ý", "Kiểm tra lại")
    await press(chat, "✅ Gửi", "Mã của bạn")
    sent = await chat.locator(".bubble.bot", has_text="Mã của bạn").last.inner_text()
    found = re.search(r"YC-\d+", sent)
    assert found, sent

    async with site.app.uow() as uow:
        row = await uow.requests.get_row(found.group(0))
        assert isinstance(row, RequestRow)
        assert row.agency_code == AFTER and row.locality_code == "mh-an-hoa" and row.category == "employment"
