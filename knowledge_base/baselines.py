"""Two simple matchers to measure ours against: the closest raw phrasing by a string similarity."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from knowledge_base.faq import FaqEntry
from knowledge_base.matcher import ANSWER, FALLBACK, MatchResult

# Baselines answer when their similarity clears these cut-offs (their usual defaults), else reject.
DIFFLIB_CUTOFF = 0.6
RAPIDFUZZ_CUTOFF = 70.0
BASELINES = {
    "rapidfuzz": "rapidfuzz.process.extractOne (raw phrasings)",
    "difflib": "difflib.get_close_matches (raw phrasings)",
}


class PhrasingBaseline:
    """Best raw phrasing by a string similarity; its entry is the answer. It never suggests."""

    def __init__(self, entries: Sequence[FaqEntry], kind: str) -> None:
        if kind not in BASELINES:
            raise ValueError(f"unknown baseline {kind!r}")
        self.kind = kind
        self.name = BASELINES[kind]
        self.phrasings: list[str] = []
        self.slugs: list[str] = []
        for entry in entries:
            if entry.status != "published":
                continue
            for phrasing in entry.phrasings:
                self.phrasings.append(phrasing)
                self.slugs.append(entry.slug)
        self.index = dict(zip(self.phrasings, self.slugs, strict=True))

    def match(self, question: str) -> MatchResult:
        if self.kind == "difflib":
            found = difflib.get_close_matches(question, self.phrasings, n=1, cutoff=DIFFLIB_CUTOFF)
            slug = self.index[found[0]] if found else None
            score = difflib.SequenceMatcher(None, question, found[0]).ratio() if found else 0.0
        else:
            hit = process.extractOne(question, self.phrasings, scorer=fuzz.WRatio, score_cutoff=RAPIDFUZZ_CUTOFF)
            slug = self.slugs[hit[2]] if hit else None
            score = hit[1] / 100 if hit else 0.0
        return MatchResult(question, question, ANSWER if slug else FALLBACK, slug, score)
