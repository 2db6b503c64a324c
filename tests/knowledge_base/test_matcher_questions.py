"""The matcher on long, narrative and hostile questions: the story does not count against the entry,
two topics get two answers' worth of buttons, and no input breaks it."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge_base.decision import DECISION_FILE, load_decision
from knowledge_base.faq import load_directory
from knowledge_base.lexicon import load_lexicon
from knowledge_base.matcher import ANSWER, FALLBACK, SUGGEST, Matcher, MatchSettings
from knowledge_base.normalizer import Normalizer

ENTRIES = load_directory()
MATCHER = Matcher(ENTRIES, Normalizer(load_lexicon()))
DECISIONS = {ANSWER, SUGGEST, FALLBACK}

# Stories made of what no entry knows: names, places, ages, dates.
NAMES = st.text(alphabet=string.ascii_lowercase, min_size=5, max_size=9).map(lambda w: "Q" + w)
STORY = st.lists(
    st.tuples(NAMES, st.integers(min_value=1, max_value=2030)).map(lambda t: f"Tôi tên {t[0]}, năm {t[1]} ở {t[0]}x."),
    min_size=1,
    max_size=4,
).map(" ".join)


def test_a_story_before_the_question_does_not_count_against_the_entry() -> None:
    question = "Cho tôi hỏi xin phiếu lý lịch tư pháp ở đâu?"
    short = MATCHER.match(question)
    told = MATCHER.match(
        "Tôi tên Nguyễn Văn Quờn, năm nay 34 tuổi, quê ở Krông Pắc, năm 2019 tôi bị kết án 3 năm tù "
        f"và tháng 5 năm 2022 tôi đã về nhà với vợ và hai con. {question}"
    )
    assert short.decision == told.decision == ANSWER
    assert told.slug == short.slug == "ly-lich-tu-phap"


def test_a_question_of_words_every_entry_shares_still_finds_its_entry() -> None:
    """Story words ("mới", "ra trại", "làm", "về") are in nearly every entry's phrasings, so many
    entries tie in the shortlist; the tie must go to the entry whose phrasings use them, not to the
    entries listed first in the files."""
    for question, slug in (
        ("moi ra trai can lam nhung gi", "ngay-ra-trai"),
        ("vừa được đặc xá về thì phải làm những gì", "ngay-ra-trai"),
        ("ko co cho o", "nha-o-cho-o"),
    ):
        result = MATCHER.match(question)
        assert (result.decision, result.slug) == (ANSWER, slug), question


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(story=STORY)
def test_any_story_of_unknown_names_and_numbers_keeps_the_entry_first(story: str) -> None:
    """However long the story, the entry that answers the asking sentence stays first and is offered.

    (A long message is decided by the long band's own, more cautious cut-off: it may be offered as a
    button rather than answered outright.)"""
    question = "Cho tôi hỏi xin phiếu lý lịch tư pháp ở đâu?"
    result = MATCHER.match(f"{story} {question}")
    assert result.top[0].slug == "ly-lich-tu-phap", (story, result.top[:2])
    assert result.decision == ANSWER or "ly-lich-tu-phap" in result.suggestions, (story, result.decision)


def test_an_out_of_scope_question_stays_refused_however_long_the_story() -> None:
    result = MATCHER.match(
        "Năm 2015 tôi mua một mảnh đất ở quê, giờ muốn bán thì thuế thu nhập cá nhân và lệ phí trước bạ "
        "tính thế nào? Giá đất nhà nước năm nay tăng bao nhiêu phần trăm?"
    )
    assert result.decision != ANSWER


def test_two_topics_answer_the_first_and_offer_the_second() -> None:
    result = MATCHER.match(
        "Tôi ra tù được 2 tháng, muốn vay vốn ngân hàng chính sách để làm ăn thì cần điều kiện gì? "
        "Ngoài ra xin phiếu lý lịch tư pháp để đi xin việc thì làm ở đâu?"
    )
    assert result.decision == ANSWER
    answered = {result.slug, *result.suggestions}
    assert "ly-lich-tu-phap" in answered
    assert answered & {"vay-von-dieu-kien", "vay-von-thu-tuc"}


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_gives_a_decision(text: str) -> None:
    result = MATCHER.match(text)
    assert result.decision in DECISIONS
    assert len(set(result.suggestions)) == len(result.suggestions) <= 3
    assert result.slug is None or result.slug in MATCHER.entries
    assert 0.0 <= result.score <= 1.0 or MATCHER.settings.decision is None


def test_hostile_inputs() -> None:
    for text in (
        "",
        " ",
        "\x00\x01\x02 vay vốn \x00",
        "😀🙏🔥" * 50,
        "?" * 10_000,
        "vay " * 2500,
        "xin phiếu lý lịch tư pháp. " * 400,
        "\u202e\u200b\ufeff lý lịch",
        "<script>alert(1)</script> căn cước",
        "ا ب ت 中文 한국어 căn cước",
    ):
        assert MATCHER.match(text).decision in DECISIONS, text[:40]


def test_the_shipped_decision_is_fitted_on_tuning_sets_only() -> None:
    model = load_decision()
    assert model is not None
    assert model.bands[-1].up_to_words is None
    for band in model.bands:
        assert 0 < band.suggest_at < band.answer_at < 1
    header = DECISION_FILE.read_text(encoding="utf-8").splitlines()[:3]
    fitted_on = next(line for line in header if line.startswith("# Fitted on"))
    assert "heldout" not in fitted_on and "real-questions-tuning" in fitted_on


def test_without_a_fitted_decision_the_hand_set_cut_offs_decide() -> None:
    by_hand = Matcher(ENTRIES, Normalizer(load_lexicon()), MatchSettings(decision=None))
    assert by_hand.match("xin phiếu lý lịch tư pháp").decision == ANSWER
    assert by_hand.match("giá xăng hôm nay").decision == FALLBACK
