"""The matcher on the shipped knowledge base, and its accuracy bar on the development questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge_base.evaluation import evaluate, read_labelled
from knowledge_base.faq import FaqEntry, load_directory
from knowledge_base.lexicon import load_lexicon
from knowledge_base.matcher import ANSWER, FALLBACK, SUGGEST, Matcher
from knowledge_base.normalizer import Normalizer

DATA = Path(__file__).parent / "data"
TOPICS = Path(__file__).parent.parent / "docs" / "topics.md"
MATCHER = Matcher(load_directory(), Normalizer(load_lexicon()))


def test_every_topic_has_a_published_entry() -> None:
    slugs = {
        line.split("|")[1].strip()
        for line in TOPICS.read_text(encoding="utf-8").splitlines()
        if line.startswith("| ") and "-" in line.split("|")[1] and not line.startswith("| slug")
    }
    assert len(slugs) == 58
    assert slugs <= set(MATCHER.entries)


@pytest.mark.parametrize("entry", load_directory(), ids=lambda e: e.slug)
def test_entries_are_complete_and_short(entry: FaqEntry) -> None:
    assert entry.status == "published"
    assert len(entry.phrasings) >= 8
    assert entry.keywords and entry.title and len(entry.title) <= 60
    assert len(entry.answer) <= 900, len(entry.answer)
    assert "📍" in entry.answer  # every answer ends with where to go
    if entry.category:
        assert entry.legal_basis


def test_the_bar_on_the_development_questions() -> None:
    """The acceptance bar: >= 90% answered correctly, <= 3% wrong, >= 90% out-of-scope rejected."""
    report = evaluate(
        read_labelled((DATA / "dev-questions.jsonl").read_text(encoding="utf-8").splitlines()), MATCHER.match
    )
    assert report.correct_rate >= 0.90, report.summary()
    assert report.wrong_rate <= 0.03, report.summary()
    assert report.rejection_rate >= 0.90, report.summary()


def test_the_bar_on_the_independent_validation_questions() -> None:
    """Questions written without sight of the content: wrong answers stay rare, most are helped."""
    items = read_labelled((DATA / "validation-questions.jsonl").read_text(encoding="utf-8").splitlines())
    report = evaluate(items, MATCHER.match)
    assert report.wrong_rate <= 0.04, report.summary()
    assert report.correct_rate + report.suggestion_rate >= 0.85, report.summary()
    assert report.rejection_rate >= 0.9, report.summary()


def test_decisions() -> None:
    assert MATCHER.match("xin phiếu lý lịch tư pháp").decision == ANSWER
    assert MATCHER.match("giá xăng hôm nay").decision == FALLBACK
    assert MATCHER.match("").decision == FALLBACK
    assert MATCHER.match("😀").decision == FALLBACK


def test_suggestions_are_distinct_entries_best_first() -> None:
    result = MATCHER.match("vay")
    assert result.decision in (SUGGEST, ANSWER)
    assert len(set(result.suggestions)) == len(result.suggestions) <= 3


def test_typos_and_teen_code_still_match() -> None:
    for typed in ("xin phieu ly lich tu phapp", "lam lai cccd", "ko co cho o", "vayy von"):
        assert MATCHER.match(typed).decision != FALLBACK, typed


def test_unpublished_entries_are_never_answered() -> None:
    entries = load_directory()
    for entry in entries:
        if entry.slug == "ly-lich-tu-phap":
            entry.status = "draft"
    matcher = Matcher(entries, Normalizer(load_lexicon()))
    assert matcher.match("xin phiếu lý lịch tư pháp").slug != "ly-lich-tu-phap"


def test_match_result_json_contract() -> None:
    data = json.loads(json.dumps(MATCHER.match("vay von").to_json()))
    assert set(data) == {"q", "decision", "slug", "score", "suggestions"}


def test_huge_input_is_matched_quickly_and_safely() -> None:
    result = MATCHER.match("vay von " * 5000)
    assert result.decision in (ANSWER, SUGGEST, FALLBACK)
