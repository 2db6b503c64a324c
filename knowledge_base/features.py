"""What the fitted decision weighs: each candidate's features, and the question's.

The names are decision.CANDIDATE_FEATURES and decision.QUESTION_FEATURES; the fitting script
(benchmarks/fit_decision.py) and the matcher both take them from here, so the two never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from knowledge_base.match_types import Question, ScoredEntry, Signals

# The signals on which a candidate may come first among the candidates: agreement between them is
# evidence that the best candidate is right.
_RANKED = ("score", "bm25_share", "focus_coverage", "contained", "chars", "answer_coverage")


def candidate_features(
    asked: Question,
    found: Mapping[str, Signals],
    combined: Mapping[str, float],
    context_share: Mapping[str, float],
) -> dict[str, dict[str, float]]:
    """Each candidate's features: its signals, and how it stands against the other candidates."""
    top_bm25 = max((sig.bm25 for sig in found.values()), default=0.0) or 1.0
    best_two = sorted(combined.values(), reverse=True)[:2]
    best_two_bm25 = sorted((sig.bm25 for sig in found.values()), reverse=True)[:2]
    best_two_opinion = sorted((sig.opinion for sig in found.values()), reverse=True)[:2]
    top_opinion = best_two_opinion[0] if best_two_opinion and best_two_opinion[0] > 0 else 1.0
    out: dict[str, dict[str, float]] = {}
    for slug, sig in found.items():
        out[slug] = {
            "score": combined[slug],
            "coverage": sig.coverage,
            "focus_coverage": sig.focus_coverage,
            "ask_coverage": sig.ask_coverage,
            "answer_coverage": sig.answer_coverage,
            "contained": sig.contained,
            "phrase": sig.phrase,
            "chars": sig.chars,
            "usage": sig.usage,
            "exact": sig.exact,
            "bm25_share": sig.bm25 / top_bm25,
            # An entry whose phrasings nearly all speak of prison, for a question that does not.
            "context_gap": 0.0 if asked.has_context else context_share[slug],
            "score_gap": combined[slug] - _best_other(best_two, combined[slug]),
            "bm25_gap": (sig.bm25 - _best_other(best_two_bm25, sig.bm25)) / top_bm25,
            "opinion": sig.opinion,
            "opinion_share": sig.opinion / top_opinion,
            # Positive only for the entry the second opinion puts first: agreement, and by how much.
            "opinion_gap": sig.opinion - _best_other(best_two_opinion, sig.opinion),
        }
    # Within float noise: sums over sets come out in whatever order the set iterates.
    floors = [max(features[name] for features in out.values()) - 1e-9 for name in _RANKED] if out else []
    for features in out.values():
        # A count of small whole numbers, so as exact as the float sum it replaces.
        features["firsts"] = float(sum(features[name] >= floor for name, floor in zip(_RANKED, floors, strict=True)))
    return out


def _best_other(best_two: Sequence[float], own: float) -> float:
    """The best value among the other candidates, given the two best of all."""
    if not best_two:
        return 0.0
    if own >= best_two[0]:
        return best_two[1] if len(best_two) > 1 else 0.0
    return best_two[0]


def question_features(
    asked: Question, scored: Sequence[ScoredEntry], scope: float = 0.0, *, long: bool = False
) -> dict[str, float]:
    """What the question model weighs; scored is best first, each with its candidate features; scope
    is the scope model's logit for the question (knowledge_base/scope.py); long, whether the question
    is read by the unbounded (long) band."""
    best = scored[0] if scored else None
    # The second opinion speaks for long questions only: on short ones it adds nothing the lexical
    # signals lack (cross-validated), and the question model, shared by both bands, then overweighs it.
    opinion = 1.0 if long else 0.0
    runner_up = scored[1].score if len(scored) > 1 else 0.0
    own = best.features if best else {}
    return {
        "best": best.score if best else 0.0,
        "lead": (best.score if best else 0.0) - runner_up,
        "log_words": math.log1p(len(asked.words)),
        "unknown_share": asked.unknown_share,
        "unindexed_share": asked.unindexed_share,
        "unknown_pair_share": asked.unknown_pair_share,
        "story_share": asked.story_share,
        "has_context": 1.0 if asked.has_context else 0.0,
        # A long message that never mentions a sentence is most often someone else's legal question.
        "long_without_context": 0.0 if asked.has_context else math.log1p(len(asked.words)),
        "best_coverage": best.coverage if best else 0.0,
        "best_ask_coverage": best.ask_coverage if best else 0.0,
        "best_firsts": own.get("firsts", 0.0),
        "best_contained": own.get("contained", 0.0),
        "best_bm25_gap": own.get("bm25_gap", 0.0),
        "best_opinion": opinion * own.get("opinion", 0.0),
        "best_opinion_gap": opinion * own.get("opinion_gap", 0.0),
        "opinion_agrees": opinion if own.get("opinion_gap", 0.0) > 0 else 0.0,
        "scope": scope,
    }
