"""Splits a message into the sentences that ask and the sentences that tell the story around them.

People who write to a legal column (and many who write to a chat) first tell what happened ("Tôi năm
nay 24 tuổi, có hộ khẩu ở Kon Tum ...") and then ask ("... cho tôi hỏi ..."). The story's names,
places, ages and dates are words no entry knows; counted like the question's own words they make every
entry look like a poor match. The matcher weighs the asking sentences fully and the story only where
the knowledge base knows its words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge_base.lexicon import Lexicon
from knowledge_base.text import tokens

# Sentence ends; the question mark is kept apart because it marks the sentence as asking.
_SENTENCE_RE = re.compile(r"[^.!?;\n…]+[.!?;\n…]*")


@dataclass(frozen=True)
class Sentence:
    text: str
    asking: bool
    # Its tokens (text.tokens), so that the matcher does not tokenise the sentence again.
    tokens: tuple[str, ...] = ()


class PhraseSet:
    """Phrases as token tuples, and whether a sequence of words holds one of them."""

    def __init__(self, phrases: frozenset[tuple[str, ...]]) -> None:
        self._phrases = phrases
        self._longest = max((len(p) for p in phrases), default=1)
        # Most words begin no phrase: no tuple is built where none could be found.
        self._firsts = frozenset(p[0] for p in phrases if p)

    def found_in(self, words: Sequence[str]) -> bool:
        firsts = self._firsts
        for i, word in enumerate(words):
            if word not in firsts:
                continue
            for size in range(1, min(self._longest, len(words) - i) + 1):
                if tuple(words[i : i + size]) in self._phrases:
                    return True
        return False


class QuestionSplitter:
    def __init__(self, lexicon: Lexicon) -> None:
        self._asking = PhraseSet(lexicon.asking)
        self._finals = lexicon.final_particles
        self._context = PhraseSet(lexicon.context)

    def has_context(self, words: Sequence[str]) -> bool:
        """Whether the (normalised) words speak of a sentence served or being served."""
        return self._context.found_in(words)

    def sentences(self, text: str) -> list[Sentence]:
        """The message's sentences, each marked asking or not; a message with no asking sentence asks whole."""
        parts: list[Sentence] = []
        for match in _SENTENCE_RE.finditer(text):
            piece = match.group(0)
            words = tuple(tokens(piece))
            if not words:
                continue
            asking = "?" in piece or words[-1] in self._finals or self._asking.found_in(words)
            parts.append(Sentence(piece, asking, words))
        if not any(sentence.asking for sentence in parts):
            return [Sentence(s.text, True, s.tokens) for s in parts]
        return parts
