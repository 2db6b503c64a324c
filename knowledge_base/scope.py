"""Whether a question is one this knowledge base is for, read from its words alone.

Most wrong answers to long written questions are near the domain but not in it: a pensioner's
question about his pension, a couple's about a mortgaged house. Their words overlap an entry's enough
for the lexical signals, which only compare the question with the entries, to look sure. This model
compares it with the questions people asked: a logistic regression over the words and word pairs of
the labelled tuning questions, in scope against out of scope, fitted by benchmarks/fit_decision.py
(out-of-fold for the question model that weighs it) and shipped as data in content/decision.yaml.
Its logit is one of the question model's features (knowledge_base/features.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


def scope_terms(words: Sequence[str]) -> set[str]:
    """The question's words and adjacent word pairs, as the matcher reads them."""
    return set(words) | {f"{a} {b}" for a, b in itertools.pairwise(words)}


@dataclass(frozen=True)
class ScopeModel:
    intercept: float
    weights: Mapping[str, float]

    def logit(self, words: Sequence[str]) -> float:
        z = self.intercept + sum(map(self.weights.get, scope_terms(words), itertools.repeat(0.0)))
        # Clamped like the decision's own logits, so that a freak message cannot dominate.
        return max(-30.0, min(30.0, z))

    def to_dict(self) -> dict[str, Any]:
        return {"intercept": self.intercept, "terms": dict(sorted(self.weights.items()))}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScopeModel:
        terms = data.get("terms") or {}
        return cls(float(data["intercept"]), {str(t): float(w) for t, w in terms.items()})
