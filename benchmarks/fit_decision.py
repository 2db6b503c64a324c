"""Fits the matcher's decision (knowledge_base/content/decision.yaml) on labelled questions.

    python -m benchmarks.fit_decision [--write]

Two logistic regressions (scikit-learn, L2, standardised features; see knowledge_base/decision.py):

* the candidate model: every candidate entry the matcher weighs for a labelled question is one
  example, its signals against whether it answers the question;
* the question model: every question is one example, what its best candidate looks like (probability,
  lead, the question's length and unknown words) against whether that candidate answers it (an
  out-of-scope question never is).

Each set of questions weighs the same in both fits, so a few hundred short informal questions do not
drown the long real ones. The two cut-offs on the confidence are then chosen on the same questions:

Both are chosen on out-of-fold predictions (each question ranked and scored by models fitted without
it), since a model is too sure of the questions it was fitted on.

* answer_at is the lowest cut-off at which the band keeps its wrong answers (an out-of-scope question
  answered is wrong) within the acceptance bar's budget; where none does, the one that maximises
  right answers minus WRONG_COST times wrong ones;
* suggest_at, below it, is the lowest cut-off above which, at every confidence, at least half of the
  questions shown buttons find the right entry among them.

Only the tuning sets are read; a held-out file is refused by name.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.decision import (
    CANDIDATE_FEATURES,
    DECISION_FILE,
    QUESTION_FEATURES,
    Band,
    DecisionModel,
    Logistic,
)
from knowledge_base.evaluation import Labelled, read_labelled
from knowledge_base.faq import load_directory
from knowledge_base.features import question_features
from knowledge_base.lexicon import load_lexicon
from knowledge_base.match_types import Question, ScoredEntry, Signals, best_first
from knowledge_base.matcher import Matcher, MatchSettings
from knowledge_base.normalizer import Normalizer
from knowledge_base.scope import ScopeModel, scope_terms

DATA = Path(__file__).parent.parent / "tests" / "data"
TUNING_SETS = (
    "dev-questions.jsonl",
    "validation-questions.jsonl",
    "informal-questions-tuning.jsonl",
    "real-questions-tuning.jsonl",
)
# A wrong answer misleads a person who may act on it; a suggestion only costs them a tap.
WRONG_COST = 6.0
# A question of this many words or more is read by the long band (most written questions are; most
# typed ones are not).
LONG_FROM_WORDS = 25
# Wrong answers allowed in a band: the acceptance bars (typed questions 1%, written ones 5%). They are
# held on out-of-fold predictions, which already stand for questions the models have not seen.
INFORMAL_WRONG_BUDGET = 0.01
REAL_WRONG_BUDGET = 0.05
# Buttons are shown where at least this share of the button sets shown, in each window of confidence,
# hold the right entry.
SUGGEST_PRECISION = 0.5
# A window of 0.1 held some 25 short questions, and one of them could stop every button below it (with
# the scope model, one window at 0.70-0.80 fell to 0.44 between windows of 0.6-0.9 on either side);
# 0.2 holds twice as many.
SUGGEST_WINDOW = 0.2
# Inverse strength of the L2 penalty (scikit-learn's C): the question model has far fewer examples
# (one a question, not one a candidate), so it is held closer to zero; chosen by the out-of-fold
# answered-correctly rate at the wrong-answer budget over {1.0, 0.3}.
CANDIDATE_REGULARISATION = 1.0
QUESTION_REGULARISATION = 0.3
# Candidate features only the long band weighs: the second opinion (knowledge_base/second_opinion.py)
# ranks long questions better (cross-validated, benchmarks/cv_decision.py) and short ones no better.
LONG_BAND_ONLY = ("opinion", "opinion_share", "opinion_gap")
# The scope model (knowledge_base/scope.py): its L2 strength, chosen by benchmarks/cv_decision.py, and
# how many tuning questions must use a word or pair before it gets a weight (one question's words are
# that question, not a kind of question).
SCOPE_REGULARISATION = 0.3
SCOPE_MIN_QUESTIONS = 3
# Folds for the out-of-fold predictions the cut-offs are chosen on.
FOLDS = 5


@dataclass
class Example:
    item: Labelled
    set_name: str
    asked: Question
    found: dict[str, Signals]
    features: dict[str, dict[str, float]]


def examples(matcher: Matcher, sets: dict[str, list[Labelled]]) -> list[Example]:
    """Every question, but those labelled only with entries the knowledge base does not hold: no
    candidate can be right for them, yet they are not out of scope either."""
    out: list[Example] = []
    for name, items in sets.items():
        for item in items:
            if item.expect and not set(item.expect) & set(matcher.entries):
                continue
            asked, found = matcher.signals(item.question)
            combined = {slug: matcher.combine(sig) for slug, sig in found.items()}
            out.append(Example(item, name, asked, found, matcher.features(asked, found, combined)))
    return out


def set_weights(data: Sequence[Example]) -> list[float]:
    """Each set weighs the same, and the weights average one, so the regularisation means what it says."""
    per_set: dict[str, int] = {}
    for example in data:
        per_set[example.set_name] = per_set.get(example.set_name, 0) + 1
    return [len(data) / (len(per_set) * per_set[e.set_name]) for e in data]


def logistic(
    rows: Sequence[Mapping[str, float]],
    labels: list[int],
    weights: list[float],
    names: tuple[str, ...],
    regularisation: float,
) -> Logistic:
    from sklearn.linear_model import LogisticRegression  # the fitting tool only, never at run time

    columns = [[row[name] for row in rows] for name in names]
    means = [sum(c) / len(c) for c in columns]
    scales = [math.sqrt(sum((v - m) ** 2 for v in c) / len(c)) or 1.0 for c, m in zip(columns, means, strict=True)]
    standard = [[(row[n] - m) / s for n, m, s in zip(names, means, scales, strict=True)] for row in rows]
    model = LogisticRegression(C=regularisation, max_iter=5000)
    model.fit(standard, labels, sample_weight=weights)
    return Logistic(
        float(model.intercept_[0]),
        {n: float(w) for n, w in zip(names, model.coef_[0], strict=True)},
        dict(zip(names, means, strict=True)),
        dict(zip(names, scales, strict=True)),
    )


def ranked(candidate: Logistic, example: Example) -> list[ScoredEntry]:
    scored = [
        ScoredEntry(
            slug, candidate.probability(f), example.found[slug].focus_coverage, "", example.found[slug].ask_coverage, f
        )
        for slug, f in example.features.items()
    ]
    return best_first(scored)


def fit_candidate(data: Sequence[Example], weights: Sequence[float], names: tuple[str, ...]) -> Logistic:
    rows, labels, row_weights = [], [], []
    for example, weight in zip(data, weights, strict=True):
        for slug, features in example.features.items():
            rows.append(features)
            labels.append(1 if slug in example.item.expect else 0)
            row_weights.append(weight)
    return logistic(rows, labels, row_weights, names, CANDIDATE_REGULARISATION)


def fit_scope(data: Sequence[Example], weights: Sequence[float]) -> ScopeModel:
    """In scope against out of scope, over the questions' words and pairs (binary, unstandardised)."""
    from scipy.sparse import csr_matrix  # the fitting tools only, never at run time
    from sklearn.linear_model import LogisticRegression

    term_sets = [scope_terms(e.asked.words) for e in data]
    counts: dict[str, int] = {}
    for terms in term_sets:
        for term in terms:
            counts[term] = counts.get(term, 0) + 1
    vocabulary = sorted(t for t, c in counts.items() if c >= SCOPE_MIN_QUESTIONS)
    column = {t: i for i, t in enumerate(vocabulary)}
    cells = [(r, column[t]) for r, terms in enumerate(term_sets) for t in sorted(terms & column.keys())]
    matrix = csr_matrix(
        ([1.0] * len(cells), ([r for r, _ in cells], [c for _, c in cells])), shape=(len(data), len(vocabulary))
    )
    labels = [1 if e.item.expect else 0 for e in data]
    model = LogisticRegression(C=SCOPE_REGULARISATION, max_iter=5000)
    model.fit(matrix, labels, sample_weight=list(weights))
    kept = {t: round(float(w), 4) for t, w in zip(vocabulary, model.coef_[0], strict=True) if abs(w) >= 1e-3}
    return ScopeModel(float(model.intercept_[0]), kept)


def reads_long(example: Example) -> bool:
    return len(example.asked.words) >= LONG_FROM_WORDS


def fit_question(
    data: Sequence[Example], tops: Sequence[list[ScoredEntry]], weights: Sequence[float], scopes: Sequence[float]
) -> Logistic:
    rows = [
        question_features(e.asked, scored, scope, long=reads_long(e))
        for e, scored, scope in zip(data, tops, scopes, strict=True)
    ]
    right = [1 if scored and scored[0].slug in e.item.expect else 0 for e, scored in zip(data, tops, strict=True)]
    return logistic(rows, right, list(weights), QUESTION_FEATURES, QUESTION_REGULARISATION)


def fold_of(example: Example) -> int:
    return hashlib.sha256(example.item.question.encode("utf-8")).digest()[0] % FOLDS


def fit(data: list[Example]) -> DecisionModel:
    """The models on all the questions; the cut-offs on out-of-fold predictions.

    A model's probabilities on the questions it was fitted on are too sure of themselves; cut-offs
    chosen on them would let through more wrong answers on new questions than the budget allows.
    So each question's ranking and confidence, for choosing the cut-offs, come from models fitted
    without its fold.
    """
    long = [reads_long(e) for e in data]
    folds = [fold_of(e) for e in data]
    bands = ((False, LONG_FROM_WORDS - 1, INFORMAL_WRONG_BUDGET), (True, None, REAL_WRONG_BUDGET))

    def rows(*, in_fold: int | None = None, out_of_fold: int | None = None, is_long: bool | None = None) -> list[int]:
        return [
            i
            for i in range(len(data))
            if (in_fold is None or folds[i] == in_fold)
            and (out_of_fold is None or folds[i] != out_of_fold)
            and (is_long is None or long[i] == is_long)
        ]

    def candidate_model(chosen: list[int], is_long: bool) -> Logistic:
        names = CANDIDATE_FEATURES if is_long else tuple(n for n in CANDIDATE_FEATURES if n not in LONG_BAND_ONLY)
        return fit_candidate([data[i] for i in chosen], set_weights([data[i] for i in chosen]), names)

    def question_model(chosen: list[int], tops: Sequence[list[ScoredEntry]]) -> Logistic:
        picked = [data[i] for i in chosen]
        return fit_question(picked, [tops[i] for i in chosen], set_weights(picked), [scopes[i] for i in chosen])

    def scope_model(chosen: list[int]) -> ScopeModel:
        picked = [data[i] for i in chosen]
        return fit_scope(picked, set_weights(picked))

    # The question model weighs out-of-fold scope logits: on its own questions the scope model is too sure.
    scopes = [0.0] * len(data)
    for k in range(FOLDS):
        scope = scope_model(rows(out_of_fold=k))
        for i in rows(in_fold=k):
            scopes[i] = scope.logit(data[i].asked.words)

    tops: list[list[ScoredEntry]] = [[] for _ in data]
    for k in range(FOLDS):
        for is_long, _, _ in bands:
            model = candidate_model(rows(out_of_fold=k, is_long=is_long), is_long)
            for i in rows(in_fold=k, is_long=is_long):
                tops[i] = ranked(model, data[i])
    confidence = [0.0] * len(data)
    for k in range(FOLDS):
        question = question_model(rows(out_of_fold=k), tops)
        for i in rows(in_fold=k):
            confidence[i] = question.probability(question_features(data[i].asked, tops[i], scopes[i], long=long[i]))

    fitted: list[Band] = []
    final_tops: list[list[ScoredEntry]] = [[] for _ in data]
    for is_long, up_to, budget in bands:
        band_rows = rows(is_long=is_long)
        answer_at, suggest_at = choose_cutoffs(
            [data[i] for i in band_rows], [tops[i] for i in band_rows], [confidence[i] for i in band_rows], budget
        )
        candidate = candidate_model(band_rows, is_long)
        for i in band_rows:
            final_tops[i] = ranked(candidate, data[i])
        fitted.append(Band(up_to, candidate, answer_at, suggest_at))
    everything = list(range(len(data)))
    return DecisionModel(question_model(everything, final_tops), tuple(fitted), scope_model(everything))


def choose_cutoffs(
    data: Sequence[Example], tops: Sequence[list[ScoredEntry]], confidence: Sequence[float], budget: float
) -> tuple[float, float]:
    grid = [i / 100 for i in range(2, 100)]
    cases = list(zip(data, tops, confidence, set_weights(data), strict=True))

    def wrong_rate(cut: float) -> float:
        """Over the band's questions, each counting once, as the acceptance bars count them."""
        wrong = sum(
            1
            for example, scored, conf, _ in cases
            if scored and conf >= cut and scored[0].slug not in example.item.expect
        )
        return wrong / len(cases)

    def answer_value(cut: float) -> float:
        value = 0.0
        for example, scored, conf, weight in cases:
            if scored and conf >= cut:
                value += weight * (1.0 if scored[0].slug in example.item.expect else -WRONG_COST)
        return value

    # The lowest cut-off that keeps wrong answers within the budget answers the most; where none
    # does, the best trade of right against wrong answers.
    feasible = [cut for cut in grid if wrong_rate(cut) <= budget]
    answer_at = feasible[0] if feasible else max(grid, key=answer_value)
    share = MatchSettings(decision=None).suggest_share

    def suggest_precision(low: float, high: float) -> float:
        """Of the questions with a confidence in [low, high), the share whose right entry is among the buttons."""
        helpful = shown = 0.0
        for example, scored, conf, weight in cases:
            if not scored or not low <= conf < high:
                continue
            buttons = {e.slug for e in scored[:3] if e.score >= scored[0].score * share}
            shown += weight
            helpful += weight if buttons & set(example.item.expect) else 0.0
        return helpful / shown if shown else 1.0

    # Buttons are worth showing while, at the margin, they still hold the right entry at least
    # SUGGEST_PRECISION of the time: the lowest cut-off above which every window of SUGGEST_WINDOW
    # does. Below it the honest "I don't know, shall I ask a person?" is the better answer.
    below = [g for g in grid if g < answer_at]
    suggest_at = answer_at
    for cut in reversed(below):
        if suggest_precision(cut, cut + SUGGEST_WINDOW) < SUGGEST_PRECISION:
            break
        suggest_at = cut
    return answer_at, suggest_at


def rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {DECISION_FILE}")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--faq", type=Path, default=None, help="FAQ folder (default: the shipped content)")
    args = parser.parse_args()
    sets: dict[str, list[Labelled]] = {}
    for name in TUNING_SETS:
        if "heldout" in name:
            raise SystemExit("a held-out set is never fitted on")
        path = args.data / name
        if path.exists():
            sets[name] = read_labelled(path.read_text(encoding="utf-8").splitlines())
    entries = load_directory(args.faq) if args.faq else load_directory()
    matcher = Matcher(entries, Normalizer(load_lexicon()), MatchSettings(decision=None))
    model = fit(examples(matcher, sets))
    data = rounded(model.to_dict())
    print(json.dumps({"sets": {k: len(v) for k, v in sets.items()}, **data}, indent=1))
    if args.write:
        header = (
            "# Written by `python -m benchmarks.fit_decision --write`; do not edit by hand.\n"
            f"# Fitted on: {', '.join(f'{k} ({len(v)})' for k, v in sets.items())}.\n"
        )
        DECISION_FILE.write_text(header + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


if __name__ == "__main__":
    main()
