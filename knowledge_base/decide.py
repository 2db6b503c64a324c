"""Answer, suggest or fall back: the fitted decision, and the hand-set one it replaced (a baseline)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from knowledge_base.decision import DecisionModel
from knowledge_base.features import question_features
from knowledge_base.match_types import ANSWER, FALLBACK, SUGGEST, MatchResult, MatchSettings, Question, ScoredEntry

# Given the answered entry and the other candidates, an entry for a second topic of the question.
SecondTopic = Callable[[str, Sequence[ScoredEntry]], str | None]


def decide(
    s: MatchSettings,
    model: DecisionModel,
    question: str,
    asked: Question,
    scored: list[ScoredEntry],
    second_topic: SecondTopic,
) -> MatchResult:
    """By the fitted confidence that the best candidate is right (scored is best first, not empty)."""
    band = model.band_for(len(asked.words))
    best = scored[0]
    top = tuple(scored[:5])
    scope = model.scope_logit(asked.words)
    features = question_features(asked, scored, scope, long=band.up_to_words is None)
    confidence = model.question.probability(features)
    if confidence >= band.answer_at:
        related = [e.slug for e in scored[1 : s.max_suggestions] if e.score >= best.score * s.related_share]
        second = second_topic(best.slug, scored[1 : 1 + s.max_suggestions])
        if second is not None:
            related = [second, *(slug for slug in related if slug != second)][: s.max_suggestions - 1]
        return MatchResult(question, asked.text, ANSWER, best.slug, confidence, tuple(related), top)
    if confidence >= band.suggest_at:
        close = [e.slug for e in scored[: s.max_suggestions] if e.score >= best.score * s.suggest_share]
        return MatchResult(question, asked.text, SUGGEST, best.slug, confidence, tuple(close), top)
    return MatchResult(question, asked.text, FALLBACK, best.slug, confidence, (), top)


def decide_by_hand(s: MatchSettings, question: str, text: str, scored: list[ScoredEntry]) -> MatchResult:
    """The hand-set cut-offs the matcher used before its decision was fitted."""
    best = scored[0]
    runner_up = scored[1].score if len(scored) > 1 else 0.0
    top = tuple(scored[:5])
    confident = best.score >= s.answer_threshold and best.coverage >= s.min_coverage
    if confident and best.score - runner_up >= s.margin:
        return MatchResult(question, text, ANSWER, best.slug, best.score, (), top)
    if confident and best.score >= s.close_answer_threshold:
        # Two entries both match very well ("vay vốn": who may borrow / how to apply): answer with
        # the best and offer the other beside it, rather than make the person choose blind.
        related = tuple(e.slug for e in scored[1 : s.max_suggestions] if e.score >= s.answer_threshold)
        return MatchResult(question, text, ANSWER, best.slug, best.score, related, top)
    if best.score >= s.suggest_threshold:
        close = [e.slug for e in scored if e.score >= s.suggest_threshold][: s.max_suggestions]
        return MatchResult(question, text, SUGGEST, best.slug, best.score, tuple(close), top)
    return MatchResult(question, text, FALLBACK, best.slug, best.score, (), top)
