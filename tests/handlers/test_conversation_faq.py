"""The person's side of the FAQ, as tables: what they say, what the bot answers."""

from __future__ import annotations

import pytest

from bot.app import App
from tests.harness import Person


def answer_of(app: App, slug: str) -> str:
    entry = app.kb._matcher.entries[slug] if app.kb._matcher else None
    assert entry is not None, slug
    return entry.answer


async def started(app: App, chat_id: str = "p1") -> Person:
    person = Person(app, chat_id)
    await person.start()
    return person


async def test_start_greets_with_the_menu_as_buttons(app: App) -> None:
    person = Person(app)
    await person.start()
    assert "Hòa Nhập" in person.text
    assert person.choice_ids[:6] == [
        "menu:ask",
        "menu:jobs",
        "menu:request",
        "menu:mine",
        "menu:person",
        "menu:privacy",
    ]


# what the person types -> the entry whose answer the bot gives
ANSWERED = [
    ("em moi ra tu muon vay von thi can dieu kien gi", "vay-von-dieu-kien"),
    ("làm lại căn cước bị mất", "can-cuoc"),
    ("xin phieu lltp o dau", "ly-lich-tu-phap"),
    ("khi nao dc xoa an tich", "xoa-an-tich-dieu-kien"),
]


@pytest.mark.parametrize(("says", "slug"), ANSWERED)
async def test_questions_get_the_right_answer(app: App, says: str, slug: str) -> None:
    person = await started(app)
    await person.says(says)
    assert person.replies[0].text == answer_of(app, slug)
    assert "🏠 Menu" in person.choices


# small talk gets a friendly word, not an FAQ answer
SMALL_TALK = [
    ("chào bạn", "Chào bạn"),
    ("cam on nhieu", "Không có gì"),
    ("ok", "Vâng"),
    ("tạm biệt", "Tạm biệt"),
]


@pytest.mark.parametrize(("says", "reply_starts"), SMALL_TALK)
async def test_small_talk(app: App, says: str, reply_starts: str) -> None:
    person = await started(app)
    await person.says(says)
    assert person.text.startswith(reply_starts)


# nothing close enough: say so honestly and offer a person
FALLBACK = ["giá xăng hôm nay", "cach lam banh chung", "tỷ giá euro"]


@pytest.mark.parametrize("says", FALLBACK)
async def test_unknown_questions_get_an_honest_fallback(app: App, says: str) -> None:
    person = await started(app)
    await person.says(says)
    assert "chưa có câu trả lời chắc chắn" in person.text
    assert "ask:person" in person.choice_ids


# bad input: each gets a sensible reply, never a crash
BAD_INPUT = [
    ("", "chưa thấy nội dung"),
    ("   \t  ", "chưa thấy nội dung"),
    ("x" * 10_000, "dài quá"),
    ("😀😀🙏", "chỉ đọc được chữ"),
    # control characters are removed at the door (bot/messaging/sanitise.py): nothing is left to read
    ("\x00\x07\x1b\x7f", "chưa thấy nội dung"),
    ("\x1b[31mvay von\x1b[0m", ""),
    ("vay\x00 von\x1b", ""),
    ("Привет 你好 vay vốn", ""),
    ("<script>alert(1)</script>", ""),
    ("' OR 1=1; DROP TABLE requests; --", ""),
    ("99", "Không có lựa chọn số đó"),
    ("12345678", "chỉ đọc được chữ"),
]


@pytest.mark.parametrize(("says", "reply_contains"), BAD_INPUT)
async def test_bad_input_gets_a_sensible_reply(app: App, says: str, reply_contains: str) -> None:
    person = await started(app)
    await person.says(says)
    assert person.replies, "every message gets a reply"
    assert reply_contains in person.text
    # and the conversation goes on
    await person.says("/menu")
    assert "menu:ask" in person.choice_ids


async def test_a_typed_number_picks_the_choice(app: App) -> None:
    person = await started(app)
    await person.says("2")  # jobs, training, loans
    assert "cat:employment" in person.choice_ids
    await person.says("viec lam")  # the label's words work as well as the number
    assert any(c.startswith("faq:viec-lam") for c in person.choice_ids)


async def test_suggestions_are_buttons_and_the_chosen_one_is_recorded(app: App) -> None:
    person = await started(app)
    await person.says("can cho o tam")  # "need a temporary place": shelter, or registering a stay?
    assert person.text.startswith("Mình chưa chắc")
    suggested = [c for c in person.choice_ids if c.startswith("faq:")]
    assert "faq:nha-o-cho-o" in suggested and len(suggested) <= 3
    assert person.choice_ids[-1] == "ask:person"  # "none of these": ask a person
    await person.presses("faq:nha-o-cho-o")
    assert person.replies[0].text == answer_of(app, "nha-o-cho-o")
    async with app.uow() as uow:
        (row,) = await uow.match_log.recent()
    assert (row.decision, row.chosen_slug) == ("suggest", "nha-o-cho-o")


async def test_a_second_topic_is_offered_beside_the_answer(app: App) -> None:
    person = await started(app)
    await person.says(
        "Tôi ra tù được 2 tháng, muốn vay vốn ngân hàng chính sách để làm ăn thì cần điều kiện gì? "
        "Ngoài ra xin phiếu lý lịch tư pháp để đi xin việc thì làm ở đâu?"
    )
    assert person.replies[0].text == answer_of(app, "vay-von-dieu-kien")
    assert "faq:ly-lich-tu-phap" in person.choice_ids


async def test_two_entries_that_match_alike_are_both_offered(app: App) -> None:
    # Both within one tap: offered side by side, or one answered and the other as a button beside it.
    person = await started(app)
    await person.says("em muon vay von")
    both = ("vay-von-dieu-kien", "vay-von-thu-tuc")
    answered = [slug for slug in both if person.replies[0].text == answer_of(app, slug)]
    offered = {f"faq:{slug}" for slug in both if slug not in answered}
    assert len(answered) <= 1 and offered <= set(person.choice_ids)


async def test_answer_offers_more_and_help(app: App) -> None:
    person = await started(app)
    await person.presses("menu:jobs")
    await person.presses("cat:loan")
    await person.presses("faq:vay-von-dieu-kien")
    assert person.replies[0].text == answer_of(app, "vay-von-dieu-kien")
    assert "help:vay-von-dieu-kien" in person.choice_ids


async def test_every_question_and_decision_is_logged(app: App) -> None:
    person = await started(app)
    await person.says("xin phieu lltp o dau")
    await person.says("giá xăng hôm nay")
    async with app.uow() as uow:
        rows = await uow.match_log.recent()
    assert [(r.question, r.decision) for r in rows] == [
        ("giá xăng hôm nay", "fallback"),
        ("xin phieu lltp o dau", "answer"),
    ]
    assert rows[1].slug == "ly-lich-tu-phap" and rows[1].score > 0


FORGED = [
    ("faq:khong-co", "Nút này không còn dùng được"),
    ("zzz", "Nút này không còn dùng được"),
    ("form:confirm", "Nút này không còn dùng được"),
    ("cat:../../etc", "Nút này không còn dùng được"),
    ("menu:" + "x" * 5000, "Nút này không còn dùng được"),
    ("req:show:YC-000000", "Không thấy yêu cầu YC-000000"),
    ("req:cancelyes:YC-000000", "đã kết thúc hoặc không có"),
]


@pytest.mark.parametrize(("forged", "reply"), FORGED)
async def test_forged_or_stale_buttons_are_refused_politely(app: App, forged: str, reply: str) -> None:
    person = await started(app)
    await person.presses_raw(forged)
    assert reply in person.text


async def test_sticker_gets_a_kind_reply(app: App) -> None:
    person = await started(app)
    await person.sends_sticker()
    assert "chỉ đọc được tin nhắn chữ" in person.text


async def test_language_switch(app: App) -> None:
    person = await started(app)
    await person.says("/lang")
    assert person.replies[0].choices[0].label == "❓ Ask a question"
    await person.says("/lang")
    assert person.replies[0].choices[0].label == "❓ Đặt câu hỏi"


@pytest.mark.parametrize(
    ("says", "first_button"),
    [
        ("/lang en", "❓ Ask a question"),  # that language, not the next in turn
        ("/lang EN", "❓ Ask a question"),
        ("/lang vi", "❓ Đặt câu hỏi"),  # already Vietnamese: stays so
        ("/ngonngu en", "❓ Ask a question"),
        ("/lang xx", "❓ Ask a question"),  # unknown: the next in turn, as the bare command
        ("/lang en vi", "❓ Ask a question"),  # only the first word counts
    ],
)
async def test_language_switch_to_a_named_language(app: App, says: str, first_button: str) -> None:
    person = await started(app)
    await person.says(says)
    assert person.replies[0].choices[0].label == first_button
