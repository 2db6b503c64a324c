"""An entry as the editor sends it, tidied and checked: the limits, the slug's shape, and repeated
phrasings. Problems are codes per form field (`af_err_<code>` in the web locales), never sentences."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from knowledge_base.faq import DATE_FIELDS, REQUEST_CATEGORIES, STATUSES, FaqEntry, is_date_or_empty
from knowledge_base.text import clean

PUBLISHED = "published"
DRAFT = "draft"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Path segments of the admin pages that sit beside /admin/faq/{slug}.
RESERVED_SLUGS = frozenset({"new", "approvals"})
MIN_SLUG, MAX_SLUG = 3, 80
# Titles are suggestion buttons on a phone; answers are split by the channels, but an answer longer
# than a few screens is not read (docs/content-format.md asks for 900 characters).
MAX_TITLE = 100
MAX_PHRASING = 300
MAX_PHRASINGS = 200
MAX_KEYWORD = 120
MAX_KEYWORDS = 100
MAX_ANSWER = 4000
MAX_MORE = 4000
MAX_REFERENCE = 1000
RECOMMENDED_ANSWER = 900
TEXT_FIELDS = ("title", "category", "status", "answer", "more", "legal_basis", "source", *DATE_FIELDS)
LIST_FIELDS = ("phrasings", "keywords")
FIELDS = ("title", "category", "status", *LIST_FIELDS, "answer", "more", "legal_basis", "source", *DATE_FIELDS)


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    values: tuple[tuple[str, Any], ...] = ()

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.values)


class FaqEditError(ValueError):
    """The entry was not saved; `problems` say why, per form field."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(", ".join(f"{p.field}:{p.code}" for p in problems))
        self.problems = list(problems)

    def codes(self) -> set[str]:
        return {p.code for p in self.problems}


def normalise_text(value: str) -> str:
    # Pasted text arrives with Windows line ends and decomposed diacritics; the content is NFC.
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in value.strip().split("\n"))


def text_lines(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        for raw in normalise_text(value).split("\n"):
            line = " ".join(raw.split())
            if line:
                out.append(line)
    return out


def lines_of(text: str) -> list[str]:
    """A textarea with one item per line, as a list: order kept, blank lines dropped."""
    return text_lines([text])


def tidy(entry: FaqEntry) -> FaqEntry:
    """The entry as it will be stored: trimmed, NFC, one phrasing or keyword per line."""
    category = (entry.category or "").strip() or None
    return FaqEntry(
        slug=entry.slug.strip(),
        title=" ".join(normalise_text(entry.title).split()),
        answer=normalise_text(entry.answer),
        phrasings=text_lines(entry.phrasings),
        keywords=text_lines(entry.keywords),
        category=category,
        status=entry.status.strip(),
        more=normalise_text(entry.more),
        legal_basis=normalise_text(entry.legal_basis),
        source=normalise_text(entry.source),
        in_force=entry.in_force.strip(),
        reviewed_on=entry.reviewed_on.strip(),
        review_by=entry.review_by.strip(),
    )


def phrasing_key(text: str) -> str:
    """Two phrasings are the same when they differ only in case, spacing or punctuation.

    Diacritics count: "làm căn cước" and "lam can cuoc" are both kept on purpose, as people type both.
    """
    return clean(text)


def validate(entry: FaqEntry, *, new_slug: bool) -> list[Problem]:
    problems: list[Problem] = []
    if new_slug:
        if not SLUG.match(entry.slug) or not MIN_SLUG <= len(entry.slug) <= MAX_SLUG:
            problems.append(Problem("slug", "slug_pattern", (("min", MIN_SLUG), ("max", MAX_SLUG))))
        elif entry.slug in RESERVED_SLUGS:
            problems.append(Problem("slug", "slug_reserved"))
    if not entry.title:
        problems.append(Problem("title", "title_empty"))
    elif len(entry.title) > MAX_TITLE:
        problems.append(Problem("title", "title_long", (("max", MAX_TITLE),)))
    if not entry.answer:
        problems.append(Problem("answer", "answer_empty"))
    elif len(entry.answer) > MAX_ANSWER:
        problems.append(Problem("answer", "answer_long", (("max", MAX_ANSWER), ("length", len(entry.answer)))))
    if len(entry.more) > MAX_MORE:
        problems.append(Problem("more", "more_long", (("max", MAX_MORE),)))
    problems += _list_problems("phrasings", entry.phrasings, MAX_PHRASINGS, MAX_PHRASING)
    problems += _list_problems("keywords", entry.keywords, MAX_KEYWORDS, MAX_KEYWORD)
    if not entry.phrasings:
        problems.append(Problem("phrasings", "phrasings_empty"))
    if entry.category is not None and entry.category not in REQUEST_CATEGORIES:
        problems.append(Problem("category", "category_unknown"))
    if entry.status not in STATUSES:
        problems.append(Problem("status", "status_unknown"))
    for name in ("legal_basis", "source"):
        if len(getattr(entry, name)) > MAX_REFERENCE:
            problems.append(Problem(name, "reference_long", (("max", MAX_REFERENCE),)))
    for name in DATE_FIELDS:
        if not is_date_or_empty(getattr(entry, name)):
            problems.append(Problem(name, "date_invalid"))
    return problems


def _list_problems(name: str, items: Sequence[str], max_items: int, max_chars: int) -> list[Problem]:
    problems: list[Problem] = []
    if len(items) > max_items:
        problems.append(Problem(name, "too_many", (("max", max_items),)))
    long = [item for item in items if len(item) > max_chars]
    if long:
        problems.append(Problem(name, "item_long", (("max", max_chars), ("item", long[0][:60]))))
    seen: set[str] = set()
    for item in items:
        key = phrasing_key(item)
        if key in seen:
            problems.append(Problem(name, "duplicate", (("item", item[:80]),)))
            break
        seen.add(key)
    return problems
