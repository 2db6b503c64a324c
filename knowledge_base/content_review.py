"""docs/content-review.md: every shipped entry's references, review dates and content-check result.

    python -m knowledge_base.content_review [--today YYYY-MM-DD] > docs/content-review.md

The document names the day it was checked on; a test regenerates it for that day and compares, so a
document left behind by a content change fails CI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections import Counter
from collections.abc import Sequence

from knowledge_base.content_checks import check_entry
from knowledge_base.faq import FaqEntry, group_name, load_directory

_CHECKED_ON = re.compile(r"^Checked on (\d{4}-\d{2}-\d{2})\.$", re.MULTILINE)
COLUMNS = ("Slug", "Title", "Legal basis", "In force", "Source", "Reviewed on", "Review by", "Check")


def _cell(text: str) -> str:
    # A table cell is one line, and a pipe would end it.
    return " ".join(text.split()).replace("|", "\\|")


def _sources(source: str) -> str:
    return "<br>".join(f"<{url}>" if url.startswith(("http://", "https://")) else _cell(url) for url in source.split())


def _result(entry: FaqEntry, today: dt.date) -> str:
    counts = Counter(p.key for p in check_entry(entry, today))
    if not counts:
        return "ok"
    return ", ".join(f"{key} ×{n}" if n > 1 else key for key, n in counts.items())


def render(entries: Sequence[FaqEntry], today: dt.date) -> str:
    lines = [
        "# Content review",
        "",
        "Generated from `knowledge_base/content/faq/` by `python -m knowledge_base.content_review >"
        " docs/content-review.md`; do not edit by hand. The rules are in docs/content-format.md and"
        " knowledge_base/content_checks.py; the check's keys are explained in bot/web/locales/content_check.en.yaml.",
        "",
        f"Checked on {today.isoformat()}.",
        "",
    ]
    checked = [e for e in entries if e.status != "archived"]
    failing = sum(1 for e in checked if check_entry(e, today))
    lines += [f"{len(checked)} entries, {len(checked) - failing} without problems, {failing} with problems.", ""]
    for group in dict.fromkeys(group_name(e) for e in entries):
        lines += [f"## {group}", "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        for entry in (e for e in entries if group_name(e) == group):
            cells = [
                f"`{entry.slug}`",
                _cell(entry.title),
                _cell(entry.legal_basis),
                entry.in_force,
                _sources(entry.source),
                entry.reviewed_on,
                entry.review_by,
                "archived" if entry.status == "archived" else _result(entry, today),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def checked_on(document: str) -> dt.date | None:
    """The day a generated document was checked on, from its own text."""
    found = _CHECKED_ON.search(document)
    return dt.date.fromisoformat(found.group(1)) if found else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge_base.content_review", description=__doc__)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today(), help="YYYY-MM-DD")  # noqa: DTZ011 (the writer's own calendar day)
    args = parser.parse_args(argv)
    sys.stdout.write(render(load_directory(), args.today))
    return 0


if __name__ == "__main__":
    sys.exit(main())
