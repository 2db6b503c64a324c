"""What the matcher decides and the values it decides with: settings, signals, results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from knowledge_base.decision import DecisionModel, load_decision

ANSWER = "answer"
SUGGEST = "suggest"
FALLBACK = "fallback"


@lru_cache(maxsize=1)
def _shipped_decision() -> DecisionModel | None:
    return load_decision()


@dataclass(frozen=True)
class MatchSettings:
    # The fitted decision (knowledge_base/decision.py). Without one, the hand-set cut-offs below decide,
    # as the matcher did before it was fitted; the benchmarks keep that as a baseline.
    decision: DecisionModel | None = field(default_factory=_shipped_decision)
    answer_threshold: float = 0.55
    suggest_threshold: float = 0.35
    margin: float = 0.06
    # Above this, an entry is answered even when the runner-up is close (the runner-up is offered too).
    close_answer_threshold: float = 0.8
    min_coverage: float = 0.5
    max_suggestions: int = 3
    candidates: int = 20
    # A second topic is offered beside the answer when it explains this share of the question's
    # weight that the answer's own words leave out.
    second_topic_share: float = 0.2
    # Beside an answer, entries at least this share as likely as the best are offered too; among
    # suggestions, those at least suggest_share as likely.
    related_share: float = 0.8
    suggest_share: float = 0.5

    # Weights of the signals in the combined score. Apart from the exact-phrasing bonus they add up
    # to 1, so a score reads as a share. The combined score is one of the fitted model's features.
    w_coverage: float = 0.222
    w_overlap: float = 0.0
    w_contained: float = 0.222
    w_phrase: float = 0.167
    w_chars: float = 0.111
    w_usage: float = 0.278
    # A question that is, word for word, one of an entry's phrasings: a bonus on top.
    w_exact: float = 0.1


@dataclass(frozen=True)
class ScoredEntry:
    slug: str
    score: float
    coverage: float
    phrasing: str
    ask_coverage: float = 0.0
    # The candidate features the fitted decision weighed it on (empty without a fitted decision).
    features: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class MatchResult:
    question: str
    normalized: str
    decision: str
    slug: str | None
    score: float
    suggestions: tuple[str, ...] = ()
    top: tuple[ScoredEntry, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, object]:
        return {
            "q": self.question,
            "decision": self.decision,
            "slug": self.slug,
            "score": round(min(self.score, 1.0), 4),
            "suggestions": list(self.suggestions),
        }


@dataclass(frozen=True)
class Signals:
    coverage: float
    overlap: float
    contained: float
    phrase: float
    chars: float
    usage: float
    exact: float
    phrasing: str
    # Coverage with the story's known words at their factor, and of the asking sentences alone.
    focus_coverage: float = 0.0
    ask_coverage: float = 0.0
    # Coverage by the words of the entry's answer and "more" rather than its phrasings.
    answer_coverage: float = 0.0
    bm25: float = 0.0
    # The second opinion (knowledge_base/second_opinion.py): TF-IDF cosine of the question with the entry.
    opinion: float = 0.0


@dataclass(frozen=True)
class Question:
    """A question as the matcher sees it: its words, how much each counts, and what it says of itself."""

    text: str
    # The asking sentences' words alone: what the closest phrasing is compared with character by character.
    asking_text: str
    words: tuple[str, ...]
    # 1 for a word of an asking sentence; for a story's word, matcher.STORY_FACTOR if the knowledge
    # base knows it, else 0 (a name, a place, an age).
    focus: dict[str, float]
    asking: frozenset[str]
    unknown_share: float
    # The asking sentences' weight in words no phrasing or keyword has (the answers' words included).
    unindexed_share: float
    # Whether it speaks of a sentence served or being served (lexicon/asking.yaml, context_phrases).
    has_context: bool
    # The share of the asking sentences' word pairs that the knowledge base uses nowhere.
    unknown_pair_share: float
    story_share: float


@dataclass(frozen=True)
class WeighedQuestion:
    """A question's words as the matcher weighs them against every candidate, worked out once."""

    units: set[str]
    weights: dict[str, float]
    # Each word's weight times its focus (Question.focus).
    focus: dict[str, float]
    pairs: set[str]
    pair_weights: dict[str, float]
    total: float
    focus_total: float
    ask_total: float
    pair_total: float
    # The asking part's words in sorted order, what token_sort_ratio compares.
    sorted_asking: str


def best_first(scored: list[ScoredEntry]) -> list[ScoredEntry]:
    """Highest score first; equal scores (to nine places, below float noise) by slug, so that the
    order never depends on the order sets happen to be summed in."""
    return sorted(scored, key=lambda e: (-round(e.score, 9), e.slug))
