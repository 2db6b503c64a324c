"""One candidate entry's signals against a question weighed once for all candidates.

The signals themselves are described in knowledge_base/matcher.py. What an entry contributes to them
is worked out when the matcher is built (IndexedEntry), so that scoring a candidate is set operations
and sums over C getters: it runs for 20 candidates of every message.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from knowledge_base.match_types import Question, Signals, WeighedQuestion
from knowledge_base.phrasings import Phrasing, closest_phrasing

# BM25's usual constants: term-frequency saturation and length normalisation.
BM25_K1 = 1.2
BM25_B = 0.75


def sorted_words(text: str) -> str:
    """The words in sorted order: token_sort_ratio(a, b) is the plain ratio of sorted_words(a) and (b)."""
    return " ".join(sorted(text.split()))


def bm25_norm(doc_length: int, mean_doc_length: float) -> float:
    """BM25's length normalisation of a document of doc_length words."""
    return BM25_K1 * (1 - BM25_B + BM25_B * doc_length / mean_doc_length)


@dataclass(frozen=True)
class IndexedEntry:
    """What one entry brings to its signals, fixed when the matcher is built."""

    phrasings: list[Phrasing]
    vocab: frozenset[str]
    pairs: frozenset[str]
    # The words of its answer and "more".
    said: frozenset[str]
    # Per word, the square root of the share of its phrasings that use the word.
    spread_root: dict[str, float]
    # Its phrasings' texts as sorted_words, in the phrasings' order.
    sorted_texts: list[str]
    # Word counts over its phrasings, and their BM25 length normalisation.
    tf: dict[str, int]
    bm25_norm: float


def entry_signals(entry: IndexedEntry, asked: Question, q: WeighedQuestion, opinion: float) -> Signals:
    weight_of, focus_of = q.weights.__getitem__, q.focus.__getitem__
    # Set intersections first: a long question has a hundred words, an entry knows a few.
    known = q.units & entry.vocab
    cov = sum(map(weight_of, known)) / q.total
    shared_pairs = q.pairs & entry.pairs
    phrase = sum(map(q.pair_weights.__getitem__, shared_pairs)) / q.pair_total if q.pair_total else cov
    best_overlap, best_contained, exact, best = closest_phrasing(entry.phrasings, q.units, q.weights, q.total)
    # How consistently the entry's phrasings use the question's words: an entry about birth
    # certificates says "khai sinh" in most phrasings, one about ID cards in one at most.
    spread = entry.spread_root
    used = spread.keys() & q.units
    usage = sum(map(operator.mul, map(weight_of, used), map(spread.__getitem__, used))) / q.total
    chars = 0.0
    if entry.phrasings:
        hit = process.extractOne(q.sorted_asking, entry.sorted_texts, scorer=fuzz.ratio)
        chars = hit[1] / 100 if hit else 0.0
    return Signals(
        cov,
        best_overlap,
        best_contained,
        phrase,
        chars,
        usage,
        exact,
        best.original if best else "",
        sum(map(focus_of, known)) / q.focus_total,
        sum(map(weight_of, asked.asking & known)) / q.ask_total,
        sum(map(focus_of, q.units & entry.said)) / q.focus_total,
        bm25(entry, q.focus),
        opinion,
    )


def bm25(entry: IndexedEntry, focus: dict[str, float]) -> float:
    """Okapi BM25 of the entry's phrasings as one document: evidence that adds up over a long question."""
    tf = entry.tf
    norm = entry.bm25_norm
    total = 0.0
    for word in tf.keys() & focus.keys():
        count = tf[word]
        total += focus[word] * count * (BM25_K1 + 1) / (count + norm)
    return total
