"""A second opinion on which entry a question is about: a nearest-centroid TF-IDF classifier.

The matcher's own signals are all about the closest phrasing and the share of the question an entry's
words explain. This reads the same words differently: each entry is one TF-IDF vector of every word
and word pair its title, phrasings, keywords and (at half weight) answer use, the question is another
(its words weighted as the matcher weighs them, asking sentences fully, the story's known words at
half), and the opinion is their cosine. Where the two readings agree on the best entry, the answer is
more often right; where they disagree, the question is often someone else's. The fitted decision
weighs that agreement (knowledge_base/features.py).

It is built from the shipped content when the matcher is built, so it follows every edit of the
entries; nothing is trained on labelled questions and no model file ships.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

# The answer says much that no one asks about; its words count half as much as a phrasing's.
ANSWER_FACTOR = 0.5


def terms(words: Sequence[str], focus: Mapping[str, float] | None = None) -> dict[str, float]:
    """Word and word-pair counts, each occurrence weighted by its words' focus (1 without one)."""
    counts: dict[str, float] = defaultdict(float)
    for word in words:
        counts[word] += focus.get(word, 0.0) if focus is not None else 1.0
    for a, b in itertools.pairwise(words):
        counts[f"{a} {b}"] += min(focus.get(a, 0.0), focus.get(b, 0.0)) if focus is not None else 1.0
    return {term: count for term, count in counts.items() if count > 0}


class SecondOpinion:
    def __init__(self, documents: Mapping[str, Iterable[tuple[Sequence[str], float]]]) -> None:
        """documents: per entry, its texts as content words, each with the weight its counts get."""
        counts: dict[str, dict[str, float]] = {}
        df: dict[str, int] = defaultdict(int)
        for slug, texts in documents.items():
            entry: dict[str, float] = defaultdict(float)
            for words, factor in texts:
                for term, count in terms(words).items():
                    entry[term] += factor * count
            counts[slug] = dict(entry)
            for term in entry:
                df[term] += 1
        n = max(len(counts), 1)
        self._idf = {term: math.log(1 + n / d) for term, d in df.items()}
        # A word no entry uses weighs most: the question's weight that no entry can explain.
        self._unknown_idf = math.log(1 + n / 0.5)
        self._vectors: dict[str, dict[str, float]] = {}
        for slug, entry in counts.items():
            vector = {term: (1 + math.log(c)) * self._idf[term] for term, c in entry.items() if c >= 1}
            vector.update({term: c * self._idf[term] for term, c in entry.items() if c < 1})
            norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
            self._vectors[slug] = {term: v / norm for term, v in vector.items()}

    def opinions(self, words: Sequence[str], focus: Mapping[str, float], slugs: Iterable[str]) -> dict[str, float]:
        """The cosine of the question with each of the given entries."""
        query = {
            term: (1 + math.log(c) if c >= 1 else c) * self._idf.get(term, self._unknown_idf)
            for term, c in terms(words, focus).items()
        }
        norm = math.sqrt(sum(v * v for v in query.values()))
        if not norm:
            return dict.fromkeys(slugs, 0.0)
        known = [term for term in query if term in self._idf]
        weights = [query[term] / norm for term in known]
        out: dict[str, float] = {}
        empty: dict[str, float] = {}
        # map() over C functions rather than a generator: this runs for 20 candidates of every message.
        for slug in slugs:
            weight_of = self._vectors.get(slug, empty).get
            out[slug] = sum(map(operator.mul, weights, map(weight_of, known, itertools.repeat(0.0))))
        return out
