"""Cross-validated figures of the fitted decision on the tuning sets, per set.

    python -m benchmarks.cv_decision

`make fit-decision` fits on every tuning question, so the figures `hoanhap kb eval` prints for the
tuning sets are of questions the models have seen. This fits the whole decision (both candidate
models, the question model and the cut-offs, exactly as benchmarks/fit_decision.py does) without one
outer fold at a time, and decides that fold's questions with it: the figures stand for new questions
of the same kinds, which is what a change to the matcher's evidence is to be judged on. The outer
folds hash the question with a salt, so that they differ from the inner folds the cut-offs are
chosen on. Only the tuning sets are read; a held-out file is refused by name.
"""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass
from pathlib import Path

from benchmarks.fit_decision import DATA, TUNING_SETS, Example, examples, fit, ranked
from knowledge_base.evaluation import Labelled, read_labelled
from knowledge_base.faq import load_directory
from knowledge_base.features import question_features
from knowledge_base.lexicon import load_lexicon
from knowledge_base.matcher import Matcher, MatchSettings
from knowledge_base.normalizer import Normalizer

OUTER_FOLDS = 5


@dataclass
class Tally:
    in_scope: int = 0
    out_of_scope: int = 0
    right: int = 0
    wrong: int = 0
    suggested: int = 0
    refused: int = 0

    def row(self, name: str) -> str:
        n = self.in_scope + self.out_of_scope
        return (
            f"| {name} | {self.in_scope}+{self.out_of_scope} | {self.right / max(self.in_scope, 1):.1%} "
            f"| {self.wrong / max(n, 1):.1%} | {self.suggested / max(self.in_scope, 1):.1%} "
            f"| {self.refused / max(self.out_of_scope, 1):.1%} |"
        )


def outer_fold(example: Example, repeat: int = 0) -> int:
    salt = f"outer{repeat or ''}:".encode()
    return hashlib.sha256(salt + example.item.question.encode("utf-8")).digest()[0] % OUTER_FOLDS


def auc(pairs: list[tuple[float, bool]]) -> float:
    """The chance that a question answered right outranks one answered wrong, on the confidence."""
    right = [c for c, ok in pairs if ok]
    wrong = [c for c, ok in pairs if not ok]
    if not right or not wrong:
        return 0.0
    wins = sum((r > w) + 0.5 * (r == w) for r in right for w in wrong)
    return wins / (len(right) * len(wrong))


def answered_at_budget(pairs: list[tuple[float, bool]], budget: float) -> float:
    """The most questions answered right by any one cut-off on these confidences that keeps wrong
    answers within budget: a figure of the confidence's separation that no fitted cut-off's luck moves."""
    best = 0
    for cut in sorted({c for c, _ in pairs}):
        answered = [ok for c, ok in pairs if c >= cut]
        if len(answered) - sum(answered) <= budget * len(pairs):
            best = max(best, sum(answered))
    return best / len(pairs)


def tally(
    data: list[Example], ranking: dict[str, list[tuple[float, bool]]], out: dict[str, Tally], repeat: int = 0
) -> None:
    """Adds to out, per set; ranking gathers each band's (confidence, best candidate right) pairs."""
    folds = [outer_fold(e, repeat) for e in data]
    share = MatchSettings(decision=None).suggest_share
    for k in range(OUTER_FOLDS):
        model = fit([e for e, f in zip(data, folds, strict=True) if f != k])
        for example in (e for e, f in zip(data, folds, strict=True) if f == k):
            band = model.band_for(len(example.asked.words))
            scored = ranked(band.candidate, example)
            scope = model.scope_logit(example.asked.words)
            features = question_features(example.asked, scored, scope, long=band.up_to_words is None)
            confidence = model.question.probability(features) if scored else 0.0
            t = out.setdefault(example.set_name, Tally())
            expect = set(example.item.expect)
            band_name = "short" if band.up_to_words is not None else "long"
            ranking.setdefault(band_name, []).append((confidence, bool(scored) and scored[0].slug in expect))
            answered = bool(scored) and confidence >= band.answer_at
            if not expect:
                t.out_of_scope += 1
                t.wrong += answered
                t.refused += not answered
                continue
            t.in_scope += 1
            if answered:
                t.right += scored[0].slug in expect
                t.wrong += scored[0].slug not in expect
            elif scored and confidence >= band.suggest_at:
                buttons = {e.slug for e in scored[:3] if e.score >= scored[0].score * share}
                t.suggested += bool(buttons & expect)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--repeats", type=int, default=1, help="outer splits, each with its own salt; figures pooled")
    args = parser.parse_args()
    sets: dict[str, list[Labelled]] = {}
    for name in TUNING_SETS:
        if "heldout" in name:
            raise SystemExit("a held-out set is never read here")
        sets[name] = read_labelled((args.data / name).read_text(encoding="utf-8").splitlines())
    matcher = Matcher(load_directory(), Normalizer(load_lexicon()), MatchSettings(decision=None))
    ranking: dict[str, list[tuple[float, bool]]] = {}
    per_set: dict[str, Tally] = {}
    data = examples(matcher, sets)
    for repeat in range(args.repeats):
        tally(data, ranking, per_set, repeat)
    print(
        "| set (out of fold) | n | answered correctly | wrong answers | correct within suggestions "
        "| out of scope rejected |"
    )
    print("|---|---|---|---|---|---|")
    for name in sets:
        print(per_set.get(name, Tally()).row(name))
    for band, pairs in ranking.items():
        ranked_first = sum(ok for _, ok in pairs) / len(pairs)
        budget = 0.01 if band == "short" else 0.05
        print(
            f"{band} band ({len(pairs)}): best candidate right {ranked_first:.1%}, "
            f"question-model AUC {auc(pairs):.3f}, "
            f"right at the best cut-off with <= {budget:.0%} wrong {answered_at_budget(pairs, budget):.1%}"
        )


if __name__ == "__main__":
    main()
