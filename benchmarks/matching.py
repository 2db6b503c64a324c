"""Matching latency and accuracy, ours beside two simple baselines, in one process on the same queries.

Run with `make bench`; writes docs/benchmarks.md. One core: nothing here starts threads or processes.
"""

from __future__ import annotations

import argparse
import difflib
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rapidfuzz import fuzz, process

from knowledge_base.evaluation import Labelled, evaluate, read_labelled
from knowledge_base.faq import FaqEntry, load_directory
from knowledge_base.lexicon import load_lexicon
from knowledge_base.matcher import ANSWER, FALLBACK, Matcher, MatchResult
from knowledge_base.normalizer import Normalizer
from knowledge_base.text import fold

DEV = Path(__file__).parent.parent / "tests" / "data" / "dev-questions.jsonl"
VALIDATION = Path(__file__).parent.parent / "tests" / "data" / "validation-questions.jsonl"
# Baselines answer when their similarity clears these cut-offs (their usual defaults), else reject.
DIFFLIB_CUTOFF = 0.6
RAPIDFUZZ_CUTOFF = 70.0


class PhrasingBaseline:
    """Best raw phrasing by a string similarity; its entry is the answer."""

    def __init__(self, entries: Sequence[FaqEntry], kind: str) -> None:
        self.kind = kind
        self.phrasings: list[str] = []
        self.slugs: list[str] = []
        for entry in entries:
            for phrasing in entry.phrasings:
                self.phrasings.append(phrasing)
                self.slugs.append(entry.slug)
        self.index = {p: s for p, s in zip(self.phrasings, self.slugs, strict=True)}

    def match(self, question: str) -> MatchResult:
        if self.kind == "difflib":
            found = difflib.get_close_matches(question, self.phrasings, n=1, cutoff=DIFFLIB_CUTOFF)
            slug = self.index[found[0]] if found else None
            score = difflib.SequenceMatcher(None, question, found[0]).ratio() if found else 0.0
        else:
            hit = process.extractOne(question, self.phrasings, scorer=fuzz.WRatio, score_cutoff=RAPIDFUZZ_CUTOFF)
            slug = self.slugs[hit[2]] if hit else None
            score = hit[1] / 100 if hit else 0.0
        decision = ANSWER if slug else FALLBACK
        return MatchResult(question, question, decision, slug, score)


def synthetic_entries(count: int, phrasings_per_entry: int, seed: int = 7) -> list[FaqEntry]:
    """Entries built from the shipped vocabulary: realistic word frequencies, distinct topics."""
    rng = random.Random(seed)
    shipped = load_directory()
    words = sorted({w for e in shipped for p in e.phrasings for w in p.lower().split()})
    common = [w for w in words if len(w) <= 3] or words
    entries = []
    for i in range(count):
        topic = rng.sample(words, 3)
        phrasings = []
        for _ in range(phrasings_per_entry):
            body = topic[: rng.randint(2, 3)] + rng.sample(common, rng.randint(2, 5))
            rng.shuffle(body)
            text = " ".join(body)
            phrasings.append(fold(text) if rng.random() < 0.5 else text)
        entries.append(
            FaqEntry(
                slug=f"synthetic-{i}",
                title=" ".join(topic),
                answer="-",
                phrasings=phrasings,
                keywords=[" ".join(topic[:2])],
            )
        )
    return entries


def synthetic_queries(entries: Sequence[FaqEntry], count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        words = rng.choice(rng.choice(entries).phrasings).split()
        rng.shuffle(words)
        queries.append(fold(" ".join(words[: max(2, len(words) - 1)])))
    return queries


@dataclass
class Timing:
    p50_ms: float
    p99_ms: float
    queries: int


def time_queries(match: Callable[[str], object], queries: Sequence[str]) -> Timing:
    for q in queries[:5]:
        match(q)  # warm caches, as a running server would be
    samples = []
    for q in queries:
        start = time.perf_counter()
        match(q)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return Timing(statistics.median(samples), p99, len(samples))


def accuracy_row(name: str, items: Sequence[Labelled], match: Callable[[str], MatchResult]) -> str:
    r = evaluate(items, match)
    return f"| {name} | {r.correct_rate:.1%} | {r.wrong_rate:.1%} | {r.suggestion_rate:.1%} | {r.rejection_rate:.1%} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="docs/benchmarks.md")
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--phrasings", type=int, default=8)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--difflib-queries", type=int, default=30, help="difflib is slow at 40,000 phrasings")
    args = parser.parse_args()

    normalizer = Normalizer(load_lexicon())
    shipped = load_directory()
    dev = read_labelled(DEV.read_text(encoding="utf-8").splitlines())
    validation = read_labelled(VALIDATION.read_text(encoding="utf-8").splitlines())
    ours = Matcher(shipped, normalizer)
    rf = PhrasingBaseline(shipped, "rapidfuzz")
    dl = PhrasingBaseline(shipped, "difflib")

    lines = [
        "# Benchmarks",
        "",
        f"Made by `make bench` (`python -m benchmarks.matching`) on {datetime.now(UTC):%Y-%m-%d}, "
        f"Python {platform.python_version()}, {platform.machine()}, one process on one core. "
        "All three matchers run in the same process on the same queries.",
        "",
        "## Accuracy",
        "",
        "Baselines answer with the entry of the closest raw phrasing when it clears their usual cut-off "
        f"(difflib {DIFFLIB_CUTOFF}, rapidfuzz WRatio {RAPIDFUZZ_CUTOFF:.0f}) and reject otherwise; "
        "they never suggest.",
        "",
    ]
    for title, items in (
        ("development questions (tests/data/dev-questions.jsonl)", dev),
        ("independent validation questions (tests/data/validation-questions.jsonl)", validation),
    ):
        lines += [
            f"### {title}",
            "",
            "| matcher | answered correctly | wrong answers | correct within suggestions | out of scope rejected |",
            "|---|---|---|---|---|",
            accuracy_row("Hòa Nhập matcher", items, ours.match),
            accuracy_row("rapidfuzz.process.extractOne (raw phrasings)", items, rf.match),
            accuracy_row("difflib.get_close_matches (raw phrasings)", items, dl.match),
            "",
        ]

    print("building the synthetic knowledge base", file=sys.stderr)
    synthetic = synthetic_entries(args.entries, args.phrasings)
    big_ours = Matcher(synthetic, normalizer)
    big_rf = PhrasingBaseline(synthetic, "rapidfuzz")
    big_dl = PhrasingBaseline(synthetic, "difflib")
    synthetic_q = synthetic_queries(synthetic, args.queries)
    shipped_q = [item.question for item in dev + validation]

    lines += [
        "## Latency per query",
        "",
        "| knowledge base | matcher | queries | p50 (ms) | p99 (ms) |",
        "|---|---|---|---|---|",
    ]
    for kb_name, o, r, d, queries in (
        (f"shipped ({len(shipped)} entries)", ours, rf, dl, shipped_q),
        (f"synthetic ({args.entries} entries x {args.phrasings} phrasings)", big_ours, big_rf, big_dl, synthetic_q),
    ):
        for name, matcher, qs in (
            ("Hòa Nhập matcher", o.match, queries),
            ("rapidfuzz.process.extractOne", r.match, queries),
            (
                "difflib.get_close_matches",
                d.match,
                queries[: args.difflib_queries] if "synthetic" in kb_name else queries,
            ),
        ):
            print(f"timing {name} on {kb_name}", file=sys.stderr)
            t = time_queries(matcher, qs)
            lines.append(f"| {kb_name} | {name} | {t.queries} | {t.p50_ms:.2f} | {t.p99_ms:.2f} |")
    lines += ["", "Target: p99 under 5 ms per query at 5,000 entries, and more accurate than both baselines.", ""]
    Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
