"""The listings chat end to end on Telegram, against the fake Bot API server (polling and webhook):
browsing to a job and registering interest through the request form, the request that makes
(employment, the listing's agency, the listing linked, shown on the staff page), and an alert's
notice sent by the real sender with its stop button, after which the next listing is not sent."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.storage.models import ListingPersonRow, OutboxRow, RequestRow
from tests.admin_pages import signed_in
from tests.channels.test_telegram import Running, running
from tests.listings.e2e_helpers import (
    AGENCY,
    STAFF,
    STAFF_PASSWORD,
    TelegramPerson,
    ZaloPerson,
    ZaloRunning,
    buttons,
    published,
    staff_of_agency,
    zalo,
)
from tests.storage.sessions import session_of

__all__ = ["running", "zalo"]

TITLE = "Thợ may gia công"


async def test_browse_a_job_and_register_interest_on_telegram(running: Running) -> None:
    r = running
    listing = await published(r.app, title=TITLE)
    await staff_of_agency(r.app)
    person = TelegramPerson(r, 5101, "Tư")

    greeting = await person.says("/start", "Xin chào")
    assert any(label == "💼 Việc làm, học nghề" for label, _ in buttons(greeting))
    kinds = await person.presses("Việc làm, học nghề", "việc làm hay lớp học nghề")
    assert {"Tìm việc làm", "Tìm lớp học nghề"} <= {label.split(" ", 1)[-1] for label, _ in buttons(kinds)}
    await person.presses("Tìm việc làm", "Tìm việc làm ở đâu?")
    trades = await person.presses("Cả tỉnh", "Chọn ngành nghề")
    assert [label for label, _ in buttons(trades) if label == "may"], buttons(trades)
    page = await person.presses("may", TITLE)
    assert any(TITLE in label for label, _ in buttons(page))
    detail = await person.presses(TITLE, "HTX May Mẫu (mẫu)")
    assert "📍 Nơi: cả tỉnh" in detail["text"] and any(label == "✋ Đăng ký quan tâm" for label, _ in buttons(detail))
    await person.presses("Đăng ký quan tâm", "xã/phường nào")
    phone = await person.presses("Xã An Hòa", "Số điện thoại")
    assert phone["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    await person.shares_phone("+84356789012", "gọi bạn là gì")
    await person.says("Anh Tư", "lúc nào")
    await person.presses("Buổi sáng", "chỉ được gửi đến: UBND xã/phường")
    summary = await person.presses("Đồng ý", f"Đăng ký quan tâm: {TITLE}")
    assert "Anh Tư" in summary["text"] and "Gửi đến: UBND xã/phường" in summary["text"]
    sent = await person.presses("Gửi", "Đã gửi yêu cầu")
    code = sent["text"].split("Mã của bạn: ")[1].split()[0]

    # every press answered, and the pressed message's keyboard taken away
    answered = r.fake.calls_of("answerCallbackQuery")
    assert len(answered) >= len(person.pressed)
    assert person.keyboards_left() == []
    async with r.app.uow() as uow:
        request = await uow.requests.get_row(code)
        assert request is not None
        assert (request.category, request.agency_code, request.phone) == ("employment", AGENCY, "+84356789012")
        assert request.routing["scope"] == "listing" and request.name == "Anh Tư"
        registration = await uow.listing_people.of_request(request.id)
        assert registration is not None and registration.listing_id == listing
        assert [p.request_id for p in await uow.listing_people.of_listing(listing)] == [request.id]
    async with await signed_in(r.app, STAFF, STAFF_PASSWORD) as staff:
        staff_page = await staff.http.get(f"/staff/requests/{code}")
    assert staff_page.status_code == 200, staff_page.text
    assert TITLE in staff_page.text and f"/staff/listings/{listing}" in staff_page.text

    # pressing "Đăng ký quan tâm" on the same detail again: already registered, no second request
    await person.presses("Menu", "Bạn cần gì")
    await person.presses("Việc làm, học nghề", "việc làm hay lớp học nghề")
    await person.presses("Tìm việc làm", "Tìm việc làm ở đâu?")
    await person.presses("Cả tỉnh", "Chọn ngành nghề")
    await person.presses("may", TITLE)
    await person.presses(TITLE, "HTX May Mẫu (mẫu)")
    await person.presses("Đăng ký quan tâm", "Bạn đã đăng ký tin này rồi")
    async with r.app.uow() as uow:
        assert len((await session_of(uow).scalars(select(RequestRow))).all()) == 1
        assert len((await session_of(uow).scalars(select(ListingPersonRow))).all()) == 1


async def test_an_alert_notice_with_its_stop_button(running: Running) -> None:
    r = running
    await published(r.app, title="Thợ may mẫu đầu tiên")  # an open trade to choose from
    leaving, staying = TelegramPerson(r, 5201, "Hai"), TelegramPerson(r, 5202, "Ba")
    for person in (leaving, staying):
        await person.says("/baoviec", "Bạn muốn nhận tin gì?")
        await person.presses("Việc làm", "Ở đâu?")
        await person.presses("Cả tỉnh", "Nghề nào?")
        await person.presses("Nghề nào cũng được", "Đồng ý nhé?")
        await person.presses("Đồng ý", "🔔 Đã đăng ký")

    await published(r.app, title="Thợ may ca đêm")
    notice = await leaving.r.fake.wait_for_text(leaving.chat_id, "Việc làm mới: Thợ may ca đêm", timeout=30)
    assert "HTX May Mẫu (mẫu)" in notice["text"] and "/huydangky" in notice["text"]
    assert [label for label, _ in buttons(notice)] == ["🔕 Hủy nhận tin"]
    assert buttons(notice)[0][1].startswith("alert:stop:")
    await r.fake.wait_for_text(staying.chat_id, "Việc làm mới: Thợ may ca đêm", timeout=30)
    await leaving.presses("Hủy nhận tin", "Đã hủy đăng ký này")
    # the stop button again (an old notice pressed twice): already gone, nothing else changes
    await leaving.says("/huydangky", "chưa đăng ký nhận tin")

    await published(r.app, title="Thợ may ca ngày")
    await r.fake.wait_for_text(staying.chat_id, "Việc làm mới: Thợ may ca ngày", timeout=30)
    assert not [t for t in r.fake.texts(leaving.chat_id) if "Thợ may ca ngày" in t]
    async with r.app.uow() as uow:
        rows = (await session_of(uow).scalars(select(OutboxRow).where(OutboxRow.chat_id == str(leaving.chat_id)))).all()
    assert not [row for row in rows if "Thợ may ca ngày" in str(row.payload)]


async def test_browse_a_job_and_register_interest_on_zalo(zalo: ZaloRunning) -> None:
    listing = await published(zalo.app, title=TITLE)
    person = ZaloPerson(zalo, "zalo-lst-1", "Tư")
    # Zalo has no buttons: every step's choices come as a numbered list, chosen by typing the number
    menu = await person.says("/start", "Xin chào")
    assert re.search(r"^\s+\d+\. 💼 Việc làm, học nghề$", menu, re.M), menu
    kinds = await person.chooses("Việc làm, học nghề", "việc làm hay lớp học nghề")
    assert "Tìm việc làm" in kinds and "Tìm lớp học nghề" in kinds
    await person.chooses("Tìm việc làm", "Tìm việc làm ở đâu?")
    trades = await person.chooses("Cả tỉnh", "Chọn ngành nghề")
    assert re.search(r"^\s+\d+\. may$", trades, re.M), trades
    await person.chooses("may", TITLE)
    detail = await person.chooses(TITLE, "HTX May Mẫu (mẫu)")
    assert "📍 Nơi: cả tỉnh" in detail and "✋ Đăng ký quan tâm" in detail
    # a number that is no choice shown: asked again, nothing chosen
    # a number that is no choice shown: told so, and the same three choices offered again
    again = await person.says("9", "Các lựa chọn vẫn là")
    assert "từ 1 đến 3" in again and "✋ Đăng ký quan tâm" in again.split("Các lựa chọn vẫn là")[1], again
    await person.chooses("Đăng ký quan tâm", "xã/phường nào")
    await person.says("xa an hoa", "Số điện thoại")
    await person.says("0356 789 012", "gọi bạn là gì")
    await person.says("Bỏ qua", "lúc nào")
    await person.chooses("Buổi sáng", "chỉ được gửi đến: UBND xã/phường")
    summary = await person.chooses("Đồng ý", f"Đăng ký quan tâm: {TITLE}")
    assert "Gửi đến: UBND xã/phường" in summary
    sent = await person.chooses("Gửi", "Đã gửi yêu cầu")
    code = sent.split("Mã của bạn: ")[1].split()[0]
    async with zalo.app.uow() as uow:
        request = await uow.requests.get_row(code)
        assert request is not None
        assert (request.category, request.agency_code, request.phone) == ("employment", AGENCY, "+84356789012")
        registration = await uow.listing_people.of_request(request.id)
        assert registration is not None and registration.listing_id == listing
        conversation = await uow.conversations.get(request.conversation_id)
        assert conversation is not None and conversation.channel == "zalo"
