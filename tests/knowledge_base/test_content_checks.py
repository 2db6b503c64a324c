"""The automatic content check: each rule on small hand-made entries, bad input, the command line,
the shipped knowledge base, and docs/content-review.md being current."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.web.i18n import load_web_catalogues
from knowledge_base import content_checks, content_review
from knowledge_base.content_checks import KEYS, Problem, check_entry
from knowledge_base.content_files import main
from knowledge_base.faq import FaqEntry, dump_entries, load_directory

TODAY = date(2026, 12, 2)
REVIEW_DOC = Path(__file__).resolve().parent.parent.parent / "docs" / "content-review.md"

PHRASINGS = [
    "Làm căn cước sau khi ra tù thế nào?",
    "lam can cuoc khi moi ra trai",
    "lam cccd o dau",
    "Làm thẻ căn cước ở đâu?",
    "Ra tù rồi làm căn cước được không?",
    "Mất căn cước khi đi tù thì làm lại sao?",
    "căn cước làm ở công an xã hả",
    "làm căn cước cần mang gì",
    "Thẻ căn cước hết hạn khi ở trong trại",
    "làm lại thẻ căn cước mất bao lâu",
    "làm căn cước có mất tiền không",
    "ko có giấy tờ gì thì làm căn cước dc ko",
    "căn cước gắn chip làm ở đâu",
    "Tôi ở tù 5 năm, giờ về quê thì thẻ căn cước cũ hết hạn rồi, giờ muốn làm lại thì phải đi đâu"
    " và mang theo những giấy tờ gì ạ?",
    "em moi ra trai duoc hai tuan, giay to mat het trong luc o trong do, gio em muon lam lai can cuoc"
    " de con xin viec thi lam sao a",
]


def good(**changes: Any) -> FaqEntry:
    """An entry that meets every rule; each test breaks one."""
    entry = FaqEntry(
        slug="can-cuoc",
        title="Làm thẻ căn cước sau khi ra tù",
        category="papers",
        status="published",
        phrasings=list(PHRASINGS),
        keywords=["căn cước", "CCCD"],
        answer=(
            "Bạn làm thẻ căn cước mới ở Công an xã/phường nơi bạn cư trú.\n"
            "📍 Công an xã/phường nơi bạn đăng ký thường trú hoặc tạm trú.\n"
            "🎒 Giấy chứng nhận chấp hành xong án phạt tù.\n"
            "⚠️ Đăng ký cư trú trước, rồi mới làm căn cước."
        ),
        more=(
            "• Án tích (vết án ghi trong lý lịch tư pháp) không cản trở việc làm căn cước.\n"
            "• Thẻ chứng minh nhân dân (CMND) cũ đã hết giá trị từ 1/1/2025."
        ),
        legal_basis="Luật Căn cước 2023 (26/2023/QH15), Điều 46",
        in_force="2024-07-01",
        source="https://thuvienphapluat.vn/a https://vbpl.vn/b",
        reviewed_on="2026-12-02",
        review_by="2027-06-02",
    )
    return dataclasses.replace(entry, **changes)


def keys(entry: FaqEntry, today: date = TODAY) -> list[str]:
    return [p.key for p in check_entry(entry, today)]


def problem(entry: FaqEntry, key: str) -> Problem:
    found = [p for p in check_entry(entry, TODAY) if p.key == key]
    assert found, (key, check_entry(entry, TODAY))
    return found[0]


def test_a_good_entry_has_no_problems() -> None:
    assert check_entry(good(), TODAY) == []


# -- the first screen -------------------------------------------------------------------------------


def test_the_first_screen_has_at_most_90_words_emoji_not_counted() -> None:
    filler = " ".join(["chữ"] * 79)
    at_limit = f"Bạn làm căn cước {filler} nhé.\n📍 Công an xã.\n🎒 Giấy ra trại."  # 90 words
    assert len(content_checks.words(at_limit)) == 90
    assert "answer_words" not in keys(good(answer=at_limit))
    emoji = at_limit.replace("nhé.", "nhé. 🙂 👍 — • ✅ ... !!!")
    assert "answer_words" not in keys(good(answer=emoji))
    over = at_limit.replace("nhé.", "nhé nha.")
    assert problem(good(answer=over), "answer_words").params == {"count": 91, "max": 90}


@pytest.mark.parametrize(
    "answer",
    [
        "Bạn làm căn cước.\n📍 Công an xã.",
        "Bạn làm căn cước.\n📍 Công an xã.\n🎒 Giấy ra trại.",
        "Bạn làm căn cước.\n📍 Công an xã.\n⚠️ Đăng ký cư trú trước.",
        "Bạn làm căn cước.\n\n📍 Công an xã.\n🎒 Giấy ra trại.\n⚠️ Đăng ký cư trú trước.",
    ],
)
def test_the_lines_in_their_order_are_fine(answer: str) -> None:
    assert keys(good(answer=answer)) == []


@pytest.mark.parametrize(
    ("answer", "key"),
    [
        ("Bạn làm căn cước ở Công an xã.", "place_missing"),
        ("Bạn làm căn cước.\n🎒 Giấy ra trại.", "place_missing"),
        ("Bạn làm căn cước.\n📍 Công an xã.\n⚠️ Một.\n⚠️ Hai.", "warning_many"),
        ("Bạn làm căn cước.\n📍\n🎒 Giấy ra trại.", "marker_empty"),
        ("📍 Công an xã.\nBạn làm căn cước.", "answer_layout"),
        ("Bạn làm căn cước.\nMột dòng nữa.\n📍 Công an xã.", "answer_layout"),
        ("Bạn làm căn cước.\n📍 Công an xã.\n⚠️ Cẩn thận.\n🎒 Giấy ra trại.", "answer_layout"),
        ("Bạn làm căn cước.\n📍 Công an xã.\n📍 Hoặc UBND xã.", "answer_layout"),
        ("Bạn làm căn cước.\n📍 Công an xã.\nCảm ơn bạn.", "answer_layout"),
    ],
)
def test_lines_out_of_order_or_missing_are_problems(answer: str, key: str) -> None:
    assert key in keys(good(answer=answer))


def test_the_layout_problem_says_what_it_found() -> None:
    found = problem(good(answer="Một.\nHai.\n📍 Công an xã."), "answer_layout")
    assert found.params == {"lines": 3, "found": "text text 📍"}


# -- editorial notes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "note", ["(cần kiểm tra số điện thoại)", "TODO", "[unverified]", "[M]", "(chưa rõ)", "???", "[cần nguồn]"]
)
@pytest.mark.parametrize("field", ["title", "answer", "more"])
def test_editorial_notes_are_problems(note: str, field: str) -> None:
    entry = good()
    text = getattr(entry, field)
    text = text.replace("cư trú.", f"cư trú {note}.", 1) if field == "answer" else f"{text} {note}"
    found = problem(good(**{field: text}), "editorial_note")
    assert found.params["field"] == field


def test_ordinary_brackets_are_not_editorial_notes() -> None:
    more = good().more + "\n• Lệ phí (nếu có) nộp tại chỗ. Xem mục [1]."
    assert "editorial_note" not in keys(good(more=more, title="Căn cước (CCCD) sau khi ra tù"))


# -- required fields, dates -------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["legal_basis", "in_force", "source", "reviewed_on", "review_by"])
def test_a_published_entry_needs_its_references_and_review_dates(field: str) -> None:
    found = problem(good(**{field: ""}), "field_missing")
    assert found.params == {"field": field}
    assert "field_missing" not in keys(good(**{field: ""}, status="draft"))


def test_entries_about_the_assistant_need_no_legal_basis_or_source() -> None:
    assistant = good(category=None, legal_basis="", in_force="", source="")
    assert keys(assistant) == []
    assert problem(dataclasses.replace(assistant, review_by=""), "field_missing").params == {"field": "review_by"}


@pytest.mark.parametrize("source", ["thuvienphapluat.vn/a", "ftp://x.vn/a", "https://", "https://a.vn, https://b.vn"])
def test_the_source_is_http_urls(source: str) -> None:
    assert "source_not_url" in keys(good(source=source))


@pytest.mark.parametrize("value", ["2024-7-1", "01/07/2024", "2024-02-30", "20240701", "soon"])
def test_a_date_that_is_not_iso_is_a_problem(value: str) -> None:
    found = problem(good(in_force=value), "date_invalid")
    assert found.params == {"field": "in_force", "value": value}
    assert FaqEntry.from_dict({**good(in_force=value).to_dict()}).validate()


def test_a_past_review_by_is_overdue() -> None:
    assert problem(good(review_by="2026-12-01"), "review_overdue").params == {"review_by": "2026-12-01"}
    assert "review_overdue" not in keys(good(review_by="2026-12-02"))


def test_review_dates_in_the_wrong_order_are_problems() -> None:
    assert "reviewed_in_future" in keys(good(reviewed_on="2026-12-03"))
    assert "review_by_before_reviewed" in keys(good(reviewed_on="2026-12-02", review_by="2026-12-02"))


# -- retired names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Nộp hồ sơ ở UBND huyện.",
        "Mang theo CMND.",
        "Hỏi Phòng Lao động - Thương binh và Xã hội.",
        "Sổ hộ khẩu là giấy tờ cần mang.",
        "Theo Luật Thi hành án hình sự 2019, Điều 46.",
        "Hỏi Chi cục Thi hành án dân sự.",
        "Cơ quan cấp huyện giải quyết.",
    ],
)
def test_a_retired_name_as_current_is_a_problem(sentence: str) -> None:
    found = problem(good(more=f"{good().more}\n• {sentence}"), "retired_name")
    assert found.params["field"] == "more"
    assert sentence.rstrip(".") in str(found.params["text"])


@pytest.mark.parametrize(
    "sentence",
    [
        "Sổ hộ khẩu giấy đã bỏ từ 1/1/2023.",
        "Từ năm 2025 không còn UBND huyện.",
        "Trước đây hồ sơ nộp ở Công an huyện, nay nộp ở Công an xã.",
        "Căn cước thay cho CMND.",
        "Sở LĐTBXH đã sáp nhập vào Sở Nội vụ.",
        "Quân đội và công an có điều kiện riêng.",
    ],
)
def test_a_retired_name_in_a_sentence_saying_it_is_gone_is_fine(sentence: str) -> None:
    assert "retired_name" not in keys(good(more=f"{good().more}\n• {sentence}"))


def test_the_marker_must_be_in_the_same_sentence() -> None:
    more = "CMND cũ đã hết giá trị. Mang CMND theo khi đi."
    assert "retired_name" in keys(good(more=more))


# -- jargon -----------------------------------------------------------------------------------------


def test_jargon_on_the_first_screen_is_a_problem() -> None:
    answer = good().answer.replace("Bạn làm", "Dù có án tích, bạn làm", 1)
    assert problem(good(answer=answer), "jargon_first_screen").params == {"term": "án tích"}


@pytest.mark.parametrize(
    ("more", "fine"),
    [
        ("• Quản chế (bị giám sát ở nơi cư trú) kéo dài 1 đến 5 năm. Quản chế hết thì...", True),
        ("• Quản chế: bị giám sát ở nơi cư trú.", True),
        ("• Quản chế kéo dài 1 đến 5 năm. Quản chế (bị giám sát) hết thì...", False),
        ("• Bạn đang bị quản chế.", False),
    ],
)
def test_jargon_in_more_is_explained_at_first_use(more: str, fine: bool) -> None:
    assert ("jargon_unexplained" not in keys(good(more=more))) is fine


def test_jargon_is_whole_words() -> None:
    assert "jargon_unexplained" not in keys(good(more="• Phân tích hồ sơ (xem kỹ) xong thì nộp."))
    assert "jargon_unexplained" not in keys(good(more="• Cơ quan thuế có thể truy thuế nếu bạn khai sai."))
    assert "jargon_unexplained" in keys(good(more="• Cơ quan có thể truy thu khoản tiền đó."))


# -- phrasings and title ----------------------------------------------------------------------------


def test_at_least_15_phrasings() -> None:
    assert problem(good(phrasings=PHRASINGS[:14]), "phrasings_few").params == {"count": 14, "min": 15}


def test_at_least_two_phrasings_without_diacritics() -> None:
    accented = [p for p in PHRASINGS if not content_checks.is_unaccented(p)]
    unaccented = [p for p in PHRASINGS if content_checks.is_unaccented(p)]
    assert len(unaccented) == 3
    phrasings = [*accented, unaccented[0], "Làm căn cước thế nào?", "Căn cước ở đâu?"]
    found = problem(good(phrasings=phrasings), "phrasings_unaccented_few")
    assert found.params == {"count": 1, "min": 2}
    assert not content_checks.is_unaccented("🙂 ???")
    assert content_checks.is_unaccented("KO DC SAO")


def test_at_least_two_narrative_phrasings_of_20_words() -> None:
    short = [p for p in PHRASINGS if len(p.split()) < 20]
    phrasings = [*short, "một hai ba bốn năm sáu bảy tám chín mười", "ra tù làm căn cước", PHRASINGS[-1]]
    assert problem(good(phrasings=phrasings), "phrasings_narrative_few").params == {"count": 1, "min": 2, "words": 20}


def test_the_title_has_at_most_60_characters() -> None:
    assert "title_long" not in keys(good(title="x" * 60))
    assert problem(good(title="x" * 61), "title_long").params == {"length": 61, "max": 60}
    assert "title_empty" in keys(good(title=" "))


# -- bad input --------------------------------------------------------------------------------------


def test_an_empty_answer() -> None:
    assert "answer_empty" in keys(good(answer=""))


def test_an_answer_of_emoji_only() -> None:
    found = keys(good(answer="🙂🙂 👍\n📍"))
    assert "answer_empty" in found


def test_a_10000_character_answer() -> None:
    answer = "Bạn làm căn cước " + "rất " * 2500 + "\n📍 Công an xã."
    assert len(answer) > 10_000
    found = problem(good(answer=answer), "answer_words")
    assert int(found.params["count"]) > 2000
    assert all(
        len(str(v)) <= content_checks.EXCERPT
        for p in check_entry(good(answer=answer), TODAY)
        for v in p.params.values()
    )


def test_control_characters() -> None:
    found = problem(good(answer=good().answer.replace("Bạn", "B\x00ạn\x1b", 1)), "control_characters")
    assert found.params == {"field": "answer"}
    assert keys(good(more="a\tb\nc: Án tích (vết án).")) == []


def test_archived_entries_are_not_checked() -> None:
    assert check_entry(good(status="archived", answer="", title=""), TODAY) == []


# -- every key has its texts ------------------------------------------------------------------------


def test_every_key_has_a_text_in_both_languages() -> None:
    catalogues = load_web_catalogues()
    for locale in ("vi", "en"):
        missing = [key for key in KEYS if f"cc_{key}" not in catalogues[locale]]
        assert not missing, (locale, missing)


def test_every_problem_reported_has_a_known_key() -> None:
    bad = good(
        title="TODO " + "x" * 70,
        answer="🎒 CMND\n⚠️ a\n⚠️ b\nquản chế",
        more="án tích là gì",
        source="nowhere",
        in_force="x",
        reviewed_on="2030-01-01",
        review_by="2020-01-01",
        phrasings=["a\x07"],
    )
    found = {p.key for p in check_entry(bad, TODAY)}
    assert found <= set(KEYS)
    assert len(found) >= 12


# -- the command line -------------------------------------------------------------------------------


def test_the_command_line_checks_files_and_exits_1_on_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fine = tmp_path / "fine.yaml"
    fine.write_text(yaml.safe_dump({"entries": [good().to_dict()]}, allow_unicode=True), encoding="utf-8")
    assert main([str(fine), "--today", "2026-12-02"]) == 0
    assert capsys.readouterr().out == ""
    bundle = tmp_path / "bundle.yaml"
    bundle.write_text(
        dump_entries([good(), good(slug="cu", reviewed_on="2026-06-01", review_by="2026-12-01")]), encoding="utf-8"
    )
    assert main([str(bundle), "--today", "2026-12-02"]) == 1
    assert capsys.readouterr().out == "cu: review_overdue: review_by=2026-12-01\n"
    broken = tmp_path / "broken.yaml"
    broken.write_text("entries: [1]\n", encoding="utf-8")
    assert main([str(broken)]) == 1
    assert "broken.yaml: file_shape" in capsys.readouterr().out


def test_an_export_round_trips_the_dates_byte_stably(tmp_path: Path) -> None:
    text = dump_entries([good(), good(slug="tro-ly", category=None, in_force="")])
    assert "in_force: 2024-07-01\n" in text and "review_by: 2027-06-02\n" in text
    path = tmp_path / "export.yaml"
    path.write_text(text, encoding="utf-8")
    from knowledge_base.faq import load_file

    again = load_file(path)
    assert again == [good(), good(slug="tro-ly", category=None, in_force="")]
    assert dump_entries(again) == text


# -- the shipped knowledge base ---------------------------------------------------------------------


def test_the_shipped_knowledge_base_has_no_problems() -> None:
    # Today's date, not a fixed one: an entry whose review falls due fails CI until it is reviewed.
    problems = content_checks.check_entries(load_directory(), date.today())
    assert not problems, "\n".join(p.line() for p in problems)


def test_the_content_review_document_is_current() -> None:
    """docs/content-review.md is generated: `python -m knowledge_base.content_review > docs/content-review.md`.

    It is regenerated for the day it says it was checked on, so only a content change makes it stale."""
    document = REVIEW_DOC.read_text(encoding="utf-8")
    day = content_review.checked_on(document)
    assert day is not None, "docs/content-review.md does not say when it was checked"
    assert document == content_review.render(load_directory(), day)
