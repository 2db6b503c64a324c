"""Character-level primitives of Vietnamese normalisation: cleaning, folding, tokenising."""

from __future__ import annotations

import re
import unicodedata

_SPACE_RE = re.compile(r"\s+")
# A letter repeated for emphasis ("vayyyy", "nhaaa"): folded Vietnamese words never hold a letter three
# times in a row, and only "uu" (ưu, hưu, bưu) and "oo" (xoong) twice, so other runs collapse to one.
_REPEAT_RE = re.compile(r"([^\Wuo\d_])\1+|([uo])\2{2,}")


def fold(text: str) -> str:
    """Lower-case text without diacritics, with đ -> d: how people type on a phone without a VN keyboard."""
    text = unicodedata.normalize("NFC", text).lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def squeeze(word: str) -> str:
    """'vayyy' -> 'vay', 'nhaaa' -> 'nha'; 'uu' and 'oo' stay ('uu dai' is ưu đãi)."""
    return _REPEAT_RE.sub(lambda m: m.group(1) or m.group(2) * 2, word)


def clean(text: str) -> str:
    """NFC, lower case, every non-letter/non-digit turned into a space."""
    text = unicodedata.normalize("NFC", text).lower()
    out: list[str] = []
    for ch in text:
        cat = unicodedata.category(ch)
        # Letters and digits carry meaning; combining marks stay attached to their letter. Everything
        # else (punctuation, emoji, control characters, symbols) only separates words.
        if cat[0] in "LN" or cat == "Mn":
            out.append(ch)
        else:
            out.append(" ")
    return _SPACE_RE.sub(" ", "".join(out)).strip()


def tokens(text: str) -> list[str]:
    """Folded word tokens of a text, as typed (abbreviations such as 'cccd' are not squeezed here)."""
    return fold(clean(text)).split()


def has_letters(text: str) -> bool:
    return any(unicodedata.category(ch)[0] == "L" for ch in text)
