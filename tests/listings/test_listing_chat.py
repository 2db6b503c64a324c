"""Jobs and courses in the chat, as tables on every channel's own renderer: browse by commune and
trade, a page, a listing's detail, registering interest (the request form's consent and contact
steps, last time's contact reused when the person agrees), and the request that makes: routed to
the listing's agency, the listing linked, shown on the staff request page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.models import ListingPersonRow, RequestRow
from tests.admin_pages import signed_in
from tests.harness import FakeClock
from tests.listings.chat_helpers import OTHER_AGENCY, with_listings
from tests.listings.readers import CHANNELS, Press, Row, reader
from tests.storage.sessions import session_of

BROWSE: list[Row] = [
    ("/start", ("💼 Việc làm, học nghề",)),
    (Press("Việc làm, học nghề"), ("việc làm hay lớp học nghề", "Tìm việc làm", "Tìm lớp học nghề", "Vay vốn")),
    (Press("Tìm việc làm"), ("Tìm việc làm ở đâu?", "Chọn xã/phường của tôi", "Cả tỉnh")),
    (Press("Chọn xã/phường của tôi"), ("Bạn ở xã/phường nào?", "Xã Gia Lộc")),
    # Typed without marks; only trades with open jobs there (or in the whole province) are offered.
    ("gia loc", ("Có tin việc làm đang mở ở Xã Gia Lộc", "hàn", "may", "!xây dựng")),
    (Press("may"), ("Việc làm, ngành may, ở Xã Gia Lộc:", "Công nhân may", "Thợ may gia công", "cả tỉnh")),
    (Press("Thợ may gia công"), ("Hợp tác xã May Mẫu (mẫu)", "📍 Nơi: cả tỉnh", "✋ Đăng ký quan tâm")),
    # The form knows the listing, its commune (remembered) and what it is about: it asks for the phone.
    (Press("Đăng ký quan tâm"), ("Số điện thoại để cán bộ gọi lại",)),
    ("0356 789 012", ("Bạn muốn cán bộ gọi bạn là gì?",)),
    ("Anh Tư", ("Cán bộ nên liên hệ bạn lúc nào?",)),
    (Press("Buổi sáng"), ("chỉ được gửi đến: UBND xã/phường tỉnh Minh Họa (mẫu)",)),
    (Press("Đồng ý"), ("Đăng ký quan tâm: Thợ may gia công", "Xã Gia Lộc", "Gửi đến: UBND xã/phường")),
    (Press("Gửi"), ("Đã gửi yêu cầu", "UBND xã/phường tỉnh Minh Họa (mẫu)")),
]

AGAIN: list[Row] = [
    # The commune is remembered, and changeable.
    (Press("Menu"), ("Việc làm, học nghề",)),
    (Press("Việc làm, học nghề"), ("Tìm việc làm",)),
    (Press("Tìm việc làm"), ("📍 Xã Gia Lộc", "Chọn xã/phường khác", "Cả tỉnh")),
    (Press("Xã Gia Lộc"), ("hàn", "may")),
    (Press("may"), ("Công nhân may",)),
    (Press("Thợ may gia công"), ("✋ Đăng ký quan tâm",)),
    (Press("Đăng ký quan tâm"), ("Bạn đã đăng ký tin này rồi",)),
    (Press("Menu"), ("Việc làm, học nghề",)),
    (Press("Việc làm, học nghề"), ("Tìm việc làm",)),
    (Press("Tìm việc làm"), ("Xã Gia Lộc",)),
    (Press("Xã Gia Lộc"), ("may",)),
    (Press("may"), ("Công nhân may",)),
    (Press("Công nhân may"), ("Xưởng may Đông Xuân (mẫu)", "✋ Đăng ký quan tâm")),
    # Last time's phone and name, offered again (masked); used only if the person says so.
    (Press("Đăng ký quan tâm"), ("lần trước bạn cho số +84 35*** *012, tên Anh Tư", "Dùng lại", "Nhập lại")),
    (Press("Dùng lại"), ("chỉ được gửi đến: Trung tâm Dịch vụ việc làm",)),
    (Press("Đồng ý"), ("Đăng ký quan tâm: Công nhân may", "Anh Tư", "Buổi sáng")),
    (Press("Gửi"), ("Đã gửi yêu cầu", "Trung tâm Dịch vụ việc làm tỉnh Minh Họa (mẫu)")),
]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_browse_and_register_on_every_channel(admin_app: App, clock: FakeClock, channel: str) -> None:
    made = await with_listings(admin_app)
    person = reader(admin_app, channel, clock=clock)
    await person.talk(BROWSE)
    await person.talk(AGAIN)
    async with admin_app.uow() as uow:
        registrations = (await session_of(uow).scalars(select(ListingPersonRow))).all()
        requests = {r.id: r for r in (await session_of(uow).scalars(select(RequestRow))).all()}
    by_listing = {reg.listing_id: requests[reg.request_id] for reg in registrations}
    sewing, factory = by_listing[made["Thợ may gia công"].id], by_listing[made["Công nhân may"].id]
    assert (sewing.agency_code, sewing.category, sewing.locality_code) == (OTHER_AGENCY, "employment", "mh-gia-loc")
    assert sewing.routing["scope"] == "listing" and sewing.phone == "+84356789012" and sewing.name == "Anh Tư"
    assert (factory.agency_code, factory.phone, factory.contact_time) == ("demo-vieclam", "+84356789012", "morning")
    # The staff of the listing's agency see the listing on the request's page.
    async with await signed_in(admin_app, "vieclam") as staff:
        page = await staff.http.get(f"/staff/requests/{factory.code}")
    assert (
        page.status_code == 200
        and "Công nhân may" in page.text
        and f"/staff/listings/{made['Công nhân may'].id}" in page.text
    )
