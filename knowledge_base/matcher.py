"""Scores FAQ entries against a question; the fitted decision then answers, suggests or falls back.

A message is first read sentence by sentence (question_parts): the sentences that ask count fully;
the story around them counts only for the words the knowledge base knows, so that a long question's
names, places, ages and dates are not evidence against every entry. Each candidate entry is then
compared with the question in folded token space (after teen-code, synonyms and filler are handled by
the normaliser) on these signals:

* coverage: how much of the question's meaning (idf-weighted words) the entry's vocabulary explains,
  over all the words, over the asking part with the story's known words at half weight, over the
  asking sentences alone, and by the words of the entry's answer; a question with rare words no entry
  knows ("xăng", "bánh chưng") scores low, which is what lets the matcher say "I don't know";
* phrasing overlap: how much of the entry's closest phrasing the question contains;
* phrase bonus: shared word pairs ("án tích", "vay vốn") that single words cannot tell apart;
* character similarity (rapidfuzz) of the asking part with the closest phrasing, for typos;
* usage: how consistently the entry's phrasings use the question's words;
* exact: the question is word for word one of the entry's phrasings;
* BM25 over the entry's phrasings as one document: evidence that adds up over a long question;
* context: whether an entry whose phrasings nearly all speak of prison meets a question that does not.

Candidates come from an inverted index, so only entries sharing a word with the question are scored.
The fitted models that weigh these signals, and the cut-offs, are in knowledge_base/decision.py.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence

from knowledge_base.decide import decide, decide_by_hand
from knowledge_base.entry_signals import IndexedEntry, bm25_norm, entry_signals, sorted_words
from knowledge_base.faq import FaqEntry
from knowledge_base.features import candidate_features
from knowledge_base.match_types import (
    ANSWER,
    FALLBACK,
    SUGGEST,
    MatchResult,
    MatchSettings,
    Question,
    ScoredEntry,
    Signals,
    WeighedQuestion,
    best_first,
)
from knowledge_base.normalizer import Normalizer
from knowledge_base.phrasings import Phrasing, bigrams
from knowledge_base.question_parts import QuestionSplitter
from knowledge_base.second_opinion import ANSWER_FACTOR, SecondOpinion
from knowledge_base.typos import Corrector

__all__ = ["ANSWER", "FALLBACK", "SUGGEST", "MatchResult", "MatchSettings", "Matcher", "Question", "ScoredEntry"]

# How much a known word of the story counts beside a word of the asking sentence.
STORY_FACTOR = 0.5


class Matcher:
    def __init__(
        self, entries: Iterable[FaqEntry], normalizer: Normalizer, settings: MatchSettings | None = None
    ) -> None:
        self.normalizer = normalizer
        self.settings = settings or MatchSettings()
        self._splitter = QuestionSplitter(normalizer.lexicon)
        self._stop = normalizer.lexicon.stopwords
        published = [e for e in entries if e.status == "published"]
        self.entries = {e.slug: e for e in published}
        self._phrasings: dict[str, list[Phrasing]] = {}
        self._vocab: dict[str, frozenset[str]] = {}
        self._pairs: dict[str, frozenset[str]] = {}
        # Per entry and word, the square root of the share of its phrasings that use the word.
        self._spread_root: dict[str, dict[str, float]] = {}
        self._tf: dict[str, dict[str, int]] = {}
        self._context_share: dict[str, float] = {}
        self._doc_length: dict[str, int] = {}
        self._opinion_texts: dict[str, list[tuple[list[str], float]]] = {}
        df: dict[str, int] = defaultdict(int)
        for entry in published:
            for term in self._index_entry(entry):
                df[term] += 1
        n = max(len(published), 1)
        self._mean_doc_length = max(sum(self._doc_length.values()) / n, 1.0)
        self._idf = {term: math.log(1 + n / count) for term, count in df.items()}
        self._unknown_idf = math.log(1 + n / 0.5)
        self._index_answers(published, frozenset(df))
        self._background_idf = math.log(1 + 4)
        # Every known term's weight in one table; an index term outweighs the answers' own words.
        self._weights = dict.fromkeys(self._background, self._background_idf) | self._idf
        for phrasings in self._phrasings.values():
            for phrasing in phrasings:
                phrasing.weight = sum(self.weight(w) for w in phrasing.units)
        self._indexed = {
            slug: IndexedEntry(
                phrasings,
                self._vocab[slug],
                self._pairs[slug],
                self._said[slug],
                self._spread_root[slug],
                [sorted_words(p.text) for p in phrasings],
                self._tf[slug],
                bm25_norm(self._doc_length[slug], self._mean_doc_length),
            )
            for slug, phrasings in self._phrasings.items()
        }
        self._postings: dict[str, list[str]] = defaultdict(list)
        for slug, entry_words in self._vocab.items():
            for word in entry_words:
                self._postings[word].append(slug)
        self._posting_counts = {word: len(slugs) for word, slugs in self._postings.items()}
        self._candidate_budget = 1000
        self._corrector = Corrector(self._postings, self._postings)
        self._known_words = frozenset(self._postings) | self._background

    def _index_entry(self, entry: FaqEntry) -> set[str]:
        """An entry's phrasings, word counts and vocabulary; returns the terms it contributes to the index."""
        phrasings: list[Phrasing] = []
        vocab: set[str] = set()
        pairs: set[str] = set()
        # Keywords add vocabulary; the title and phrasings are also what a question is compared with.
        sources = [(text, True) for text in (entry.title, *entry.phrasings)]
        sources += [(text, False) for text in entry.keywords]
        with_context: list[bool] = []
        texts = self._opinion_texts.setdefault(entry.slug, [])
        for original, is_phrasing in sources:
            normalized = self.normalizer.words(original)
            words = self._content_words(normalized)
            if not words:
                continue
            texts.append((words, 1.0))
            vocab.update(words)
            pairs.update(bigrams(words))
            if is_phrasing:
                phrasings.append(Phrasing(original, " ".join(words), frozenset(words)))
                with_context.append(self._splitter.has_context(normalized))
        self._phrasings[entry.slug] = phrasings
        self._context_share[entry.slug] = sum(with_context) / len(with_context) if with_context else 0.0
        counts: dict[str, int] = defaultdict(int)
        for phrasing in phrasings:
            for word in phrasing.units:
                counts[word] += 1
        self._tf[entry.slug] = dict(counts)
        self._doc_length[entry.slug] = sum(counts.values())
        spread = {w: c / len(phrasings) for w, c in counts.items()} if phrasings else {}
        self._spread_root[entry.slug] = {w: math.sqrt(share) for w, share in spread.items()}
        self._vocab[entry.slug] = frozenset(vocab)
        self._pairs[entry.slug] = frozenset(pairs)
        return vocab | pairs

    def _index_answers(self, published: Sequence[FaqEntry], indexed: frozenset[str]) -> None:
        """What the answers say beyond the index: the field's words and word pairs no phrasing uses."""
        # Words of the answers that no phrasing uses are still ordinary words of this field ("vợ",
        # "nuôi"): they weigh like a common index word, while a word found nowhere ("xăng", "euro")
        # weighs most, since it is what marks a question as out of scope.
        # What each entry's answer says: a long question's legal words ("thời gian thử thách") are often
        # there rather than in any phrasing.
        said_words = {
            e.slug: [self._content_words(self.normalizer.words(text, drop_filler=False)) for text in (e.answer, e.more)]
            for e in published
        }
        self._said: dict[str, frozenset[str]] = {
            slug: frozenset(w for words in texts for w in words) for slug, texts in said_words.items()
        }
        for slug, texts in said_words.items():
            self._opinion_texts.setdefault(slug, []).extend((words, ANSWER_FACTOR) for words in texts)
        self._opinion = SecondOpinion(self._opinion_texts)
        self._background: frozenset[str] = frozenset().union(*self._said.values()) - indexed
        # Word pairs the knowledge base uses anywhere. A Vietnamese word is most often two syllables,
        # and nearly every syllable appears somewhere in the answers, so what marks a question as
        # someone else's ("thai sản", "trước bạ") is a pair of syllables found nowhere.
        self._known_pairs: frozenset[str] = frozenset().union(
            *self._pairs.values(), *(bigrams(words) for texts in said_words.values() for words in texts)
        )

    # -- question side -------------------------------------------------------------------------

    def _content_words(self, words: Sequence[str]) -> list[str]:
        return [w for w in words if w not in self._stop]

    def question_words(self, question: str) -> list[str]:
        return self._corrected(self._content_words(self.normalizer.words(question)))

    def _corrected(self, words: Sequence[str]) -> list[str]:
        known = self._known_words
        return [w if w in known else self._corrector.correct(w) for w in words]

    def known(self, word: str) -> bool:
        return word in self._known_words

    def question(self, text: str) -> Question:
        """The question's words, sentence by sentence, with how much each counts (see question_parts).

        A story's words are taken as typed: a name one letter away from a known word ("Quờn") is a
        name, not a typo, and its numbers (ages, years) say nothing of the topic.
        """
        words: list[str] = []
        asking_words: list[str] = []
        focus: dict[str, float] = {}
        asking: set[str] = set()
        story_words = 0
        context = False
        asking_pairs: set[str] = set()
        for sentence in self._splitter.sentences(text):
            normalized = self.normalizer.rewrite(sentence.tokens)
            context = context or self._splitter.has_context(normalized)
            if sentence.asking:
                found = self._corrected(self._content_words(normalized))
                asking.update(found)
                asking_words.extend(found)
                asking_pairs.update(bigrams(found))
            else:
                found = [w for w in self._content_words(normalized) if not w.isdigit()]
                story_words += len(found)
            words.extend(found)
            if sentence.asking:
                # The most a word can count; new words go in in the order they come.
                focus.update(dict.fromkeys(found, 1.0))
                continue
            for word in found:
                factor = STORY_FACTOR if word in self._known_words else 0.0
                focus[word] = max(focus.get(word, 0.0), factor)
        weights = {w: self.weight(w) for w in focus}
        total = sum(weights.values())
        unknown = sum(weight for w, weight in weights.items() if not self.known(w))
        asking_total = sum(weights[w] for w in asking)
        unindexed = sum(weights[w] for w in asking if w not in self._postings)
        return Question(
            " ".join(words),
            " ".join(asking_words),
            tuple(words),
            focus,
            frozenset(asking),
            unknown / total if total else 0.0,
            unindexed / asking_total if asking_total else 0.0,
            context,
            sum(1 for p in asking_pairs if p not in self._known_pairs) / len(asking_pairs) if asking_pairs else 0.0,
            story_words / len(words) if words else 0.0,
        )

    def weight(self, term: str) -> float:
        return self._weights.get(term, self._unknown_idf)

    # -- scoring -------------------------------------------------------------------------------

    def signals(self, question: str) -> tuple[Question, dict[str, Signals]]:
        """The question as read, and each candidate entry's signals (see the module docstring)."""
        asked = self.question(question)
        if not asked.words:
            return asked, {}
        weighed = self._weighed(asked)
        shortlist = self._shortlist(weighed.units, weighed.focus)
        opinions = self._opinion.opinions(asked.words, asked.focus, shortlist)
        indexed = self._indexed
        return asked, {slug: entry_signals(indexed[slug], asked, weighed, opinions[slug]) for slug in shortlist}

    def _weighed(self, asked: Question) -> WeighedQuestion:
        units = set(asked.words)
        weight_of = self._weights.get
        weights = {w: weight_of(w, self._unknown_idf) for w in units}
        focus = {w: weights[w] * asked.focus[w] for w in units}
        pairs = bigrams(asked.words)
        pair_weights = {p: weight_of(p, self._unknown_idf) for p in pairs}
        total = sum(weights.values())
        return WeighedQuestion(
            units,
            weights,
            focus,
            pairs,
            pair_weights,
            total,
            sum(focus.values()) or total,
            sum(weights[w] for w in asked.asking) or total,
            sum(pair_weights[p] for p in pairs),
            sorted_words(asked.asking_text),
        )

    def _shortlist(self, units: set[str], focus: dict[str, float]) -> list[str]:
        """Candidates from the question's rarest words, within a budget of postings.

        A word that half the entries share would make every entry a candidate and decide nothing.
        The rarest word always counts, so a question of common words still finds its entries.
        """
        partial: dict[str, float] = {}
        budget = self._candidate_budget
        no_postings: list[str] = []
        used: list[str] = []
        # Ties broken by the word itself, so that the same question always finds the same candidates.
        for word in sorted(units, key=lambda w: (self._posting_counts.get(w, 0), w)):
            postings = self._postings.get(word, no_postings)
            if partial and len(postings) > budget:
                break
            budget -= len(postings)
            used.append(word)
            # partial[slug] += share for each slug (0.0 for a new one), in C: a posting list holds a
            # slug once, and new slugs go in in the posting list's order.
            sums = map(operator.add, map(partial.get, postings, itertools.repeat(0.0)), itertools.repeat(focus[word]))
            partial.update(zip(postings, sums, strict=True))
        # Entries that share the same words tie; where the words are common (story words that most
        # entries' phrasings hold), the tie would fall to the order of the files. It goes instead to
        # the entry more of whose phrasings use those words. Deterministic: the words come in a fixed
        # order, so the sums and the order of the slugs in `partial` do too, and the sort is stable.
        # Only the entries that reach the cut are keyed a second time (at 5,000 entries, keying all of
        # them cost more than the rest of the match).
        spread, n = self._spread_root, self.settings.candidates
        ranked = sorted(partial, key=partial.__getitem__, reverse=True)
        if len(ranked) > n:
            cut = partial[ranked[n - 1]]
            ranked = list(itertools.takewhile(lambda slug: partial[slug] >= cut, ranked))
        ranked.sort(key=lambda slug: (partial[slug], sum(spread[slug].get(w, 0.0) for w in used)), reverse=True)
        return ranked[:n]

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

    def score(self, question: str) -> tuple[Question, list[ScoredEntry]]:
        """Candidates best first: by the fitted probability, or by the combined score without a model."""
        asked, found = self.signals(question)
        decision = self.settings.decision
        combined = {slug: self.combine(sig) for slug, sig in found.items()}
        if decision is None:
            scored = [
                ScoredEntry(slug, combined[slug], sig.coverage, sig.phrasing, sig.ask_coverage)
                for slug, sig in found.items()
            ]
        else:
            candidate = decision.band_for(len(asked.words)).candidate
            scored = [
                ScoredEntry(
                    slug,
                    candidate.probability(features),
                    found[slug].focus_coverage,
                    found[slug].phrasing,
                    found[slug].ask_coverage,
                    features,
                )
                for slug, features in self.features(asked, found, combined).items()
            ]
        return asked, best_first(scored)

    def features(
        self, asked: Question, found: dict[str, Signals], combined: dict[str, float]
    ) -> dict[str, dict[str, float]]:
        return candidate_features(asked, found, combined, self._context_share)

    def match(self, question: str) -> MatchResult:
        asked, scored = self.score(question)
        if not scored:
            return MatchResult(question, asked.text, FALLBACK, None, 0.0)
        if self.settings.decision is None:
            return decide_by_hand(self.settings, question, asked.text, scored)

        def second(answered: str, others: Sequence[ScoredEntry]) -> str | None:
            return self._second_topic(asked, answered, others)

        return decide(self.settings, self.settings.decision, question, asked, scored, second)

    def _second_topic(self, asked: Question, answered: str, others: Sequence[ScoredEntry]) -> str | None:
        """An entry that speaks to what the answered entry leaves out of a long question, if one does."""
        focus = {w: self.weight(w) * f for w, f in asked.focus.items()}
        total = sum(focus.values())
        left = {w: weight for w, weight in focus.items() if w not in self._vocab[answered]}
        for other in others:
            vocab = self._vocab[other.slug]
            explained = sum(weight for w, weight in left.items() if w in vocab)
            if total and explained / total >= self.settings.second_topic_share:
                return other.slug
        return None
