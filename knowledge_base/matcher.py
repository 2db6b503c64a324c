"""Scores FAQ entries against a question and decides: answer, suggest, or fallback.

Each entry is a bag of phrasings. A question is compared in folded token space (after teen-code,
synonyms and filler are handled by the normaliser) on four signals:

* coverage: how much of the question's meaning (idf-weighted words) the entry's vocabulary explains;
  a question with rare words no entry knows ("xăng", "bánh chưng") scores low, which is what lets the
  matcher say "I don't know" instead of guessing;
* phrasing overlap: weighted Dice between the question and the entry's closest phrasing, and how much
  of that phrasing the question contains (a long, rambling question still contains the key phrase);
* phrase bonus: shared word pairs ("án tích", "vay vốn") that single words cannot tell apart;
* character similarity (rapidfuzz) with the closest phrasing, for what typos leave of the words;
* usage: how consistently the entry's phrasings use the question's words;
* exact: the question is word for word one of the entry's phrasings.

Candidates come from an inverted index, so only entries sharing a word with the question are scored.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from knowledge_base.faq import FaqEntry
from knowledge_base.normalizer import Normalizer

ANSWER = "answer"
SUGGEST = "suggest"
FALLBACK = "fallback"

# Teen-code spellings of a syllable's first letters ("fai" = phải, "wa" = qua, "zui" = vui).
_TEEN_ONSETS = (("f", "ph"), ("w", "qu"), ("z", "d"), ("z", "gi"), ("z", "v"), ("j", "gi"), ("k", "c"))


@dataclass(frozen=True)
class MatchSettings:
    answer_threshold: float = 0.55
    suggest_threshold: float = 0.35
    margin: float = 0.06
    # Above this, an entry is answered even when the runner-up is close (the runner-up is offered too).
    close_answer_threshold: float = 0.8
    min_coverage: float = 0.5
    max_suggestions: int = 3
    candidates: int = 20

    # Weights of the signals. Apart from the exact-phrasing bonus they add up to 1, so a score reads
    # as a share; `kb match` reports it capped at 1.
    # Tuned on tests/data/validation-questions.jsonl (written without sight of the content), then
    # checked on the development questions; phrasing overlap only picks the matched phrasing.
    w_coverage: float = 0.222
    w_overlap: float = 0.0
    w_contained: float = 0.222
    w_phrase: float = 0.167
    w_chars: float = 0.111
    w_usage: float = 0.278
    # A question that is, word for word, one of an entry's phrasings: a bonus on top.
    w_exact: float = 0.1


@dataclass(frozen=True)
class ScoredEntry:
    slug: str
    score: float
    coverage: float
    phrasing: str


@dataclass(frozen=True)
class MatchResult:
    question: str
    normalized: str
    decision: str
    slug: str | None
    score: float
    suggestions: tuple[str, ...] = ()
    top: tuple[ScoredEntry, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, object]:
        return {
            "q": self.question,
            "decision": self.decision,
            "slug": self.slug,
            "score": round(min(self.score, 1.0), 4),
            "suggestions": list(self.suggestions),
        }


@dataclass(frozen=True)
class Signals:
    coverage: float
    overlap: float
    contained: float
    phrase: float
    chars: float
    usage: float
    exact: float
    phrasing: str


@dataclass
class _Phrasing:
    original: str
    text: str
    units: frozenset[str]
    # The summed weight of its words, fixed once the index's weights are known.
    weight: float = 0.0


def _bigrams(words: Sequence[str]) -> set[str]:
    return {f"{a} {b}" for a, b in itertools.pairwise(words)}


class Matcher:
    def __init__(
        self, entries: Iterable[FaqEntry], normalizer: Normalizer, settings: MatchSettings | None = None
    ) -> None:
        self.normalizer = normalizer
        self.settings = settings or MatchSettings()
        self._stop = normalizer.lexicon.stopwords
        published = [e for e in entries if e.status == "published"]
        self.entries = {e.slug: e for e in published}
        self._phrasings: dict[str, list[_Phrasing]] = {}
        self._vocab: dict[str, frozenset[str]] = {}
        self._pairs: dict[str, frozenset[str]] = {}
        self._spread: dict[str, dict[str, float]] = {}
        df: dict[str, int] = defaultdict(int)
        for entry in published:
            phrasings: list[_Phrasing] = []
            vocab: set[str] = set()
            pairs: set[str] = set()
            # Keywords add vocabulary; the title and phrasings are also what a question is compared with.
            sources = [(text, True) for text in (entry.title, *entry.phrasings)]
            sources += [(text, False) for text in entry.keywords]
            for original, is_phrasing in sources:
                words = self._content_words(self.normalizer.words(original))
                if not words:
                    continue
                vocab.update(words)
                pairs.update(_bigrams(words))
                if is_phrasing:
                    phrasings.append(_Phrasing(original, " ".join(words), frozenset(words)))
            self._phrasings[entry.slug] = phrasings
            counts: dict[str, int] = defaultdict(int)
            for phrasing in phrasings:
                for word in phrasing.units:
                    counts[word] += 1
            self._spread[entry.slug] = {w: c / len(phrasings) for w, c in counts.items()} if phrasings else {}
            self._vocab[entry.slug] = frozenset(vocab)
            self._pairs[entry.slug] = frozenset(pairs)
            for term in vocab | pairs:
                df[term] += 1
        n = max(len(published), 1)
        self._idf = {term: math.log(1 + n / count) for term, count in df.items()}
        self._unknown_idf = math.log(1 + n / 0.5)
        # Words of the answers that no phrasing uses are still ordinary words of this field ("vợ",
        # "nuôi"): they weigh like a common index word, while a word found nowhere ("xăng", "euro")
        # weighs most, since it is what marks a question as out of scope.
        self._background: frozenset[str] = frozenset(
            w
            for e in published
            for text in (e.answer, e.more)
            for w in self._content_words(self.normalizer.words(text, drop_filler=False))
        ) - frozenset(df)
        self._background_idf = math.log(1 + 4)
        for phrasings in self._phrasings.values():
            for phrasing in phrasings:
                phrasing.weight = sum(self.weight(w) for w in phrasing.units)
        self._texts = {slug: [p.text for p in phrasings] for slug, phrasings in self._phrasings.items()}
        self._postings: dict[str, list[str]] = defaultdict(list)
        for slug, entry_words in self._vocab.items():
            for word in entry_words:
                self._postings[word].append(slug)
        self._candidate_budget = 1000
        self._known_by_letter: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self._postings):
            if len(word) >= 3:
                self._known_by_letter[word[0]].append(word)
        self._correct = lru_cache(maxsize=20_000)(self._correct_uncached)

    # -- question side -------------------------------------------------------------------------

    def _content_words(self, words: Sequence[str]) -> list[str]:
        return [w for w in words if w not in self._stop]

    def _correct_uncached(self, word: str) -> str:
        """A known word for an unknown one: teen-code onsets first, then a single typo.

        A typo keeps the first letter and the length within one; without that, "xăng" (petrol) would
        become "bằng" (diploma) and an out-of-scope question would look like a known one.
        """
        for typed, real in _TEEN_ONSETS:
            if word.startswith(typed) and (real + word[len(typed) :]) in self._postings:
                return real + word[len(typed) :]
        if len(word) < 4 or word.isdigit():
            return word
        same_start = [w for w in self._known_by_letter.get(word[0], ()) if abs(len(w) - len(word)) <= 1]
        found = process.extractOne(word, same_start, scorer=DamerauLevenshtein.distance, score_cutoff=1)
        return found[0] if found else word

    def question_words(self, question: str) -> list[str]:
        words = self._content_words(self.normalizer.words(question))
        return [w if w in self._postings or w in self._background else self._correct(w) for w in words]

    def weight(self, term: str) -> float:
        weight = self._idf.get(term)
        if weight is not None:
            return weight
        return self._background_idf if term in self._background else self._unknown_idf

    # -- scoring -------------------------------------------------------------------------------

    def signals(self, question: str) -> tuple[str, dict[str, Signals]]:
        """The normalised question, and each candidate entry's signals (see the module docstring)."""
        words = self.question_words(question)
        text = " ".join(words)
        if not words:
            return text, {}
        units = set(words)
        weights = {w: self.weight(w) for w in units}
        pairs = _bigrams(words)
        total = sum(weights.values())
        pair_total = sum(self.weight(p) for p in pairs)

        # Candidates come from the question's rarest words, within a budget of postings: a word that
        # half the entries share would make every entry a candidate and decide nothing. The rarest
        # word always counts, so a question of common words still finds its entries.
        partial: dict[str, float] = defaultdict(float)
        budget = self._candidate_budget
        for word in sorted(units, key=lambda w: len(self._postings.get(w, ()))):
            postings = self._postings.get(word, ())
            if partial and len(postings) > budget:
                break
            budget -= len(postings)
            for slug in postings:
                partial[slug] += weights[word]
        shortlist = heapq.nlargest(self.settings.candidates, partial, key=partial.__getitem__)

        found: dict[str, Signals] = {}
        for slug in shortlist:
            vocab = self._vocab[slug]
            phrasings = self._phrasings[slug]
            cov = sum(weight for word, weight in weights.items() if word in vocab) / total
            phrase = sum(self.weight(p) for p in pairs & self._pairs[slug]) / pair_total if pair_total else cov
            best_overlap, best_contained, best = 0.0, 0.0, phrasings[0] if phrasings else None
            exact = 0.0
            for phrasing in phrasings:
                inter = units & phrasing.units
                if not inter:
                    continue
                if len(inter) == len(units) == len(phrasing.units):
                    exact = 1.0
                shared = sum(weights[w] for w in inter)
                overlap = 2 * shared / (total + phrasing.weight)
                if overlap > best_overlap:
                    best_overlap, best = overlap, phrasing
                if shared / phrasing.weight > best_contained:
                    best_contained = shared / phrasing.weight
            # How consistently the entry's phrasings use the question's words: an entry about birth
            # certificates says "khai sinh" in most phrasings, one about ID cards in one at most.
            spread = self._spread[slug]
            usage = sum(weights[w] * math.sqrt(spread.get(w, 0.0)) for w in units) / total
            chars = 0.0
            if phrasings:
                hit = process.extractOne(text, self._texts[slug], scorer=fuzz.token_sort_ratio)
                chars = hit[1] / 100 if hit else 0.0
            found[slug] = Signals(
                cov, best_overlap, best_contained, phrase, chars, usage, exact, best.original if best else ""
            )
        return text, found

    def combine(self, signals: Signals) -> float:
        s = self.settings
        return (
            s.w_coverage * signals.coverage
            + s.w_overlap * signals.overlap
            + s.w_contained * signals.contained
            + s.w_phrase * signals.phrase
            + s.w_chars * signals.chars
            + s.w_usage * signals.usage
            + s.w_exact * signals.exact
        )

    def score(self, question: str) -> tuple[str, list[ScoredEntry]]:
        text, found = self.signals(question)
        scored = [ScoredEntry(slug, self.combine(sig), sig.coverage, sig.phrasing) for slug, sig in found.items()]
        scored.sort(key=lambda e: e.score, reverse=True)
        return text, scored

    def match(self, question: str) -> MatchResult:
        text, scored = self.score(question)
        s = self.settings
        if not scored:
            return MatchResult(question, text, FALLBACK, None, 0.0)
        best = scored[0]
        runner_up = scored[1].score if len(scored) > 1 else 0.0
        top = tuple(scored[:5])
        confident = best.score >= s.answer_threshold and best.coverage >= s.min_coverage
        if confident and best.score - runner_up >= s.margin:
            return MatchResult(question, text, ANSWER, best.slug, best.score, (), top)
        if confident and best.score >= s.close_answer_threshold:
            # Two entries both match very well ("vay vốn": who may borrow / how to apply): answer with
            # the best and offer the other beside it, rather than make the person choose blind.
            related = tuple(e.slug for e in scored[1 : s.max_suggestions] if e.score >= s.answer_threshold)
            return MatchResult(question, text, ANSWER, best.slug, best.score, related, top)
        if best.score >= s.suggest_threshold:
            close = [e.slug for e in scored if e.score >= s.suggest_threshold][: s.max_suggestions]
            return MatchResult(question, text, SUGGEST, best.slug, best.score, tuple(close), top)
        return MatchResult(question, text, FALLBACK, best.slug, best.score, (), top)
