"""The test box: what the bot would answer to a question, with the candidates it weighed; and a
draft tried as if it were published."""

from __future__ import annotations

from dataclasses import dataclass

from bot.faq.entries import data_of
from bot.faq.validation import PUBLISHED
from knowledge_base.faq import FaqEntry
from knowledge_base.matcher import Matcher, MatchResult


@dataclass(frozen=True)
class Candidate:
    slug: str
    title: str
    score: float
    coverage: float
    phrasing: str
    chosen: bool


@dataclass(frozen=True)
class Explanation:
    question: str
    normalized: str
    decision: str
    slug: str | None
    suggestions: tuple[str, ...]
    top: tuple[Candidate, ...]


def explain(matcher: Matcher, question: str) -> Explanation:
    """What the bot would do with a question, without logging it: a test is not an unanswered question."""
    result: MatchResult = matcher.match(question)
    shown = {result.slug, *result.suggestions} if result.decision != "fallback" else set()
    top = tuple(
        Candidate(
            e.slug,
            matcher.entries[e.slug].title if e.slug in matcher.entries else e.slug,
            round(min(e.score, 1.0), 3),
            round(e.coverage, 3),
            e.phrasing,
            e.slug in shown,
        )
        for e in result.top[:5]
    )
    return Explanation(question, result.normalized, result.decision, result.slug, result.suggestions, top)


def with_entry(matcher: Matcher, entry: FaqEntry) -> Matcher:
    """The live matcher's entries with this one as if published: the test box of a draft."""
    entries = [e for slug, e in matcher.entries.items() if slug != entry.slug]
    entries.append(FaqEntry(**{**data_of(entry), "status": PUBLISHED}))
    return Matcher(entries, matcher.normalizer, matcher.settings)
