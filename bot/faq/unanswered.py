"""The unanswered inbox: questions the bot could not answer, grouped so an admin works each kind once.

A question is unanswered when the matcher fell back, or when it offered suggestions and the person
chose none. Questions are grouped by how alike their normalised text is (teen-code, missing
diacritics and synonyms are already undone there, so "lam cccd o dau" and "làm căn cước ở đâu"
meet). Only the text is ever shown, with phone numbers and long numbers masked: never who asked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rapidfuzz import fuzz, process

from bot.clock import as_utc
from bot.logging_setup import redact
from bot.storage.unit_of_work import UnitOfWork
from knowledge_base.text import clean, tokens

WINDOW_DAYS = 90
# The newest rows looked at: beyond this, the oldest wait for the inbox to be worked down.
MAX_ROWS = 2000
# rapidfuzz scores (0-100) from which two normalised questions are the same question.
THRESHOLD = 85.0
MAX_SHOWN_QUESTIONS = 25
MAX_IDS = 5000

ADDED, NEW_ENTRY, DISMISSED = "added", "new_entry", "dismissed"
# Not a gap in the content: the bot rightly had no answer (the price of gold, the weather).
OUT_OF_SCOPE = "out_of_scope"
REVIEWS = (ADDED, NEW_ENTRY, DISMISSED, OUT_OF_SCOPE)

# An identity-card, account or any other long number is as personal as a phone number.
_LONG_NUMBER = re.compile(r"\d(?:[\s.\-]?\d){7,}")


def mask(text: str) -> str:
    return _LONG_NUMBER.sub("[…]", redact(text))


@dataclass(frozen=True)
class LoggedQuestion:
    id: int
    question: str
    normalized: str
    created_at: datetime


@dataclass(frozen=True)
class ShownQuestion:
    text: str
    count: int


@dataclass
class Group:
    key: str
    representative: str
    questions: list[ShownQuestion]
    count: int
    first_seen: datetime
    last_seen: datetime
    # Distinct wordings, of which `questions` holds the most asked.
    distinct: int = 0
    ids: list[int] = field(default_factory=list)

    @property
    def ids_value(self) -> str:
        return ",".join(str(i) for i in self.ids)


async def load(
    uow: UnitOfWork, now: datetime, *, window_days: int = WINDOW_DAYS, limit: int = MAX_ROWS
) -> list[LoggedQuestion]:
    found = await uow.match_log.unanswered_since(now - timedelta(days=window_days), limit)
    return [
        LoggedQuestion(row_id, question, normalized, as_utc(created_at))
        for row_id, question, normalized, created_at in found
    ]


def _key(item: LoggedQuestion) -> str:
    # Older rows (or a question of stop words only) have no normalised text: the folded words do.
    return item.normalized.strip() or " ".join(tokens(item.question))


def similarity(a: str, b: str) -> float:
    score = fuzz.token_set_ratio(a, b)
    shorter, longer = sorted((len(set(a.split())), len(set(b.split()))))
    # token_set_ratio gives 100 to any subset: "o dau" (where) is not "xin viec o dau" (where to find
    # a job). A subset counts only when it holds more than half of the longer question's words.
    if shorter * 2 <= longer:
        score = min(score, fuzz.token_sort_ratio(a, b))
    return float(score)


def group(items: Sequence[LoggedQuestion], threshold: float = THRESHOLD) -> list[Group]:
    """Greedy clustering, deterministic: the most asked wordings found groups first, and each other
    wording joins the group whose founder it is most like (ties: the older group)."""
    by_key: dict[str, list[LoggedQuestion]] = {}
    for item in items:
        by_key.setdefault(_key(item), []).append(item)
    order = sorted(by_key, key=lambda k: (-len(by_key[k]), -max(i.id for i in by_key[k]), k))
    founders: list[str] = []
    members: dict[str, list[str]] = {}
    for key in order:
        best, best_score, best_index = None, threshold, len(founders)
        # rapidfuzz scores every founder in C; only the few above the threshold are looked at again.
        hits = process.extract(key, founders, scorer=fuzz.token_set_ratio, score_cutoff=threshold, limit=None)
        for founder, _, index in hits:
            score = similarity(key, founder)
            if score >= threshold and (
                best is None or score > best_score or (score == best_score and index < best_index)
            ):
                best, best_score, best_index = founder, score, index
        if best is None:
            founders.append(key)
            members[key] = [key]
        else:
            members[best].append(key)
    groups = [_group(founder, [q for k in members[founder] for q in by_key[k]]) for founder in founders]
    groups.sort(key=lambda g: (-g.count, -g.last_seen.timestamp(), g.key))
    return groups


def _group(key: str, items: list[LoggedQuestion]) -> Group:
    items = sorted(items, key=lambda i: i.id, reverse=True)
    shown: dict[str, list[str]] = {}
    for item in items:
        text = " ".join(mask(item.question).split())
        shown.setdefault(clean(text), []).append(text)
    # The wording asked most often stands for the group, in its newest spelling.
    ranked = sorted(shown.values(), key=lambda texts: -len(texts))
    questions = [ShownQuestion(texts[0], len(texts)) for texts in ranked]
    return Group(
        # The normalised text carries the digits the person typed: masked like the questions.
        key=mask(key),
        representative=questions[0].text,
        questions=questions[:MAX_SHOWN_QUESTIONS],
        count=len(items),
        first_seen=min(i.created_at for i in items),
        last_seen=max(i.created_at for i in items),
        distinct=len(questions),
        ids=[i.id for i in items],
    )


async def groups(uow: UnitOfWork, now: datetime, *, threshold: float = THRESHOLD) -> list[Group]:
    return group(await load(uow, now), threshold)


def parse_ids(value: str) -> list[int]:
    ids: list[int] = []
    for raw in value.split(","):
        part = raw.strip()
        # ASCII digits only ("²" is a digit int() refuses), and no id past what a column holds.
        if part.isascii() and part.isdigit() and len(part) < 19:
            ids.append(int(part))
        if len(ids) >= MAX_IDS:
            break
    return ids


async def questions_of(uow: UnitOfWork, ids: Sequence[int]) -> list[str]:
    """The masked texts of still-unanswered rows, newest first (to start an entry from them)."""
    return [" ".join(mask(q).split()) for q in await uow.match_log.unanswered_texts(ids)]


async def mark(uow: UnitOfWork, ids: Sequence[int], how: str, actor: str, now: datetime, **details: object) -> int:
    """Take rows out of the inbox (added as a phrasing, made a new entry, or dismissed)."""
    if how not in REVIEWS:
        raise ValueError(how)
    if not ids:
        return 0
    count = await uow.match_log.mark_reviewed(ids, how, now)
    if count:
        await uow.audit.add(
            actor,
            f"unanswered.{how}",
            f"match_log:{min(ids)}..{max(ids)}",
            now,
            before={"reviewed": None, "rows": count},
            after={"reviewed": how, "rows": count, **details},
        )
    return count
