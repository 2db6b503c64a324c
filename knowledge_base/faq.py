"""FAQ entries: the shipped YAML files and their lossless round trip."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.lexicon import CONTENT_DIR
from knowledge_base.yaml_io import load_yaml

FAQ_DIR = CONTENT_DIR / "faq"
STATUSES = ("draft", "published", "archived")
# The request categories of docs/topics.md, plus `question` for what the bot could not answer.
REQUEST_CATEGORIES = ("employment", "training", "loan", "papers", "social", "legal", "obligations", "question")
ASSISTANT_FILE = "assistant"
# When the entry's main legal basis came into force, when its facts were last checked, and when they
# must be checked again: ISO dates, or "" while unknown.
DATE_FIELDS = ("in_force", "reviewed_on", "review_by")


def parse_date(value: str) -> dt.date | None:
    """An ISO date (YYYY-MM-DD) as a date; None for "" and for anything else."""
    if len(value) != 10:
        # fromisoformat also takes "20240701" and week dates: the content holds only one spelling.
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def is_date_or_empty(value: str) -> bool:
    return value == "" or parse_date(value) is not None


@dataclass
class FaqEntry:
    slug: str
    title: str
    answer: str
    phrasings: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    category: str | None = None
    status: str = "published"
    more: str = ""
    legal_basis: str = ""
    source: str = ""
    in_force: str = ""
    reviewed_on: str = ""
    review_by: str = ""

    def validate(self) -> list[str]:
        problems: list[str] = []
        if not self.slug or not self.slug.replace("-", "").isalnum():
            problems.append(f"bad slug {self.slug!r}")
        if not self.title.strip():
            problems.append(f"{self.slug}: empty title")
        if not self.answer.strip():
            problems.append(f"{self.slug}: empty answer")
        if self.status not in STATUSES:
            problems.append(f"{self.slug}: unknown status {self.status!r}")
        if self.category is not None and self.category not in REQUEST_CATEGORIES:
            problems.append(f"{self.slug}: unknown category {self.category!r}")
        for name in DATE_FIELDS:
            if not is_date_or_empty(getattr(self, name)):
                problems.append(f"{self.slug}: {name} is not a date (YYYY-MM-DD): {getattr(self, name)!r}")
        return problems

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaqEntry:
        def text(key: str) -> str:
            value = data.get(key)
            return "" if value is None else str(value)

        def texts(key: str) -> list[str]:
            return [str(v) for v in data.get(key) or [] if str(v).strip()]

        category = data.get("category")
        return cls(
            slug=text("slug").strip(),
            title=text("title").strip(),
            answer=text("answer").strip(),
            phrasings=texts("phrasings"),
            keywords=texts("keywords"),
            category=None if category in (None, "", "none") else str(category),
            status=text("status").strip() or "published",
            more=text("more").strip(),
            legal_basis=text("legal_basis").strip(),
            source=text("source").strip(),
            # YAML reads an unquoted 2024-07-01 as a date; str() gives back the same ISO spelling.
            in_force=text("in_force").strip(),
            reviewed_on=text("reviewed_on").strip(),
            review_by=text("review_by").strip(),
        )


class KnowledgeBaseError(ValueError):
    pass


def parse_entries(documents: Iterable[tuple[str, Any]]) -> list[FaqEntry]:
    """Entries from parsed YAML documents ((name, data) pairs); every problem is reported at once."""
    entries: list[FaqEntry] = []
    problems: list[str] = []
    seen: set[str] = set()
    for name, data in documents:
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            problems.append(f"{name}: expected a mapping with a list under 'entries'")
            continue
        for raw in data["entries"]:
            if not isinstance(raw, dict):
                problems.append(f"{name}: an entry is not a mapping")
                continue
            entry = FaqEntry.from_dict(raw)
            problems.extend(f"{name}: {p}" for p in entry.validate())
            if entry.slug in seen:
                problems.append(f"{name}: duplicate slug {entry.slug}")
            seen.add(entry.slug)
            entries.append(entry)
    if problems:
        raise KnowledgeBaseError("; ".join(problems))
    return entries


def load_directory(directory: Path = FAQ_DIR) -> list[FaqEntry]:
    files = sorted(directory.glob("*.yaml"))
    return parse_entries((f.name, load_yaml(f.read_text(encoding="utf-8"))) for f in files)


def load_file(path: Path) -> list[FaqEntry]:
    """One YAML file: either {entries: [...]} or a {category: {entries: [...]}} export bundle."""
    data = load_yaml(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "entries" not in data and all(isinstance(v, dict) for v in data.values()):
        return parse_entries((f"{path.name}:{k}", v) for k, v in data.items())
    return parse_entries([(path.name, data)])


class _LiteralDumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _str_representer)


def group_name(entry: FaqEntry) -> str:
    return entry.category or ASSISTANT_FILE


def _export_dict(entry: FaqEntry) -> dict[str, Any]:
    data = entry.to_dict()
    for name in DATE_FIELDS:
        # A date object is written unquoted (2024-07-01), as in the shipped files; a quoted string
        # would make every export differ from them. Anything else stays a string, quoted if need be.
        day = parse_date(data[name])
        if day is not None:
            data[name] = day
    return data


def dump_entries(entries: Sequence[FaqEntry]) -> str:
    """YAML with one top-level key per file name, multi-line texts as block scalars, dates unquoted."""
    bundle: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for entry in entries:
        bundle.setdefault(group_name(entry), {"entries": []})["entries"].append(_export_dict(entry))
    return yaml.dump(bundle, Dumper=_LiteralDumper, allow_unicode=True, sort_keys=False, width=1000)
