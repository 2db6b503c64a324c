"""A known word for an unknown one: what people type on a phone without a Vietnamese keyboard."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

# Teen-code spellings of a syllable's first letters ("fai" = phải, "wa" = qua, "zui" = vui).
_TEEN_ONSETS = (("f", "ph"), ("w", "qu"), ("z", "d"), ("z", "gi"), ("z", "v"), ("j", "gi"), ("k", "c"))


class Corrector:
    def __init__(self, known: Collection[str], index: Iterable[str]) -> None:
        """known: every word the knowledge base knows; index: the words a correction may land on."""
        self._known = known
        self._by_letter: dict[str, list[str]] = defaultdict(list)
        for word in sorted(index):
            if len(word) >= 3:
                self._by_letter[word[0]].append(word)
        self.correct = lru_cache(maxsize=20_000)(self._correct)

    def _correct(self, word: str) -> str:
        """Teen-code onsets first, then a single typo.

        A typo keeps the first letter and the length within one; without that, "xăng" (petrol) would
        become "bằng" (diploma) and an out-of-scope question would look like a known one.
        """
        for typed, real in _TEEN_ONSETS:
            if word.startswith(typed) and (real + word[len(typed) :]) in self._known:
                return real + word[len(typed) :]
        if len(word) < 4 or word.isdigit():
            return word
        same_start = [w for w in self._by_letter.get(word[0], ()) if abs(len(w) - len(word)) <= 1]
        found = process.extractOne(word, same_start, scorer=DamerauLevenshtein.distance, score_cutoff=1)
        return found[0] if found else word
