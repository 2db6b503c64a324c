"""What the unanswered inbox makes of questions: one more phrasing on an entry, or a new entry's
form filled from a group of questions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.faq.entries import EntryNotFound, SaveResult, data_of, entry_row, working_copy
from bot.faq.saving import save_entry
from bot.faq.validation import (
    DRAFT,
    MAX_PHRASING,
    MAX_SLUG,
    MAX_TITLE,
    FaqEditError,
    Problem,
    normalise_text,
    phrasing_key,
    text_lines,
)
from bot.storage.unit_of_work import UnitOfWork
from knowledge_base.faq import FaqEntry
from knowledge_base.text import tokens


async def add_phrasing(
    uow: UnitOfWork,
    slug: str,
    phrasing: str,
    actor: str,
    now: datetime,
    *,
    approval_required: bool,
    extra: dict[str, Any] | None = None,
) -> SaveResult:
    """One more phrasing on an entry (from the unanswered inbox), on top of any change awaiting approval."""
    row = await entry_row(uow, slug)
    if row is None:
        raise EntryNotFound(slug)
    current, _ = await working_copy(uow, row)
    text = " ".join(normalise_text(phrasing).split())
    if not text:
        raise FaqEditError([Problem("phrasing", "phrasing_empty")])
    if any(phrasing_key(p) == phrasing_key(text) for p in current.phrasings):
        raise FaqEditError([Problem("phrasings", "duplicate", (("item", text[:80]),))])
    fields = FaqEntry(**{**data_of(current), "phrasings": [*current.phrasings, text]})
    return await save_entry(
        uow, slug, fields, actor, now, approval_required=approval_required, action="faq.add_phrasing", extra=extra
    )


def slug_from(text: str) -> str:
    words = tokens(text)[:8]
    slug = "-".join(re.sub(r"[^a-z0-9]", "", w) for w in words)
    slug = re.sub(r"-+", "-", slug).strip("-")
    return slug[:MAX_SLUG].strip("-")


def draft_from_questions(questions: Sequence[str]) -> FaqEntry:
    """A new entry's form filled from a group of questions (newest first): they become its first
    phrasings, the most asked wording first, and that wording its title."""
    counts: dict[str, int] = {}
    first: dict[str, str] = {}
    for phrasing in text_lines(questions):
        key = phrasing_key(phrasing)
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, phrasing[:MAX_PHRASING])
    unique = [first[key] for key in sorted(first, key=lambda k: -counts[k])]
    title = unique[0][:MAX_TITLE] if unique else ""
    return FaqEntry(slug=slug_from(title), title=title, answer="", phrasings=unique, status=DRAFT)
