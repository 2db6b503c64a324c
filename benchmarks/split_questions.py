"""Splits collected real questions once into a tuning part and a held-out part.

The part is decided by the question's source page alone (a hash of its URL), so two questions read on
the same page never sit on both sides, and the split does not depend on the matcher, the content or
the order of the lines. Nothing is ever tuned on the held-out part.

    python -m benchmarks.split_questions RAW.jsonl [RAW.jsonl ...] --out-dir tests/data
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

TUNING = "tuning"
HELD_OUT = "heldout"


def part_of(source: str) -> str:
    digest = hashlib.sha256(source.strip().encode("utf-8")).digest()
    return TUNING if digest[0] % 2 == 0 else HELD_OUT


def split(lines: list[dict[str, object]]) -> dict[str, list[dict[str, object]]]:
    parts: dict[str, list[dict[str, object]]] = {TUNING: [], HELD_OUT: []}
    seen: set[str] = set()
    for item in lines:
        question = str(item["q"]).strip()
        if question in seen:
            continue
        seen.add(question)
        parts[part_of(str(item["source"]))].append(item)
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", nargs="+", type=Path)
    parser.add_argument("--out-dir", type=Path, default=Path("tests/data"))
    args = parser.parse_args()
    lines = [
        json.loads(line) for path in args.raw for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    for name, items in split(lines).items():
        out = args.out_dir / f"real-questions-{name}.jsonl"
        out.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
        print(f"{out}: {len(items)} questions ({sum(1 for i in items if not i.get('expect'))} out of scope)")


if __name__ == "__main__":
    main()
