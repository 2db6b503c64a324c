"""Matching latency and accuracy, ours beside two simple baselines, in one process on the same queries.

Run with `make bench`; writes docs/benchmarks.md. One core: nothing here starts threads or processes.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from knowledge_base.baselines import BASELINES, DIFFLIB_CUTOFF, RAPIDFUZZ_CUTOFF, PhrasingBaseline
from knowledge_base.evaluation import TABLE_HEADER, Labelled, evaluate, read_labelled, table_row
from knowledge_base.faq import FaqEntry, load_directory
from knowledge_base.lexicon import load_lexicon
from knowledge_base.matcher import Matcher, MatchResult, MatchSettings
from knowledge_base.normalizer import Normalizer
from knowledge_base.text import fold

DATA = Path(__file__).parent.parent / "tests" / "data"
# (file, what it is, whether anything was tuned on it)
SETS = (
    ("dev-questions.jsonl", "informal: development questions", "tuning"),
    ("validation-questions.jsonl", "informal: validation questions", "tuning"),
    ("informal-questions-tuning.jsonl", "informal: questions on the new entries and near misses", "tuning"),
    ("informal-questions-heldout.jsonl", "informal: held-out questions", "held out"),
    ("real-questions-tuning.jsonl", "real: questions sent to public Q&A pages, tuning part", "tuning"),
    ("real-questions-heldout.jsonl", "real: questions sent to public Q&A pages, held-out part", "held out"),
)


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


def read_sets() -> list[tuple[str, str, list[Labelled]]]:
    found = []
    for file, title, kind in SETS:
        path = DATA / file
        if path.exists():
            items = read_labelled(path.read_text("utf-8").splitlines())
            found.append((f"{title} ({kind}; tests/data/{file})", file, items))
    return found


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
    sets = read_sets()
    ours = Matcher(shipped, normalizer)
    by_hand = Matcher(shipped, normalizer, MatchSettings(decision=None))
    matchers: list[tuple[str, Callable[[str], MatchResult]]] = [
        ("Hòa Nhập matcher (fitted decision)", ours.match),
        ("Hòa Nhập matcher (hand-set cut-offs, as before the fit)", by_hand.match),
        *((name, PhrasingBaseline(shipped, kind).match) for kind, name in BASELINES.items()),
    ]

    lines = [
        "# Benchmarks",
        "",
        f"Made by `make bench` (`python -m benchmarks.matching`) on {datetime.now(UTC):%Y-%m-%d}, "
        f"Python {platform.python_version()}, {platform.machine()}, one process on one core. "
        "Every matcher runs in the same process on the same questions and the same shipped knowledge base "
        f"({len(shipped)} entries).",
        "",
        "Throughput, latency and fault runs of the whole service (webhooks, workers, PostgreSQL, the echo-bot "
        "ceiling) are in [benchmarks-load.md](benchmarks-load.md), made by `make bench-load`.",
        "",
        "## Accuracy",
        "",
        "The fitted decision was fitted on the tuning sets only (`python -m benchmarks.fit_decision`); the "
        "held-out sets were never looked at while tuning. A question labelled with entries the knowledge "
        "base does not hold counts as in scope and can only be missed. Baselines answer with the entry of "
        "the closest raw phrasing when it clears their usual cut-off "
        f"(difflib {DIFFLIB_CUTOFF}, rapidfuzz WRatio {RAPIDFUZZ_CUTOFF:.0f}) and reject otherwise; they never "
        "suggest. `n` is in-scope + out-of-scope questions; wrong answers are counted over both.",
        "",
    ]
    for title, file, items in sets:
        lines += [f"### {title}", "", *TABLE_HEADER]
        lines += [table_row(file, name, evaluate(items, match)) for name, match in matchers]
        lines.append("")

    print("building the synthetic knowledge base", file=sys.stderr)
    synthetic = synthetic_entries(args.entries, args.phrasings)
    big_ours = Matcher(synthetic, normalizer)
    big_rf = PhrasingBaseline(synthetic, "rapidfuzz")
    big_dl = PhrasingBaseline(synthetic, "difflib")
    synthetic_q = synthetic_queries(synthetic, args.queries)
    every_q = [item.question for _, _, items in sets for item in items]
    long_q = [item.question for _, file, items in sets if file.startswith("real-") for item in items]
    rf = PhrasingBaseline(shipped, "rapidfuzz")
    dl = PhrasingBaseline(shipped, "difflib")

    lines += [
        "## Latency per query",
        "",
        "| knowledge base | questions | matcher | queries | p50 (ms) | p99 (ms) |",
        "|---|---|---|---|---|---|",
    ]
    big = f"synthetic ({args.entries} entries x {args.phrasings} phrasings)"
    for kb_name, q_name, o, r, d, queries in (
        (f"shipped ({len(shipped)} entries)", "every labelled question", ours, rf, dl, every_q),
        (f"shipped ({len(shipped)} entries)", "real questions only (long)", ours, rf, dl, long_q),
        (big, "synthetic short questions", big_ours, big_rf, big_dl, synthetic_q),
        (big, "real questions (long)", big_ours, big_rf, big_dl, long_q),
    ):
        if not queries:
            continue
        for name, matcher, qs in (
            ("Hòa Nhập matcher", o.match, queries),
            ("rapidfuzz.process.extractOne", r.match, queries),
            ("difflib.get_close_matches", d.match, queries[: args.difflib_queries] if kb_name == big else queries),
        ):
            print(f"timing {name} on {kb_name}, {q_name}", file=sys.stderr)
            t = time_queries(matcher, qs)
            lines.append(f"| {kb_name} | {q_name} | {name} | {t.queries} | {t.p50_ms:.2f} | {t.p99_ms:.2f} |")
    lines += ["", "Target: p99 under 5 ms per query at 5,000 entries, and more accurate than both baselines.", ""]
    # The listing alerts' section (`make bench-alerts`, minutes long) is kept as it was.
    out = Path(args.out)
    kept = out.read_text(encoding="utf-8") if out.exists() else ""
    start, end = kept.find("<!-- alerts:start -->"), kept.find("<!-- alerts:end -->")
    if start != -1 and end != -1:
        lines += [kept[start : end + len("<!-- alerts:end -->")], ""]
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
