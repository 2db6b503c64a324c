"""Character-level primitives of Vietnamese normalisation: cleaning, folding, tokenising."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_SPACE_RE = re.compile(r"\s+")
# A letter repeated for emphasis ("vayyyy", "nhaaa"): folded Vietnamese words never hold a letter three
# times in a row, and only "uu" (ưu, hưu, bưu) and "oo" (xoong) twice, so other runs collapse to one.
_REPEAT_RE = re.compile(r"([^\Wuo\d_])\1+|([uo])\2{2,}")


# Characters a table remembers at most: a message of every code point cannot make it grow without end.
_TABLE_LIMIT = 1 << 16


class _CharTable(dict[int, str]):
    """What str.translate replaces each character with, worked out the first time the character is seen:
    translate then does in C what a loop over the characters did in Python, with the same result."""

    def __init__(self, rule: Callable[[str], str]) -> None:
        super().__init__()
        self._rule = rule

    def __missing__(self, code: int) -> str:
        value = self._rule(chr(code))
        if len(self) < _TABLE_LIMIT:
            self[code] = value
        return value


def _separator_or_self(ch: str) -> str:
    # Letters and digits carry meaning; combining marks stay attached to their letter. Everything
    # else (punctuation, emoji, control characters, symbols) only separates words.
    cat = unicodedata.category(ch)
    return ch if cat[0] in "LN" or cat == "Mn" else " "


_UNMARKED = _CharTable(lambda ch: "" if unicodedata.combining(ch) else ch)
_SEPARATED = _CharTable(_separator_or_self)


def fold(text: str) -> str:
    """Lower-case text without diacritics, with đ -> d: how people type on a phone without a VN keyboard."""
    text = unicodedata.normalize("NFC", text).lower().replace("đ", "d")
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).translate(_UNMARKED))


def squeeze(word: str) -> str:
    """'vayyy' -> 'vay', 'nhaaa' -> 'nha'; 'uu' and 'oo' stay ('uu dai' is ưu đãi)."""
    return _REPEAT_RE.sub(lambda m: m.group(1) or m.group(2) * 2, word)


def clean(text: str) -> str:
    """NFC, lower case, every non-letter/non-digit turned into a space."""
    text = unicodedata.normalize("NFC", text).lower()
    return _SPACE_RE.sub(" ", text.translate(_SEPARATED)).strip()


def tokens(text: str) -> list[str]:
    """Folded word tokens of a text, as typed (abbreviations such as 'cccd' are not squeezed here)."""
    return fold(clean(text)).split()


def has_letters(text: str) -> bool:
    return any(unicodedata.category(ch)[0] == "L" for ch in text)
