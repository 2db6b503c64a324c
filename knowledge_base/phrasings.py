"""An entry's phrasings as the matcher indexes them, and how close a question comes to one."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class Phrasing:
    original: str
    text: str
    units: frozenset[str]
    # The summed weight of its words, fixed once the index's weights are known.
    weight: float = 0.0


def bigrams(words: Sequence[str]) -> set[str]:
    return {f"{a} {b}" for a, b in itertools.pairwise(words)}


def closest_phrasing(
    phrasings: Sequence[Phrasing], units: set[str], weights: dict[str, float], total: float
) -> tuple[float, float, float, Phrasing | None]:
    """The best weighted overlap with one phrasing, the most of one phrasing the question contains,
    1.0 if a phrasing has exactly the question's words, and the phrasing that overlaps most."""
    best_overlap, best_contained, best = 0.0, 0.0, phrasings[0] if phrasings else None
    exact = 0.0
    weight_of = weights.__getitem__
    for phrasing in phrasings:
        inter = units & phrasing.units
        if not inter:
            continue
        if len(inter) == len(units) == len(phrasing.units):
            exact = 1.0
        shared = sum(map(weight_of, inter))
        overlap = 2 * shared / (total + phrasing.weight)
        if overlap > best_overlap:
            best_overlap, best = overlap, phrasing
        best_contained = max(best_contained, shared / phrasing.weight)
    return best_overlap, best_contained, exact, best
