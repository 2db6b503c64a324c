"""Turns a typed answer ("2", "vay von", "Tiếp tục") into one of the choices last offered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from knowledge_base.text import clean, fold

# Labels carry emoji and punctuation; people type the words. Close enough counts as the choice.
_LABEL_SIMILARITY = 88


@dataclass(frozen=True)
class Resolution:
    choice_id: str = ""
    out_of_range: bool = False


def _plain(text: str) -> str:
    return fold(clean(text))


def resolve(text: str, offered: Sequence[Sequence[str]]) -> Resolution:
    typed = _plain(text)
    if not typed or not offered:
        return Resolution()
    if typed.isdigit() and len(typed) <= 3:
        number = int(typed)
        if 1 <= number <= len(offered):
            return Resolution(offered[number - 1][0])
        return Resolution(out_of_range=True)
    best_id, best_score = "", 0.0
    for choice_id, label in offered:
        plain_label = _plain(label)
        if not plain_label:
            continue
        if typed == plain_label:
            return Resolution(choice_id)
        score = fuzz.ratio(typed, plain_label)
        if score > best_score:
            best_id, best_score = choice_id, score
    if best_score >= _LABEL_SIMILARITY:
        return Resolution(best_id)
    return Resolution()
