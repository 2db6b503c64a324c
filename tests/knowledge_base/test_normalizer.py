"""Vietnamese as people type it: the normaliser's word lists are data, these are their effects."""

from __future__ import annotations

import pytest

from knowledge_base.lexicon import load_lexicon
from knowledge_base.normalizer import Normalizer
from knowledge_base.text import clean, fold, squeeze

NORMALIZER = Normalizer(load_lexicon())

FOLDING = [
    ("Đăng ký thường trú", "dang ky thuong tru"),
    ("XÓA ÁN TÍCH", "xoa an tich"),
    ("Căn cước", "can cuoc"),
    # the same word in decomposed Unicode (NFD), as some keyboards send it
    ("Ca\u0306n cu\u031bo\u031b\u0301c", "can cuoc"),
]


@pytest.mark.parametrize(("typed", "folded"), FOLDING)
def test_folding(typed: str, folded: str) -> None:
    assert fold(clean(typed)) == folded


SQUEEZE = [("vayyyy", "vay"), ("nhaaa", "nha"), ("uu", "uu"), ("xoong", "xoong"), ("duocccc", "duoc")]


@pytest.mark.parametrize(("typed", "squeezed"), SQUEEZE)
def test_emphasis_letters(typed: str, squeezed: str) -> None:
    assert squeeze(typed) == squeezed


# what people type -> what the matcher compares (teen-code expanded, filler dropped)
NORMALISED = [
    ("ko dc vay a", "khong duoc vay"),
    ("cho em hỏi làm cccd ở đâu ạ", "can cuoc"),
    ("lltp", "ly lich tu phap"),
    ("vayyy vonnn", "vay von"),
    ("ưu đãi", "uu dai"),
]


@pytest.mark.parametrize(("typed", "contains"), NORMALISED)
def test_teen_code_and_abbreviations(typed: str, contains: str) -> None:
    assert contains in NORMALIZER.normalize(typed).text


def test_control_characters_and_emoji_only_separate_words() -> None:
    assert NORMALIZER.normalize("vay\x00von😀\u200b").words[:2] == ("vay", "von")
    assert NORMALIZER.normalize("😀🙏\x1b[31m").words == ("31m",) or NORMALIZER.normalize("😀🙏").words == ()


SMALL_TALK = [("Chào bạn!", "greeting"), ("cảm ơn nhiều ạ", "thanks"), ("oke", "ok"), ("bye bye", "bye")]


@pytest.mark.parametrize(("typed", "intent"), SMALL_TALK)
def test_small_talk(typed: str, intent: str) -> None:
    assert NORMALIZER.smalltalk_intent(typed) == intent


@pytest.mark.parametrize("typed", ["vay von", "chào, cho em hỏi vay vốn", "ok vay von bao nhieu"])
def test_a_question_is_not_small_talk(typed: str) -> None:
    assert NORMALIZER.smalltalk_intent(typed) is None


CRISIS = [
    ("buon qua ko muon song nua", True),
    ("Tôi muốn tự tử", True),
    ("em muon chet", True),
    ("từ từ đã", False),
    ("tư vấn tâm lý ở đâu", False),
]


@pytest.mark.parametrize(("typed", "alarm"), CRISIS)
def test_crisis_phrases(typed: str, alarm: bool) -> None:
    assert NORMALIZER.is_crisis(typed) is alarm
