"""The request form, as tables of what the person does and what the bot answers."""

from __future__ import annotations

import pytest

from bot.app import App
from tests.handlers.conversation import START, Action, Contact, Press, PressRaw, Row, talk
from tests.harness import CHANNEL, FakeClock, Person


async def at_step(app: App, step: str, chat_id: str = "p1", channel: str = CHANNEL) -> Person:
    """A person who started the form and answered every step before `step` correctly."""
    person = Person(app, chat_id, channel=channel)
    await person.start()
    await person.presses("menu:request")
    steps = [
        ("category", lambda: person.presses("form:cat:employment")),
        ("description", lambda: person.says("Tôi cần tìm việc làm phụ hồ gần nhà")),
        ("commune", lambda: person.presses("form:loc:mh-an-hoa")),
        ("phone", lambda: person.says("0356 789 012")),
        ("name", lambda: person.presses("form:skip")),
        ("contact_time", lambda: person.presses("form:time:morning")),
        ("consent", lambda: person.presses("form:yes")),
    ]
    for name, action in steps:
        if name == step:
            return person
        await action()
    return person


WHOLE_FORM: list[Row] = [
    (START, "greeting"),
    (Press("menu:request"), ("form_ask_category", "#form:cat:loan")),
    ("3", "kể ngắn gọn"),  # by number: loan
    ("Em muốn vay vốn mở tiệm sửa xe", ("xã/phường nào", "Tỉnh Minh Họa")),
    # a question in the middle of the form is answered, then the step is asked again
    ("lam lai cccd o dau", ("^căn cước", "Quay lại yêu cầu", "xã/phường nào")),
    # a command in the middle: answered, and the form goes on where it was
    ("/trogiup", "Cách dùng Hòa Nhập"),
    ("/khongcolenhnay", "unknown_command"),
    # a commune typed without diacritics, under its old name, then confirmed
    ("xa cat loi", "Xã Cát Lợi cũ nay là Xã Cát Tường, Tỉnh Minh Họa, đúng không?"),
    (Press("form:yes"), "Số điện thoại"),
    # an invalid phone is refused with an example, the step asked again
    ("09abc12345", ("chưa đúng", "0912 345 678")),
    ("+84 912.345.678", "gọi bạn là gì"),
    ("Anh Ba", "form_ask_contact_time"),
    (Press("Buổi chiều"), "chỉ được gửi đến: Ngân hàng Chính sách xã hội tỉnh Minh Họa (mẫu)"),
    (Press("form:yes"), ("Kiểm tra lại", "+84 91*** *678")),
    # edit a field from the summary: the description, which changes nothing for a loan
    (Press("form:editmenu"), "form_ask_edit"),
    (Press("form:edit:description"), "kể ngắn gọn"),
    ("Em muốn vay vốn mở tiệm sửa xe máy ở chợ", ("Kiểm tra lại", "sửa xe máy ở chợ")),
    (Press("form:confirm"), ("Đã gửi yêu cầu", "Mã của bạn: YC-")),
]


async def test_the_whole_form(demo_app: App) -> None:
    person = Person(demo_app)
    await talk(person, WHOLE_FORM)
    code = person.text.split("Mã của bạn: ")[1].split()[0]
    assert code.startswith("YC-")

    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None
        assert (row.category, row.agency_code, row.locality_code, row.phone, row.name) == (
            "loan",
            "demo-nhcsxh",
            "mh-cat-tuong",
            "+84912345678",
            "Anh Ba",
        )
        assert row.contact_time == "afternoon"
        assert row.routing["rule_id"] == row.rule_id
        events = [e.type for e in await uow.requests.events(row.id)]
        assert events == ["created", "routed"]
        # the agency's notification is in the outbox, in the same transaction as the request
        outbox = await uow.outbox.pending_for_chat("agency", "demo-nhcsxh")
        assert [o.payload["request_code"] for o in outbox] == [code]

    # and the person finds it under "my requests"
    await person.presses("menu:mine")
    assert code in " ".join(person.choices)


async def test_cancel_at_any_step_keeps_nothing(demo_app: App) -> None:
    for step in ("category", "description", "commune", "phone", "name", "contact_time", "consent"):
        person = await at_step(demo_app, step, chat_id=f"cancel-{step}")
        await person.says("/huy")
        assert "Đã hủy" in person.text
        await person.presses("menu:request")
        assert "Bạn cần giúp về việc gì?" in person.text, step
    async with demo_app.uow() as uow:
        assert await uow.requests.list_rows() == []


async def test_refusing_consent_keeps_nothing(demo_app: App) -> None:
    person = await at_step(demo_app, "consent")
    await person.presses("form:no")
    assert "không lưu lại gì" in person.text
    async with demo_app.uow() as uow:
        assert await uow.requests.list_rows() == []
        conversation = await uow.conversations.get_or_create("test", "p1", "p1", demo_app.clock())
        assert conversation.state["draft"] == {}


LEAVE_FOR_THE_MENU: list[Row] = [
    ("/menu", "#menu:ask"),
    ("xin phieu lltp o dau", "^lý lịch tư pháp"),  # a question answered normally meanwhile
    (PressRaw("menu:request"), "Bạn đang gửi dở một yêu cầu. Tiếp tục?"),  # the menu button of an earlier message
    (Press("form:resume"), "Số điện thoại"),
]


async def test_menu_leaves_the_form_without_losing_the_draft(demo_app: App) -> None:
    await talk(await at_step(demo_app, "phone"), LEAVE_FOR_THE_MENU)


async def test_a_return_days_later_asks_to_continue(demo_app: App, clock: FakeClock) -> None:
    person = await at_step(demo_app, "phone")
    clock.advance(days=3)
    await talk(
        person,
        [
            ("0912345678", ("Bạn đang gửi dở một yêu cầu. Tiếp tục?", "!gọi bạn là gì")),
            (Press("form:resume"), "Số điện thoại"),
            ("0912345678", "gọi bạn là gì"),
        ],
    )


# bad input at each step: a clear message and the same step again
BAD_ANSWERS: list[tuple[str, Action, str]] = [
    ("category", "", "empty_message"),
    ("category", "x" * 5000, "form_use_buttons"),
    ("category", "😀😀😀", "form_use_buttons"),
    ("category", "99", "Không có lựa chọn số đó"),
    ("category", PressRaw("form:time:morning"), "stale_button"),
    ("category", PressRaw("form:cat:question"), "stale_button"),  # not one offered
    ("description", "", "chưa thấy nội dung"),
    ("description", "ok", "viết rõ hơn"),
    ("description", "x" * 5000, "dài quá"),
    ("description", "😀😀😀😀😀😀😀😀😀😀😀", "viết rõ hơn"),
    ("description", "99", "Không có lựa chọn số đó"),
    ("description", PressRaw("form:yes"), "stale_button"),
    ("commune", "Xã Không Có Thật Nào", "không tìm thấy xã/phường"),
    ("commune", "🏠", "không tìm thấy xã/phường"),
    ("commune", "99", "Không có lựa chọn số đó"),
    ("commune", "", "empty_message"),
    ("commune", "x" * 5000, "không tìm thấy xã/phường"),
    ("commune", PressRaw("form:loc:khong-co"), "stale_button"),
    ("commune", PressRaw("form:time:any"), "stale_button"),
    ("phone", "abc", "chưa đúng"),
    ("phone", "0123", "chưa đúng"),
    ("phone", "+1 202 555 0100", "chưa đúng"),
    ("phone", "0912 345 678 9", "chưa đúng"),
    ("phone", "", "empty_message"),
    ("phone", "9" * 5000, "chưa đúng"),
    ("phone", "📞📞📞", "chưa đúng"),
    ("phone", "99", "Không có lựa chọn số đó"),
    ("phone", PressRaw("form:loc:mh-an-hoa"), "stale_button"),
    ("name", "x" * 500, "chưa hợp lệ"),
    ("name", "12345", "chưa hợp lệ"),
    ("name", "", "empty_message"),
    ("name", "😀", "chưa hợp lệ"),
    ("name", "99", "Không có lựa chọn số đó"),
    ("name", PressRaw("form:cat:loan"), "stale_button"),
    ("contact_time", "bất cứ lúc nào đêm khuya", "chọn một trong các lựa chọn"),
    ("contact_time", "7", "Không có lựa chọn số đó"),
    ("contact_time", "", "empty_message"),
    ("contact_time", "🌙", "form_use_buttons"),
    ("contact_time", "x" * 5000, "form_use_buttons"),
    ("contact_time", PressRaw("form:time:midnight"), "stale_button"),
    ("contact_time", PressRaw("form:confirm"), "stale_button"),
    ("consent", "hmm", "chọn một trong các lựa chọn"),
    ("consent", "", "empty_message"),
    ("consent", "👍", "form_use_buttons"),
    ("consent", "3", "Không có lựa chọn số đó"),
    ("consent", PressRaw("form:skip"), "stale_button"),
    ("consent", PressRaw("form:confirm"), "stale_button"),
    ("confirm", "hmm", "form_use_buttons"),
    ("confirm", "", "empty_message"),
    ("confirm", "4", "Không có lựa chọn số đó"),
    ("confirm", PressRaw("form:yes"), "stale_button"),
    ("confirm", PressRaw("form:edit:phone"), "stale_button"),  # the edit menu was not opened
]
STEP_QUESTION = {
    "category": "form_ask_category",
    "description": "kể ngắn gọn",
    "commune": "xã/phường nào",
    "phone": "Số điện thoại",
    "name": "gọi bạn là gì",
    "contact_time": "liên hệ bạn lúc nào",
    "consent": "đồng ý gửi không",
    "confirm": "Kiểm tra lại",
}


@pytest.mark.parametrize("step", list(STEP_QUESTION))
async def test_bad_answers_repeat_the_step(demo_app: App, step: str) -> None:
    # One person per step, refused again and again: each bad answer leaves the step where it was.
    person = await at_step(demo_app, step)
    rows: list[Row] = [(does, (message, STEP_QUESTION[step])) for at, does, message in BAD_ANSWERS if at == step]
    await talk(person, rows)


# a command in the middle of each step: answered, and the form still there (its buttons still work)
COMMANDS_MID_FORM = [
    ("category", "/trogiup", "Cách dùng Hòa Nhập"),
    ("description", "/xyz", "unknown_command"),
    ("commune", "/lang", "Switched to English"),
    ("phone", "/help@HoaNhapBot", "Cách dùng Hòa Nhập"),
    ("name", "/yeucau", "mine_empty"),
    ("contact_time", "/khongco", "unknown_command"),
    ("consent", "/trogiup", "Cách dùng Hòa Nhập"),
    ("confirm", "/yeucau", "mine_empty"),
]


@pytest.mark.parametrize(("step", "command", "answer"), COMMANDS_MID_FORM)
async def test_a_command_mid_form_keeps_the_form(demo_app: App, step: str, command: str, answer: str) -> None:
    person = await at_step(demo_app, step)
    await talk(person, [(command, answer), (PressRaw("form:cancel"), "#menu:ask")])
    async with demo_app.uow() as uow:
        assert await uow.requests.list_rows() == []


async def test_shared_contact_must_be_the_senders_own(demo_app: App) -> None:
    person = await at_step(demo_app, "phone")
    await talk(
        person,
        [
            (Contact("0987654321", own=False), "chỉ nhận số điện thoại của chính bạn"),
            (Contact("84987654321", own=True), "gọi bạn là gì"),
        ],
    )


async def test_a_contact_at_another_step_is_not_needed(demo_app: App) -> None:
    person = await at_step(demo_app, "name")
    await talk(person, [(Contact("0987654321"), ("contact_not_needed", "gọi bạn là gì"))])


async def test_an_faq_answer_starts_the_form_with_its_category(demo_app: App) -> None:
    await talk(
        Person(demo_app),
        [
            (START, "greeting"),
            (Press("menu:jobs"), "#cat:loan"),
            (Press("cat:loan"), "#faq:vay-von-thu-tuc"),
            (Press("faq:vay-von-thu-tuc"), "#help:vay-von-thu-tuc"),
            (Press("help:vay-von-thu-tuc"), ("kể ngắn gọn", "!form_ask_category")),  # the category step is skipped
        ],
    )


async def test_an_faq_button_mid_form_answers_then_returns_to_the_step(demo_app: App) -> None:
    person = await at_step(demo_app, "phone")
    await talk(person, [(PressRaw("faq:vay-von-thu-tuc"), ("form_back_to_step", "Số điện thoại"))])


async def test_a_fallback_sends_the_question_itself(demo_app: App) -> None:
    person = Person(demo_app)
    await talk(
        person,
        [
            (START, "greeting"),
            ("giá xăng hôm nay", "#ask:person"),
            (Press("ask:person"), "xã/phường nào"),  # category and description come from the question
            (Press("form:loc:mh-gia-loc"), "Số điện thoại"),
            ("0912345678", "gọi bạn là gì"),
            (Press("form:skip"), "liên hệ bạn lúc nào"),
            (Press("form:time:any"), "Tổ điều phối tái hòa nhập"),
            (Press("form:yes"), "Kiểm tra lại"),
            (Press("form:confirm"), "Đã gửi yêu cầu"),
        ],
    )
    async with demo_app.uow() as uow:
        (row,) = await uow.requests.list_rows()
    assert (row.category, row.description, row.agency_code) == ("question", "giá xăng hôm nay", "demo-dieuphoi")
