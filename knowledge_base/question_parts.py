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


def has_phrase(words: Sequence[str], phrases: frozenset[tuple[str, ...]], longest: int) -> bool:
    for i in range(len(words)):
        for size in range(1, min(longest, len(words) - i) + 1):
            if tuple(words[i : i + size]) in phrases:
                return True
    return False


class QuestionSplitter:
    def __init__(self, lexicon: Lexicon) -> None:
        self._phrases = lexicon.asking
        self._longest = max((len(p) for p in lexicon.asking), default=1)
        self._finals = lexicon.final_particles
        self._context = lexicon.context
        self._longest_context = max((len(p) for p in lexicon.context), default=1)

    def has_context(self, words: Sequence[str]) -> bool:
        """Whether the (normalised) words speak of a sentence served or being served."""
        return has_phrase(words, self._context, self._longest_context)

    def sentences(self, text: str) -> list[Sentence]:
        """The message's sentences, each marked asking or not; a message with no asking sentence asks whole."""
        parts: list[tuple[str, bool]] = []
        for match in _SENTENCE_RE.finditer(text):
            piece = match.group(0)
            words = tokens(piece)
            if not words:
                continue
            asking = "?" in piece or words[-1] in self._finals or has_phrase(words, self._phrases, self._longest)
            parts.append((piece, asking))
        if not any(asking for _, asking in parts):
            return [Sentence(piece, True) for piece, _ in parts]
        return [Sentence(piece, asking) for piece, asking in parts]
