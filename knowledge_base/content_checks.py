"""The automatic content check: the editorial rules every FAQ entry must meet (docs/content-format.md).

Problems are keys with values, never sentences, so the admin console can say them in Vietnamese or
English (`cc_<key>` in bot/web/locales/content_check.*.yaml); the command line prints them raw:

    python -m knowledge_base.content_files [FILE ...] [--today YYYY-MM-DD]

The word lists (retired names, jargon, editorial-note patterns) live in knowledge_base/content/checks/.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from knowledge_base.faq import DATE_FIELDS, FaqEntry, parse_date
from knowledge_base.lexicon import CONTENT_DIR
from knowledge_base.text import clean, fold, has_letters, tokens
from knowledge_base.yaml_io import load_yaml

CHECKS_DIR = CONTENT_DIR / "checks"

MAX_ANSWER_WORDS = 90
MAX_TITLE_CHARS = 60
MIN_PHRASINGS = 15
MIN_UNACCENTED = 2
MIN_NARRATIVE = 2
NARRATIVE_WORDS = 20
# Values quoted back in a problem are cut: a 10,000-character answer must not become the message.
EXCERPT = 80

PLACE, BRING, WARNING = "📍", "🎒", "⚠"
_MARKERS = {PLACE: "P", BRING: "B", WARNING: "W"}
# Answer line, where to go, what to bring (optional), one warning (optional).
_LAYOUT = re.compile(r"^APB?W?$")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+|\s*•\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A comma or semicolon at the end is a separator typed by habit, not part of the address.
_URL = re.compile(r"^https?://[^\s/?#,;]+\.[^\s/?#,;]+(?:[/?#]\S*)?(?<![,;])$")
# Every problem key, in the order check_entry reports them; each has a `cc_<key>` web text.
KEYS = (
    "control_characters",
    "title_empty",
    "title_long",
    "answer_empty",
    "answer_words",
    "place_missing",
    "warning_many",
    "marker_empty",
    "answer_layout",
    "editorial_note",
    "field_missing",
    "source_not_url",
    "date_invalid",
    "reviewed_in_future",
    "review_overdue",
    "review_by_before_reviewed",
    "retired_name",
    "jargon_first_screen",
    "jargon_unexplained",
    "phrasings_few",
    "phrasings_unaccented_few",
    "phrasings_narrative_few",
    "slug_duplicate",
    "file_unreadable",
    "file_shape",
    "invalid",
)
# Entries about the assistant itself cite no law.
_CITING_FIELDS = ("legal_basis", "in_force", "source")


@dataclass(frozen=True)
class Problem:
    """One broken rule: `key` names it (`cc_<key>` in the web locales), `values` fill its text."""

    slug: str
    key: str
    values: tuple[tuple[str, str | int], ...] = ()

    @property
    def params(self) -> dict[str, str | int]:
        return dict(self.values)

    @property
    def detail(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.values)

    def line(self) -> str:
        return f"{self.slug}: {self.key}: {self.detail}" if self.values else f"{self.slug}: {self.key}"


@dataclass(frozen=True)
class CheckLists:
    retired_names: tuple[tuple[str, tuple[str, ...]], ...]
    gone_markers: tuple[tuple[str, ...], ...]
    jargon: tuple[tuple[str, re.Pattern[str]], ...]
    editorial: tuple[re.Pattern[str], ...]


def _read(path: Path) -> dict[str, Any]:
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def _strings(data: dict[str, Any], key: str) -> list[str]:
    return [unicodedata.normalize("NFC", str(v)).strip() for v in data.get(key) or [] if str(v).strip()]


def _word_pattern(phrase: str) -> re.Pattern[str]:
    # Whole words: "truy thu" (recovering money) is not inside "truy thuế" (back taxes).
    parts = (re.escape(w) for w in phrase.lower().split())
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)")


def load_lists(directory: Path = CHECKS_DIR) -> CheckLists:
    retired = _read(directory / "retired.yaml")
    jargon = _read(directory / "jargon.yaml")
    editorial = _read(directory / "editorial.yaml")
    return CheckLists(
        retired_names=tuple((name, tuple(clean(name).split())) for name in _strings(retired, "names")),
        gone_markers=tuple(tuple(clean(m).split()) for m in _strings(retired, "gone_markers")),
        jargon=tuple((term, _word_pattern(term)) for term in _strings(jargon, "terms")),
        editorial=tuple(re.compile(p, re.IGNORECASE) for p in _strings(editorial, "patterns")),
    )


@cache
def shipped_lists() -> CheckLists:
    return load_lists()


def excerpt(text: str) -> str:
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    return n > 0 and any(tuple(haystack[i : i + n]) == tuple(needle) for i in range(len(haystack) - n + 1))


def words(text: str) -> list[str]:
    """The words a reader reads: emoji, bullets and other pure-symbol tokens do not count."""
    return [w for w in text.split() if any(unicodedata.category(c)[0] in "LN" for c in w)]


def _kind(line: str) -> str:
    for marker, kind in _MARKERS.items():
        if line.startswith(marker):
            return kind
    return "A"


def _layout(slug: str, answer: str) -> list[Problem]:
    lines = [line.strip() for line in answer.split("\n") if line.strip()]
    kinds = "".join(_kind(line) for line in lines)
    problems: list[Problem] = []
    if "P" not in kinds:
        problems.append(Problem(slug, "place_missing"))
    if kinds.count("W") > 1:
        problems.append(Problem(slug, "warning_many", (("count", kinds.count("W")),)))
    for number, line in enumerate(lines, start=1):
        if _kind(line) != "A" and not has_letters(line):
            problems.append(Problem(slug, "marker_empty", (("line", number),)))
    if not problems and not _LAYOUT.match(kinds):
        problems.append(Problem(slug, "answer_layout", (("lines", len(lines)), ("found", _layout_found(kinds)))))
    return problems


def _layout_found(kinds: str) -> str:
    names = {"A": "text", "P": PLACE, "B": BRING, "W": "⚠️"}
    return " ".join(names[k] for k in kinds)


def _editorial(slug: str, entry: FaqEntry, lists: CheckLists) -> list[Problem]:
    problems: list[Problem] = []
    for name in ("title", "answer", "more"):
        text = getattr(entry, name)
        for pattern in lists.editorial:
            found = pattern.search(text)
            if found:
                problems.append(Problem(slug, "editorial_note", (("field", name), ("text", excerpt(found.group(0))))))
                break
    return problems


def _required(slug: str, entry: FaqEntry) -> list[Problem]:
    if entry.status != "published":
        return []
    needed = ["reviewed_on", "review_by"]
    if entry.category is not None:
        needed = [*_CITING_FIELDS, *needed]
    problems = [Problem(slug, "field_missing", (("field", name),)) for name in needed if not getattr(entry, name)]
    if entry.category is not None and entry.source:
        bad = [url for url in entry.source.split() if not _URL.match(url)]
        if bad:
            problems.append(Problem(slug, "source_not_url", (("value", excerpt(bad[0])),)))
    return problems


def _dates(slug: str, entry: FaqEntry, today: dt.date) -> list[Problem]:
    problems: list[Problem] = []
    for name in DATE_FIELDS:
        value = getattr(entry, name)
        if value and parse_date(value) is None:
            problems.append(Problem(slug, "date_invalid", (("field", name), ("value", excerpt(value)))))
    reviewed, due = parse_date(entry.reviewed_on), parse_date(entry.review_by)
    if reviewed is not None and reviewed > today:
        problems.append(Problem(slug, "reviewed_in_future", (("reviewed_on", entry.reviewed_on),)))
    if due is not None and due < today:
        problems.append(Problem(slug, "review_overdue", (("review_by", entry.review_by),)))
    if reviewed is not None and due is not None and due <= reviewed:
        problems.append(Problem(slug, "review_by_before_reviewed", (("review_by", entry.review_by),)))
    return problems


def review_due(entry: FaqEntry, today: dt.date) -> bool:
    """Due for review: its review-by day has passed, or it has none (archived entries never are)."""
    if entry.status == "archived":
        return False
    due = parse_date(entry.review_by)
    return due is None or due < today


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _retired(slug: str, entry: FaqEntry, lists: CheckLists) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for name in ("title", "answer", "more"):
        for sentence in sentences(getattr(entry, name)):
            # With diacritics: folded, "quân đội" would read as "quận".
            written = clean(sentence).split()
            named = [n for n, t in lists.retired_names if _contains(written, t)]
            if not named:
                continue
            if any(_contains(written, marker) for marker in lists.gone_markers):
                continue
            # Overlapping names ("Sở LĐTBXH" and "LĐTBXH") are one problem: the longest is reported.
            shown = max(named, key=len)
            if shown not in seen:
                seen.add(shown)
                problems.append(
                    Problem(slug, "retired_name", (("name", shown), ("field", name), ("text", excerpt(sentence))))
                )
    return problems


def _jargon(slug: str, entry: FaqEntry, lists: CheckLists) -> list[Problem]:
    problems: list[Problem] = []
    answer = unicodedata.normalize("NFC", entry.answer).lower()
    more = unicodedata.normalize("NFC", entry.more).lower()
    for term, pattern in lists.jargon:
        if pattern.search(answer):
            problems.append(Problem(slug, "jargon_first_screen", (("term", term),)))
        first = pattern.search(more)
        if first is not None and not re.match(r"\s*[(:]", more[first.end() :]):
            problems.append(Problem(slug, "jargon_unexplained", (("term", term),)))
    return problems


def is_unaccented(phrasing: str) -> bool:
    """Typed without diacritics, as on a phone without a Vietnamese keyboard."""
    text = unicodedata.normalize("NFC", phrasing).lower()
    return has_letters(text) and fold(text) == text


def _phrasings(slug: str, entry: FaqEntry) -> list[Problem]:
    problems: list[Problem] = []
    count = len(entry.phrasings)
    if count < MIN_PHRASINGS:
        problems.append(Problem(slug, "phrasings_few", (("count", count), ("min", MIN_PHRASINGS))))
    unaccented = sum(1 for p in entry.phrasings if is_unaccented(p))
    if unaccented < MIN_UNACCENTED:
        problems.append(Problem(slug, "phrasings_unaccented_few", (("count", unaccented), ("min", MIN_UNACCENTED))))
    narrative = sum(1 for p in entry.phrasings if len(tokens(p)) >= NARRATIVE_WORDS)
    if narrative < MIN_NARRATIVE:
        problems.append(
            Problem(
                slug,
                "phrasings_narrative_few",
                (("count", narrative), ("min", MIN_NARRATIVE), ("words", NARRATIVE_WORDS)),
            )
        )
    return problems


def _texts(entry: FaqEntry) -> Iterable[tuple[str, str]]:
    for name in ("title", "answer", "more", "legal_basis", "source", *DATE_FIELDS):
        yield name, getattr(entry, name)
    for name in ("phrasings", "keywords"):
        for item in getattr(entry, name):
            yield name, item


def check_entry(entry: FaqEntry, today: dt.date, lists: CheckLists | None = None) -> list[Problem]:
    """Every editorial rule the entry breaks, in a stable order; [] when it is fine.

    Archived entries are never shown, so they are not checked."""
    if entry.status == "archived":
        return []
    lists = lists or shipped_lists()
    slug = entry.slug
    problems: list[Problem] = []
    controls = sorted({name for name, text in _texts(entry) if _CONTROL.search(text)})
    problems += [Problem(slug, "control_characters", (("field", name),)) for name in controls]
    title = entry.title.strip()
    if not title:
        problems.append(Problem(slug, "title_empty"))
    elif len(title) > MAX_TITLE_CHARS:
        problems.append(Problem(slug, "title_long", (("length", len(title)), ("max", MAX_TITLE_CHARS))))
    if not words(entry.answer):
        problems.append(Problem(slug, "answer_empty"))
    else:
        count = len(words(entry.answer))
        if count > MAX_ANSWER_WORDS:
            problems.append(Problem(slug, "answer_words", (("count", count), ("max", MAX_ANSWER_WORDS))))
        problems += _layout(slug, entry.answer)
    problems += _editorial(slug, entry, lists)
    problems += _required(slug, entry)
    problems += _dates(slug, entry, today)
    problems += _retired(slug, entry, lists)
    problems += _jargon(slug, entry, lists)
    problems += _phrasings(slug, entry)
    return problems


def check_entries(entries: Iterable[FaqEntry], today: dt.date, lists: CheckLists | None = None) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for entry in entries:
        if entry.slug in seen:
            problems.append(Problem(entry.slug, "slug_duplicate"))
        seen.add(entry.slug)
        problems += check_entry(entry, today, lists)
    return problems
