"""The matcher of this tree beside the matcher of a git ref, in one process: same results, CPU time.

    python -m benchmarks.match_compare --ref main

Both versions run in this process on the same questions: every labelled question of tests/data
that is not held out (held-out files are never read here) on the shipped knowledge base, and, on
benchmarks/matching.py's synthetic knowledge base (5,000 entries), its synthetic short questions and
the real (long) tuning questions. Every decision, slug, confidence, suggestion and the candidates'
scores and features must be equal to the last bit; the script exits non-zero where one is not.

Time is CPU time of this thread (time.thread_time) per query, the two versions interleaved query by
query so that a busy machine slows both alike; each query's time is the least of --repeats runs.
"""

from __future__ import annotations

import argparse
import importlib
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.matching import synthetic_entries, synthetic_queries
from knowledge_base.evaluation import read_labelled
from knowledge_base.faq import FaqEntry, load_directory

ROOT = Path(__file__).parent.parent
DATA = ROOT / "tests" / "data"
PACKAGE = "knowledge_base"

Match = Callable[[str], Any]


def labelled_files() -> list[Path]:
    """The labelled question files that are not held out; a held-out file is never opened."""
    return sorted(p for p in DATA.glob("*-questions*.jsonl") if "heldout" not in p.name)


def read_questions(path: Path) -> list[str]:
    return [item.question for item in read_labelled(path.read_text("utf-8").splitlines())]


def _package_modules() -> dict[str, ModuleType]:
    return {name: m for name, m in sys.modules.items() if name == PACKAGE or name.startswith(PACKAGE + ".")}


def load_reference(ref: str, into: Path) -> dict[str, ModuleType]:
    """The ref's knowledge_base, imported beside this tree's: its modules, then this tree's put back."""
    archive = subprocess.run(["git", "archive", ref, PACKAGE], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    current = _package_modules()
    for name in current:
        del sys.modules[name]
    sys.path.insert(0, str(into))
    try:
        for module in ("matcher", "normalizer", "lexicon", "match_types"):
            importlib.import_module(f"{PACKAGE}.{module}")
        reference = _package_modules()
    finally:
        sys.path.remove(str(into))
        for name in _package_modules():
            del sys.modules[name]
        sys.modules.update(current)
    return reference


def build(modules: dict[str, ModuleType], entries: Sequence[FaqEntry], by_hand: bool = False) -> Match:
    """A matcher of the given version over the entries; by_hand: the hand-set cut-offs, no fitted model."""
    normalizer = modules[f"{PACKAGE}.normalizer"].Normalizer(modules[f"{PACKAGE}.lexicon"].load_lexicon())
    matcher_module = modules[f"{PACKAGE}.matcher"]
    settings = modules[f"{PACKAGE}.match_types"].MatchSettings(decision=None) if by_hand else None
    return matcher_module.Matcher(entries, normalizer, settings).match  # type: ignore[no-any-return]


def fingerprint(result: Any) -> tuple[object, ...]:
    """Everything a result says, floats as their exact bits (repr round-trips a float)."""
    top = tuple(
        (e.slug, repr(e.score), repr(e.coverage), e.phrasing, sorted((k, repr(v)) for k, v in e.features.items()))
        for e in result.top
    )
    return (result.normalized, result.decision, result.slug, repr(result.score), result.suggestions, top)


def differences(old: Match, new: Match, questions: Sequence[str]) -> list[str]:
    return [q for q in questions if fingerprint(old(q)) != fingerprint(new(q))]


@dataclass(frozen=True)
class Timing:
    p50_ms: float
    p99_ms: float


def _percentiles(samples: list[float]) -> Timing:
    samples = sorted(samples)
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return Timing(statistics.median(samples), p99)


def paired_cpu_times(old: Match, new: Match, questions: Sequence[str], repeats: int) -> tuple[Timing, Timing]:
    """CPU time per query of each version, interleaved; each query's least over the repeats."""
    for q in questions[:5]:
        old(q)
        new(q)
    best_old = [float("inf")] * len(questions)
    best_new = [float("inf")] * len(questions)
    clock = time.thread_time
    for _ in range(repeats):
        for i, q in enumerate(questions):
            start = clock()
            old(q)
            middle = clock()
            new(q)
            end = clock()
            best_old[i] = min(best_old[i], (middle - start) * 1000)
            best_new[i] = min(best_new[i], (end - middle) * 1000)
    return _percentiles(best_old), _percentiles(best_new)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ref", default="main", help="the git ref to compare this tree with")
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--phrasings", type=int, default=8)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args()

    current = _package_modules()
    # The reference reads its content (lexicon, decision) from where it is unpacked, lazily.
    with tempfile.TemporaryDirectory() as tmp:
        failed = compare(args, current, load_reference(args.ref, Path(tmp)))
    sys.exit(1 if failed else 0)


def compare(args: argparse.Namespace, current: dict[str, ModuleType], reference: dict[str, ModuleType]) -> bool:
    """Prints what differs and the timings; whether anything differed."""
    shipped = load_directory()
    failed = False
    labelled = {path.name: read_questions(path) for path in labelled_files()}
    for by_hand in (False, True):
        old, new = build(reference, shipped, by_hand), build(current, shipped, by_hand)
        for name, questions in labelled.items():
            diff = differences(old, new, questions)
            failed = failed or bool(diff)
            kind = "hand-set" if by_hand else "fitted"
            print(f"shipped, {kind}, {name}: {len(questions)} questions, {len(diff)} differ {diff[:3]}")
    if not args.no_timing:
        old, new = build(reference, shipped), build(current, shipped)
        every = [q for qs in labelled.values() for q in qs]
        print_timing(args, f"shipped ({len(shipped)} entries), every labelled question", old, new, every)

    synthetic = synthetic_entries(args.entries, args.phrasings)
    old, new = build(reference, synthetic), build(current, synthetic)
    big = f"synthetic ({args.entries} entries x {args.phrasings} phrasings)"
    long_q = [q for name, qs in labelled.items() if name.startswith("real-") for q in qs]
    for q_name, questions in (("short", synthetic_queries(synthetic, args.queries)), ("long", long_q)):
        diff = differences(old, new, questions)
        failed = failed or bool(diff)
        print(f"{big}, {q_name}: {len(questions)} questions, {len(diff)} differ {diff[:3]}")
        if not args.no_timing:
            print_timing(args, f"{big}, {q_name}", old, new, questions)
    return failed


def print_timing(args: argparse.Namespace, title: str, old: Match, new: Match, questions: Sequence[str]) -> None:
    before, after = paired_cpu_times(old, new, questions, args.repeats)
    print(
        f"{title}: CPU ms per query, least of {args.repeats} runs: {args.ref} p50 {before.p50_ms:.3f} "
        f"p99 {before.p99_ms:.3f}; this tree p50 {after.p50_ms:.3f} p99 {after.p99_ms:.3f}"
    )


if __name__ == "__main__":
    main()
