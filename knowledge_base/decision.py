"""The fitted decision: which candidate entry is right, how sure the matcher is, and what to do.

Two small logistic models, both fitted by `python -m benchmarks.fit_decision` on the labelled
questions of tests/data (never on a held-out part), their coefficients data in `content/decision.yaml`:

* the candidate model gives each entry the matcher weighed the probability that it answers the
  question, from its signals (how much of the asking part it explains, how far it is ahead of the
  others, ...); candidates are ranked by it;
* the question model turns the best candidate's probability, its lead over the runner-up and what
  the question says of itself (its length, how much of it no entry knows, how much is story) into the
  confidence that answering with the best candidate is right.

The confidence is compared with two cut-offs, fitted too: answer, suggest, or fall back. Short and
long questions each have their own candidate model and cut-offs (a Band).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from knowledge_base.lexicon import CONTENT_DIR
from knowledge_base.scope import ScopeModel
from knowledge_base.yaml_io import load_yaml

DECISION_FILE = CONTENT_DIR / "decision.yaml"

CANDIDATE_FEATURES = (
    "score",
    "coverage",
    "focus_coverage",
    "ask_coverage",
    "answer_coverage",
    "contained",
    "phrase",
    "chars",
    "usage",
    "exact",
    "bm25_share",
    "context_gap",
    "score_gap",
    "bm25_gap",
    "firsts",
    "opinion",
    "opinion_share",
    "opinion_gap",
)
QUESTION_FEATURES = (
    "best",
    "lead",
    "log_words",
    "unknown_share",
    "unindexed_share",
    "unknown_pair_share",
    "story_share",
    "has_context",
    "long_without_context",
    "best_coverage",
    "best_ask_coverage",
    "best_firsts",
    "best_contained",
    "best_bm25_gap",
    "best_opinion",
    "best_opinion_gap",
    "opinion_agrees",
    "scope",
)


@dataclass(frozen=True)
class Logistic:
    intercept: float
    # Per feature: its weight, and the mean and scale it is standardised with before weighing.
    weights: Mapping[str, float]
    means: Mapping[str, float]
    scales: Mapping[str, float]

    @cached_property
    def _terms(self) -> tuple[tuple[str, float, float, float], ...]:
        """Per feature, in the weights' order: its name, weight, mean and scale, looked up once."""
        return tuple((name, weight, self.means[name], self.scales[name]) for name, weight in self.weights.items())

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.intercept
        for name, weight, mean, scale in self._terms:
            z += weight * (features[name] - mean) / scale
        # Clamped so that a freak value cannot overflow exp.
        z = max(-30.0, min(30.0, z))
        return 1.0 / (1.0 + math.exp(-z))

    def to_dict(self) -> dict[str, Any]:
        return {
            "intercept": self.intercept,
            "features": {
                name: {"weight": self.weights[name], "mean": self.means[name], "scale": self.scales[name]}
                for name in self.weights
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], known: tuple[str, ...]) -> Logistic:
        features = data["features"]
        unknown = set(features) - set(known)
        if unknown:
            raise ValueError(f"unknown decision features: {sorted(unknown)}")
        return cls(
            float(data["intercept"]),
            {name: float(f["weight"]) for name, f in features.items()},
            {name: float(f["mean"]) for name, f in features.items()},
            {name: float(f["scale"]) or 1.0 for name, f in features.items()},
        )


@dataclass(frozen=True)
class Band:
    """The candidate model and cut-offs for questions up to a length (in words as the matcher reads them)."""

    up_to_words: int | None
    candidate: Logistic
    answer_at: float
    suggest_at: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "up_to_words": self.up_to_words,
            "answer_at": self.answer_at,
            "suggest_at": self.suggest_at,
            "candidate": self.candidate.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Band:
        limit = data.get("up_to_words")
        return cls(
            None if limit is None else int(limit),
            Logistic.from_dict(data["candidate"], CANDIDATE_FEATURES),
            float(data["answer_at"]),
            float(data["suggest_at"]),
        )


@dataclass(frozen=True)
class DecisionModel:
    """One question model, and one band per kind of question: a short typed question and a long
    written one are ranked on different evidence (a long one rarely matches a phrasing, and its story
    dilutes every share), so each band has its own candidate model and cut-offs; the question model,
    which sees the question's length among its features, learns from all of them. Bands are in order
    of length, the last unbounded."""

    question: Logistic
    bands: tuple[Band, ...]
    # Whether the question is of the kind the knowledge base is for (knowledge_base/scope.py).
    scope: ScopeModel | None = None

    def scope_logit(self, words: Sequence[str]) -> float:
        return self.scope.logit(words) if self.scope is not None else 0.0

    def band_for(self, words: int) -> Band:
        for band in self.bands:
            if band.up_to_words is None or words <= band.up_to_words:
                return band
        return self.bands[-1]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"question": self.question.to_dict(), "bands": [band.to_dict() for band in self.bands]}
        if self.scope is not None:
            out["scope"] = self.scope.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DecisionModel:
        bands = tuple(Band.from_dict(b) for b in data["bands"])
        if not bands or bands[-1].up_to_words is not None:
            raise ValueError("the last decision band must be unbounded")
        scope = ScopeModel.from_dict(data["scope"]) if data.get("scope") else None
        return cls(Logistic.from_dict(data["question"], QUESTION_FEATURES), bands, scope)


def load_decision(path: Path = DECISION_FILE) -> DecisionModel | None:
    """The shipped model, or None where none has been fitted (the matcher then uses hand-set cut-offs)."""
    if not path.exists():
        return None
    data = load_yaml(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    return DecisionModel.from_dict(data)
