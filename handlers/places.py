"""Finding a person's commune from what they type: names and pre-2025 aliases, with or without marks."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from handlers.domain import Locality
from knowledge_base.text import clean, fold

# Words that name the kind of unit rather than the unit: "xã Hòa An" and "Hòa An" are the same answer.
_UNIT_WORDS = re.compile(r"^(?:xa|phuong|thi tran|dac khu|tt|p|x)\s+")
_SURE = 92
_CLOSE = 75


def _plain(name: str) -> str:
    return _UNIT_WORDS.sub("", fold(clean(name)))


def find_localities(typed: str, localities: Sequence[Locality], limit: int = 5) -> tuple[list[Locality], bool]:
    """Candidates best first, and whether the first one is a sure match (no need to show others)."""
    query = _plain(typed)
    if not query:
        return [], False
    scored: list[tuple[float, Locality]] = []
    for locality in localities:
        best = 0.0
        for name in (locality.name, *locality.aliases):
            plain = _plain(name)
            if not plain:
                continue
            score = 100.0 if plain == query else fuzz.ratio(query, plain)
            # "hoa an binh duong": the commune followed by its province.
            if query.startswith(plain + " ") and fold(clean(locality.province)).endswith(query[len(plain) + 1 :]):
                score = 100.0
            best = max(best, score)
        if best >= _CLOSE:
            scored.append((best, locality))
    scored.sort(key=lambda item: item[0], reverse=True)
    found = [locality for _, locality in scored[:limit]]
    sure = bool(scored) and scored[0][0] >= _SURE and (len(scored) == 1 or scored[1][0] < scored[0][0] - 5)
    return found, sure
