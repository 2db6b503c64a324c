"""Turns what people type into the folded token form the matcher compares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from knowledge_base.lexicon import Lexicon
from knowledge_base.text import clean, squeeze, tokens


def _starts(phrases: Iterable[tuple[str, ...]]) -> dict[str, int]:
    """For each word that begins a phrase, the length of the longest phrase it begins."""
    starts: dict[str, int] = {}
    for phrase in phrases:
        starts[phrase[0]] = max(starts.get(phrase[0], 0), len(phrase))
    return starts


def _rewrite(
    words: Sequence[str], table: Mapping[tuple[str, ...], tuple[str, ...]], starts: Mapping[str, int]
) -> list[str]:
    """Replace every phrase found in table, longest match first, scanning left to right."""
    # Most words begin no phrase: only where one does is a tuple built; the words between are copied.
    begins = [i for i, word in enumerate(words) if word in starts]
    if not begins:
        return list(words)
    out: list[str] = []
    done = 0
    for i in begins:
        if i < done:
            continue  # inside a phrase already replaced
        for size in range(min(starts[words[i]], len(words) - i), 0, -1):
            replacement = table.get(tuple(words[i : i + size]))
            if replacement is not None:
                out.extend(words[done:i])
                out.extend(replacement)
                done = i + size
                break
    out.extend(words[done:])
    return out


@dataclass(frozen=True)
class Normalized:
    text: str
    words: tuple[str, ...]


class Normalizer:
    """NFC, lower case, folded, teen-code expanded, synonyms made canonical, filler dropped."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._expansion_starts = _starts(lexicon.expansions)
        self._synonym_starts = _starts(lexicon.synonyms)
        self._filler = {k: () for k in lexicon.filler}
        self._filler_starts = _starts(self._filler)
        # The same words come back in every message; squeezing is a regular expression per word.
        self._squeeze = lru_cache(maxsize=50_000)(squeeze)
        # Small-talk phrases go through the same rewrites as messages, so "tks" and "thanks" meet.
        self._smalltalk = {
            intent: frozenset(" ".join(self.words(p, drop_filler=False)) for p in phrases)
            for intent, phrases in lexicon.smalltalk.items()
        }

    def words(self, text: str, *, drop_filler: bool = True) -> list[str]:
        return self.rewrite(tokens(text), drop_filler=drop_filler)

    def rewrite(self, typed_tokens: Sequence[str], *, drop_filler: bool = True) -> list[str]:
        """words() of a text whose tokens (text.tokens) are already at hand."""
        # Abbreviations are looked up as typed ("cccd", "lltp"); other words lose emphasis letters.
        typed = [w if w in self._expansion_starts else self._squeeze(w) for w in typed_tokens]
        words = _rewrite(typed, self.lexicon.expansions, self._expansion_starts)
        words = _rewrite(words, self.lexicon.synonyms, self._synonym_starts)
        if drop_filler:
            kept = _rewrite(words, self._filler, self._filler_starts)
            # A message made only of filler ("a", "nha") keeps its words rather than becoming empty.
            words = kept or words
        return words

    def normalize(self, text: str) -> Normalized:
        words = tuple(self.words(text))
        return Normalized(" ".join(words), words)

    def is_crisis(self, text: str) -> bool:
        """Whether the message holds a phrase of self-harm, as typed or after teen-code expansion."""
        if any(f" {p} " in f" {clean(text)} " for p in self.lexicon.crisis_exact):
            return True
        phrases = self.lexicon.crisis
        if not phrases:
            return False
        longest = max(len(p) for p in phrases)
        for words in (tokens(text), self.words(text, drop_filler=False)):
            for i in range(len(words)):
                for size in range(1, min(longest, len(words) - i) + 1):
                    if tuple(words[i : i + size]) in phrases:
                        return True
        return False

    def smalltalk_intent(self, text: str) -> str | None:
        """The small-talk intent when the whole message is a greeting, thanks, ok or goodbye."""
        key = " ".join(self.words(text, drop_filler=False))
        stripped = " ".join(self.words(text))
        for intent, phrases in self._smalltalk.items():
            if key in phrases or stripped in phrases:
                return intent
        return None
