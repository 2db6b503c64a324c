"""The listings in the chat at their edges: pages and "more", expired and closed listings, a listing
edited after people registered, free-text questions that name a trade or a commune, and bad input
(stale, forged and unknown button payloads, huge text)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.listings.service import close_listing, create_listing, edit_listing
from bot.storage.models import RequestRow
from tests.handlers.conversation import Press, PressRaw, Row, talk
from tests.handlers.conversation import shown as shown_text
from tests.harness import FakeClock, Person
from tests.listings.chat_helpers import code_in, registered, with_listings
from tests.listings.helpers import TODAY, typed
from tests.storage.sessions import session_of


async def requests_made(app: App) -> int:
    async with app.uow() as uow:
        return int((await session_of(uow).execute(select(func.count()).select_from(RequestRow))).scalar_one())


async def test_pages_of_five_with_more(demo_app: App) -> None:
    async with demo_app.uow() as uow:
        for n in range(7):
            await create_listing(
                uow, typed(title=f"Thợ mộc số {n}", trade="mộc", locality=""), agency_code="demo-vieclam",
                actor="test", now=demo_app.clock(), today=TODAY, publish=True,
            )  # fmt: skip
        await uow.commit()
    person = Person(demo_app)
    rows: list[Row] = [
        (PressRaw("menu:jobs"), "#lst:kind:job"),
        (Press("lst:kind:job"), ("Tìm việc làm ở đâu?", "#lst:place:job:")),
        (Press("lst:place:job:"), ("cả tỉnh", "#lst:trade:job::0:0")),
        (Press("lst:trade:job::0:0"), ("• Thợ mộc số 6", "• Thợ mộc số 2", "!Thợ mộc số 1", "#lst:trade:job::0:5")),
        (Press("Xem thêm"), ("• Thợ mộc số 1", "• Thợ mộc số 0", "!Thợ mộc số 2", "!Xem thêm")),
        ("2", ("Thợ mộc số 0", "Nhận người có tiền án", "#lst:reg:1")),  # typed: the page's second
    ]
    await talk(person, rows)


async def test_expired_listings_leave_the_bot_and_say_so(demo_app: App, clock: FakeClock) -> None:
    async with demo_app.uow() as uow:
        row = await create_listing(
            uow, typed(title="Lớp tiện ba tháng", kind="course", trade="tiện", locality="", deadline="",
                       start_date="", expires=TODAY.isoformat()),
            agency_code="demo-vieclam", actor="test", now=clock(), today=TODAY, publish=True,
        )  # fmt: skip
        await uow.commit()
    person = Person(demo_app)
    await talk(
        person, [(PressRaw("lst:place:course:"), "#lst:trade:course::0:0"), ("có lớp tiện nào không", "Lớp tiện")]
    )
    await talk(person, [(PressRaw("lst:place:course:"), "listings_ask_trade")])
    assert person.choices[0] == "tiện"
    clock.advance(days=1)  # its last day is over: gone from the trades and from free-text matches
    rows: list[Row] = [
        (PressRaw("lst:place:course:"), "listings_none"),
        (PressRaw("lst:trade:course::0:0"), "stale_button"),
        ("có lớp tiện nào không", "!Lớp tiện ba tháng"),
        # A detail opened from an old message says it is over, and offers no registration.
        (PressRaw(f"lst:show:{row.id}"), ("Lớp tiện ba tháng", "listings_expired", f"!lst:reg:{row.id}")),
        (PressRaw(f"lst:reg:{row.id}"), "listings_expired"),
    ]
    await talk(person, rows)
    assert f"lst:reg:{row.id}" not in person.choice_ids
    assert await requests_made(demo_app) == 0


async def test_a_closed_listing_says_so_and_a_form_open_meanwhile_is_not_sent(demo_app: App) -> None:
    made = await with_listings(demo_app)
    listing = made["Thợ hàn khung thép"]
    person = Person(demo_app)
    await person.start()
    await talk(person, [(PressRaw(f"lst:reg:{listing.id}"), "form_ask_commune_buttons")])
    await talk(person, [(PressRaw("form:loc:mh-gia-loc"), "form_ask_phone")])
    async with demo_app.uow() as uow:
        await close_listing(uow, listing.id, actor="test", now=demo_app.clock())
        await uow.commit()
    rows: list[Row] = [
        ("0356 789 012", "form_ask_name"),
        (Press("form:skip"), "form_ask_contact_time"),
        (Press("form:time:any"), "form_ask_consent"),
        (Press("form:yes"), "form_summary"),
        (Press("form:confirm"), ("listings_closed_meanwhile", "#menu:jobs")),
        (PressRaw(f"lst:show:{listing.id}"), ("Thợ hàn khung thép", "listings_closed", f"!lst:reg:{listing.id}")),
        (PressRaw(f"lst:reg:{listing.id}"), "listings_closed"),
    ]
    await talk(person, rows)
    assert await requests_made(demo_app) == 0


async def test_an_edited_listing_keeps_its_registrations(admin_app: App) -> None:
    made = await with_listings(admin_app)
    listing = made["Thợ hàn khung thép"]
    person = await registered(admin_app, listing.id)
    code = person.text.split("Mã của bạn: ")[1].split()[0]
    async with admin_app.uow() as uow:
        await edit_listing(
            uow, listing.id, typed(title="Thợ hàn khung thép (ca ngày)", trade="hàn", locality="mh-gia-loc"),
            actor="test", now=admin_app.clock(), today=TODAY,
        )  # fmt: skip
        await uow.commit()
    async with admin_app.uow() as uow:
        request = await uow.requests.get_row(code)
        assert request is not None and request.agency_code == "demo-vieclam"
        link = await uow.listing_people.of_request(request.id)
        assert link is not None and link.listing_id == listing.id
    from tests.admin_pages import signed_in

    async with await signed_in(admin_app, "vieclam") as staff:
        page = await staff.http.get(f"/staff/requests/{code}")
    assert "Thợ hàn khung thép (ca ngày)" in page.text
    # The same person again: told they registered already, no second request.
    await talk(person, [(PressRaw(f"lst:reg:{listing.id}"), ("listings_already_registered", code))])


@pytest.mark.parametrize(
    ("question", "shown", "not_shown"),
    [
        ("co lop hoc han nao khong", ("Lớp hàn điện cơ bản 3 tháng", "Thợ hàn khung thép"), ("Công nhân may",)),
        ("tìm việc phụ hồ ở An Hòa", ("Phụ hồ công trình nhà ở",), ("Thợ hàn",)),
        # A commune named: only its listings and the whole province's.
        ("có việc may ở Bình Minh không", ("Công nhân may", "Thợ may gia công"), ("Lớp hàn",)),
        ("tìm việc hàn ở Bình Minh", (), ("Thợ hàn khung thép", "Lớp hàn điện")),
        # Nothing named: the answer alone ("mấy" is not "may" when written with its marks).
        ("làm lại căn cước mất mấy ngày", (), ("listings_matches",)),
    ],
)
async def test_free_text_shows_matching_listings_beside_the_answer(
    demo_app: App, question: str, shown: tuple[str, ...], not_shown: tuple[str, ...]
) -> None:
    await with_listings(demo_app)
    person = Person(demo_app)
    await person.says(question)
    assert all(s in person.text for s in shown), person.text
    assert not [s for s in not_shown if shown_text(s) in person.text], person.text
    assert (shown_text("listings_matches") in person.text) == bool(shown)


FORGED = [
    "lst:show:99999",
    "lst:show:abc",
    "lst:show:-1",
    "lst:show:01",
    "lst:reg:99999",
    "lst:reuse:1:skip",
    "lst:reuse:99999:yes",
    "lst:kind:boat",
    "lst:place:boat:",
    "lst:place:job:no-such-commune",
    "lst:loc:job:no-such-commune",
    "lst:trade:job::99:0",
    "lst:trade:job::0:5000",
    "lst:trade:job:no-such-commune:0:0",
    "lst:trade:job::0",
    "lst:fu:99999:working",
    "lst:fu:1:hired",
    "lst:" + "x" * 200,
]


@pytest.mark.parametrize("payload", FORGED)
async def test_stale_and_forged_buttons_are_refused(demo_app: App, payload: str) -> None:
    await with_listings(demo_app)
    person = Person(demo_app)
    await person.start()
    await talk(person, [(PressRaw(payload), ("stale_button", "#menu:jobs"))])
    assert await requests_made(demo_app) == 0


async def test_a_draft_is_never_shown(demo_app: App) -> None:
    async with demo_app.uow() as uow:
        draft = await create_listing(
            uow, typed(title="Bản nháp"), agency_code="demo-vieclam", actor="test", now=demo_app.clock(), today=TODAY
        )
        await uow.commit()
    person = Person(demo_app)
    await talk(person, [(PressRaw(f"lst:show:{draft.id}"), ("stale_button", "!Bản nháp"))])
    await talk(person, [(PressRaw(f"lst:reg:{draft.id}"), "stale_button")])


async def test_huge_and_odd_text_where_a_commune_is_asked(demo_app: App) -> None:
    await with_listings(demo_app)
    person = Person(demo_app)
    rows: list[Row] = [
        (PressRaw("lst:place:job:?"), "listings_ask_commune_buttons"),
        ("xã " * 3000, ("listings_commune_not_found", "#lst:place:job:")),
        ("🙂🙂🙂", "listings_commune_not_found"),
        ("Kim Dien", ("Xã Kim Điền", "#lst:trade:job:mh-kim-dien:0:0")),  # the whole province's
        (PressRaw("lst:place:course:mh-kim-dien"), ("listings_none", "#lst:place:course:")),  # no course there
        ("tìm việc " + "hàn " * 2000, "too_long"),
    ]
    await talk(person, rows)


async def test_the_menu_leaves_the_commune_question(demo_app: App) -> None:
    await with_listings(demo_app)
    person = Person(demo_app)
    await talk(
        person, [(PressRaw("lst:place:job:?"), "listings_ask_commune_buttons"), (Press("menu:main"), "menu_prompt")]
    )
    # Free text is a question again, not a commune.
    await talk(person, [("vay vốn làm ăn", "!listings_commune_not_found")])


async def test_a_commune_whose_code_is_too_long_for_a_button(demo_app: App) -> None:
    code = "mh-" + "x" * 61  # as long as a code may be: it cannot travel in a button's id
    async with demo_app.uow() as uow:
        await uow.localities.upsert(code, name="Xã Dài Tên", province="Tỉnh Minh Họa", aliases=[])
        await create_listing(
            uow, typed(title="Thợ đan lát", trade="đan lát", locality=code), agency_code="demo-vieclam",
            actor="test", now=demo_app.clock(), today=TODAY, publish=True,
        )  # fmt: skip
        await uow.commit()
    person = Person(demo_app)
    rows: list[Row] = [
        # Its button cannot be made: the others are offered, and its name is typed.
        (PressRaw("lst:place:job:?"), ("listings_ask_commune_buttons", "#lst:loc:job:mh-gia-loc")),
        ("Dài Tên", ("Xã Dài Tên", "#lst:trade:job:~:0:0")),
        (Press("lst:trade:job:~:0:0"), ("• Thợ đan lát", "#lst:place:job:~")),
        (Press("Thợ đan lát"), ("📍 Nơi: Xã Dài Tên", "#lst:reg:1")),
        (PressRaw("lst:place:job:~"), ("Xã Dài Tên", "#lst:trade:job:~:0:0")),
    ]
    await talk(person, rows)
    assert all(len(c.encode()) <= 64 for c in person.choice_ids)


async def test_free_text_words_are_reloaded_and_closed_listings_never_shown(demo_app: App, clock: FakeClock) -> None:
    person = Person(demo_app)
    await person.start()  # this process reads the words to match on: no listings yet
    made = await with_listings(demo_app)
    await talk(person, [("có lớp hàn nào không", "!listings_matches")])
    clock.advance(minutes=6)  # read again: the new listings are matched
    await talk(person, [("có lớp hàn nào không", ("listings_matches", "Lớp hàn điện cơ bản 3 tháng"))])
    async with demo_app.uow() as uow:
        await close_listing(uow, made["Lớp hàn điện cơ bản 3 tháng"].id, actor="test", now=clock())
        await uow.commit()
    # Closed since the words were read: matched, read again, and left out.
    await talk(person, [("có lớp hàn nào không", ("Thợ hàn khung thép", "!Lớp hàn điện cơ bản 3 tháng"))])


async def test_interest_in_a_course_is_a_training_request(demo_app: App) -> None:
    made = await with_listings(demo_app)
    course = made["Lớp sửa xe máy"]
    code = code_in(await registered(demo_app, course.id))
    async with demo_app.uow() as uow:
        request = await uow.requests.get_row(code)
        assert request is not None
        assert (request.category, request.agency_code, request.routing["scope"]) == (
            "training",
            "demo-vieclam",
            "listing",
        )
        assert request.description.startswith("Đăng ký quan tâm: Lớp sửa xe máy")
        link = await uow.listing_people.of_request(request.id)
        assert link is not None and link.listing_id == course.id and link.outcome is None


WRONG_NUMBER: list[Row] = [
    (PressRaw("menu:jobs"), ("listings_ask_kind",)),
    (Press("Tìm việc làm"), ("Tìm việc làm ở đâu?",)),
    (Press("Cả tỉnh"), ("listings_ask_trade",)),
    (Press("may"), ("Thợ may gia công",)),
    (Press("Thợ may gia công"), ("Hợp tác xã May Mẫu (mẫu)",)),
    # a number past the detail's choices: told so, and the same choices again (not the main menu)
    ("9", ("Không có lựa chọn số đó", "choices_again", "!menu:ask")),
    ("1", ("xã/phường nào",)),  # "✋ Đăng ký quan tâm", the first of them
]


async def test_a_number_past_the_choices_of_a_listing_offers_them_again(demo_app: App) -> None:
    await with_listings(demo_app)
    person = Person(demo_app)
    await person.start()
    await talk(person, WRONG_NUMBER)
