"""Accuracy of the matcher on labelled questions: the figures `hoanhap kb eval` prints."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from knowledge_base.matcher import ANSWER, MatchResult


@dataclass(frozen=True)
class Labelled:
    question: str
    expect: tuple[str, ...]


@dataclass
class Report:
    total_in_scope: int = 0
    total_out_of_scope: int = 0
    answered_correctly: int = 0
    answered_wrong: int = 0
    within_suggestions: int = 0
    rejected_out_of_scope: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[tuple[str, tuple[str, ...], str, str | None]] = field(default_factory=list)

    @staticmethod
    def _rate(part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    @property
    def correct_rate(self) -> float:
        return self._rate(self.answered_correctly, self.total_in_scope)

    @property
    def wrong_rate(self) -> float:
        """Wrong answers over every question: an out-of-scope question answered is wrong too."""
        return self._rate(self.answered_wrong, self.total_in_scope + self.total_out_of_scope)

    @property
    def suggestion_rate(self) -> float:
        return self._rate(self.within_suggestions, self.total_in_scope)

    @property
    def rejection_rate(self) -> float:
        return self._rate(self.rejected_out_of_scope, self.total_out_of_scope)

    def summary(self) -> dict[str, float | int]:
        return {
            "questions": self.total_in_scope + self.total_out_of_scope,
            "in_scope": self.total_in_scope,
            "out_of_scope": self.total_out_of_scope,
            "answered_correctly": round(self.correct_rate, 4),
            "wrong_answers": round(self.wrong_rate, 4),
            "correct_within_suggestions": round(self.suggestion_rate, 4),
            "out_of_scope_rejected": round(self.rejection_rate, 4),
        }


def read_labelled(lines: Iterable[str]) -> list[Labelled]:
    items: list[Labelled] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            items.append(Labelled(str(data["q"]), tuple(str(s) for s in data.get("expect") or [])))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f'line {number}: expected {{"q": ..., "expect": [...]}} ({error})') from error
    return items


def evaluate(items: Iterable[Labelled], match: Callable[[str], MatchResult]) -> Report:
    report = Report()
    for item in items:
        result = match(item.question)
        answered = result.decision == ANSWER
        if not item.expect:
            report.total_out_of_scope += 1
            if answered:
                report.answered_wrong += 1
                report.confusion[("(out of scope)", result.slug or "")] += 1
                report.misses.append((item.question, item.expect, result.decision, result.slug))
            else:
                report.rejected_out_of_scope += 1
            continue
        report.total_in_scope += 1
        if answered and result.slug in item.expect:
            report.answered_correctly += 1
            continue
        if answered:
            report.answered_wrong += 1
            report.confusion[(item.expect[0], result.slug or "")] += 1
        elif set(result.suggestions) & set(item.expect):
            report.within_suggestions += 1
        else:
            report.confusion[(item.expect[0], f"({result.decision})")] += 1
        report.misses.append((item.question, item.expect, result.decision, result.slug))
    return report


def format_report(report: Report) -> str:
    s = report.summary()
    rows = (
        ("answered correctly", report.correct_rate, report.answered_correctly, report.total_in_scope),
        ("wrong answers", report.wrong_rate, report.answered_wrong, report.total_in_scope + report.total_out_of_scope),
        ("correct within suggestions", report.suggestion_rate, report.within_suggestions, report.total_in_scope),
        ("out-of-scope rejected", report.rejection_rate, report.rejected_out_of_scope, report.total_out_of_scope),
    )
    lines = [f"questions: {s['questions']} ({s['in_scope']} in scope, {s['out_of_scope']} out of scope)"]
    lines += [f"{name + ':':28} {rate:6.1%}  ({part}/{whole})" for name, rate, part, whole in rows]
    if report.confusion:
        lines.append("confusion (expected -> got: count):")
        lines.extend(f"  {exp} -> {got}: {n}" for (exp, got), n in report.confusion.most_common())
    return "\n".join(lines)


TABLE_HEADER = (
    "| questions | matcher | n | answered correctly | wrong answers | correct within suggestions "
    "| out of scope rejected |",
    "|---|---|---|---|---|---|---|",
)


def table_row(set_name: str, matcher_name: str, report: Report) -> str:
    return (
        f"| {set_name} | {matcher_name} | {report.total_in_scope}+{report.total_out_of_scope} "
        f"| {report.correct_rate:.1%} | {report.wrong_rate:.1%} | {report.suggestion_rate:.1%} "
        f"| {report.rejection_rate:.1%} |"
    )
