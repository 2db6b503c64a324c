"""The request form, as tables of what the person does and what the bot answers."""

from __future__ import annotations

import pytest

from bot.app import App
from tests.harness import FakeClock, Person


async def at_step(app: App, step: str, chat_id: str = "p1") -> Person:
    """A person who started the form and answered every step before `step` correctly."""
    person = Person(app, chat_id)
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


async def test_the_whole_form(demo_app: App) -> None:
    person = Person(demo_app)
    await person.start()
    await person.presses("menu:request")
    assert "Bạn cần giúp về việc gì?" in person.text
    assert "form:cat:loan" in person.choice_ids

    await person.says("3")  # by number: loan
    assert "kể ngắn gọn" in person.text

    await person.says("Em muốn vay vốn mở tiệm sửa xe")
    assert "xã/phường nào" in person.text and "Tỉnh Minh Họa" in person.text

    # a question in the middle of the form is answered, then the step is asked again
    await person.says("lam lai cccd o dau")
    assert "căn cước" in person.replies[0].text.lower()
    assert "Quay lại yêu cầu" in person.text and "xã/phường nào" in person.text

    # a commune typed without diacritics, under its old name, then confirmed
    await person.says("xa cat loi")
    assert "Có phải Xã Cát Tường, Tỉnh Minh Họa không?" in person.text
    await person.presses("form:yes")
    assert "Số điện thoại" in person.text

    # an invalid phone is refused with an example, the step asked again
    await person.says("09abc12345")
    assert "chưa đúng" in person.text and "0912 345 678" in person.text
    await person.says("+84 912.345.678")
    assert "gọi bạn là gì" in person.text

    await person.says("Anh Ba")
    await person.presses("Buổi chiều")
    assert "chỉ được gửi đến: Ngân hàng Chính sách xã hội tỉnh Minh Họa (mẫu)" in person.text
    await person.presses("form:yes")
    assert "Kiểm tra lại" in person.text and "+84 91*** *678" in person.text

    # edit a field from the summary: the commune, which changes nothing for a loan
    await person.presses("form:editmenu")
    await person.presses("form:edit:description")
    await person.says("Em muốn vay vốn mở tiệm sửa xe máy ở chợ")
    assert "Kiểm tra lại" in person.text and "sửa xe máy ở chợ" in person.text

    await person.presses("form:confirm")
    assert "Đã gửi yêu cầu" in person.text
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


async def test_menu_leaves_the_form_without_losing_the_draft(demo_app: App) -> None:
    person = await at_step(demo_app, "phone")
    await person.says("/menu")
    assert "menu:ask" in person.choice_ids
    await person.says("xin phieu lltp o dau")  # a question answered normally meanwhile
    await person.presses_raw("menu:request")  # the menu button of an earlier message
    assert "Bạn đang gửi dở một yêu cầu. Tiếp tục?" in person.text
    await person.presses("form:resume")
    assert "Số điện thoại" in person.text


async def test_a_return_days_later_asks_to_continue(demo_app: App, clock: FakeClock) -> None:
    person = await at_step(demo_app, "phone")
    clock.advance(days=3)
    await person.says("0912345678")
    assert "Bạn đang gửi dở một yêu cầu. Tiếp tục?" in person.text
    await person.presses("form:resume")
    await person.says("0912345678")
    assert "gọi bạn là gì" in person.text


# bad input at each step: a clear message and the same step again
BAD_ANSWERS = [
    ("description", "", "chưa thấy nội dung"),
    ("description", "ok", "viết rõ hơn"),
    ("description", "x" * 5000, "dài quá"),
    ("description", "😀😀😀😀😀😀😀😀😀😀😀", "viết rõ hơn"),
    ("commune", "Xã Không Có Thật Nào", "không tìm thấy xã/phường"),
    ("commune", "🏠", "không tìm thấy xã/phường"),
    ("commune", "99", "Không có lựa chọn số đó"),
    ("phone", "abc", "chưa đúng"),
    ("phone", "0123", "chưa đúng"),
    ("phone", "+1 202 555 0100", "chưa đúng"),
    ("phone", "0912 345 678 9", "chưa đúng"),
    ("name", "x" * 500, "chưa hợp lệ"),
    ("name", "12345", "chưa hợp lệ"),
    ("contact_time", "bất cứ lúc nào đêm khuya", "chọn một trong các lựa chọn"),
    ("contact_time", "7", "Không có lựa chọn số đó"),
    ("consent", "hmm", "chọn một trong các lựa chọn"),
]
STEP_QUESTION = {
    "description": "kể ngắn gọn",
    "commune": "xã/phường nào",
    "phone": "Số điện thoại",
    "name": "gọi bạn là gì",
    "contact_time": "liên hệ bạn lúc nào",
    "consent": "đồng ý gửi không",
}


@pytest.mark.parametrize(("step", "says", "message"), BAD_ANSWERS)
async def test_bad_answers_repeat_the_step(demo_app: App, step: str, says: str, message: str) -> None:
    person = await at_step(demo_app, step)
    await person.says(says)
    assert message in person.text
    assert STEP_QUESTION[step] in person.text


async def test_shared_contact_must_be_the_senders_own(demo_app: App) -> None:
    person = await at_step(demo_app, "phone")
    await person.shares_contact("0987654321", own=False)
    assert "chỉ nhận số điện thoại của chính bạn" in person.text
    await person.shares_contact("84987654321", own=True)
    assert "gọi bạn là gì" in person.text


async def test_an_faq_answer_starts_the_form_with_its_category(demo_app: App) -> None:
    person = Person(demo_app)
    await person.start()
    await person.presses("menu:jobs")
    await person.presses("cat:loan")
    await person.presses("faq:vay-von-thu-tuc")
    await person.presses("help:vay-von-thu-tuc")
    assert "kể ngắn gọn" in person.text  # the category step is skipped


async def test_a_fallback_sends_the_question_itself(demo_app: App) -> None:
    person = Person(demo_app)
    await person.start()
    await person.says("giá xăng hôm nay")
    await person.presses("ask:person")
    assert "xã/phường nào" in person.text  # category and description come from the question
    await person.presses("form:loc:mh-gia-loc")
    await person.says("0912345678")
    await person.presses("form:skip")
    await person.presses("form:time:any")
    assert "Tổ điều phối tái hòa nhập" in person.text
    await person.presses("form:yes")
    await person.presses("form:confirm")
    async with demo_app.uow() as uow:
        (row,) = await uow.requests.list_rows()
    assert (row.category, row.description, row.agency_code) == ("question", "giá xăng hôm nay", "demo-dieuphoi")
