"""Reading FAQ files for the content check, leniently (a writer wants every problem at once, not the
loader's first refusal), and the check's command line:

    python -m knowledge_base.content_files [FILE ...] [--today YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from knowledge_base import content_checks
from knowledge_base.content_checks import Problem, check_entries, excerpt
from knowledge_base.faq import DATE_FIELDS, FAQ_DIR, FaqEntry
from knowledge_base.yaml_io import load_yaml


def read_entries(path: Path) -> tuple[list[FaqEntry], list[Problem]]:
    """The entries of an `entries:` file or an export bundle, and what stopped some from being read."""
    name = path.name
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        return [], [Problem(name, "file_unreadable", (("error", excerpt(str(error))),))]
    if isinstance(data, dict) and "entries" not in data and data and all(isinstance(v, dict) for v in data.values()):
        groups = list(data.values())
    else:
        groups = [data]
    entries: list[FaqEntry] = []
    problems: list[Problem] = []
    for group in groups:
        if not isinstance(group, dict) or not isinstance(group.get("entries"), list):
            problems.append(Problem(name, "file_shape"))
            continue
        for raw in group["entries"]:
            if not isinstance(raw, dict):
                problems.append(Problem(name, "file_shape"))
                continue
            entry = FaqEntry.from_dict(raw)
            entries.append(entry)
            problems += [
                Problem(entry.slug or name, "invalid", (("error", excerpt(message)),))
                for message in entry.validate()
                # Dates are reported by the check itself, with their own key.
                if not any(message.startswith(f"{entry.slug}: {field} ") for field in DATE_FIELDS)
            ]
    return entries, problems


def shipped_files(directory: Path = FAQ_DIR) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


def check_files(paths: Sequence[Path], today: dt.date) -> list[Problem]:
    entries: list[FaqEntry] = []
    problems: list[Problem] = []
    for path in paths:
        found, unread = read_entries(path)
        entries += found
        problems += unread
    return problems + check_entries(entries, today)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge_base.content_files", description=content_checks.__doc__)
    parser.add_argument("files", nargs="*", type=Path, help="YAML files (default: the shipped FAQ)")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today(), help="YYYY-MM-DD")  # noqa: DTZ011 (the writer's own calendar day)
    args = parser.parse_args(argv)
    problems = check_files(args.files or shipped_files(), args.today)
    for problem in problems:
        print(problem.line())
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
