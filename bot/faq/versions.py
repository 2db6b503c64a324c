"""An entry's history: what each version changed from the one before, and restoring an old version
(saved again as a new one, so the history only ever grows)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.faq.entries import EntryNotFound, SaveResult, approvals_of, entry_row, version_row, versions
from bot.faq.saving import save_entry
from bot.faq.validation import FIELDS, LIST_FIELDS
from bot.storage.models import FaqApprovalRow, FaqEntryRow
from bot.storage.unit_of_work import UnitOfWork
from knowledge_base.faq import FaqEntry


@dataclass(frozen=True)
class FieldDiff:
    field: str
    # Text fields: (op, line) with op "+", "-" or " "; list fields: added, removed, and whether the
    # items both versions share changed order.
    lines: tuple[tuple[str, str], ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reordered: bool = False

    @property
    def is_list(self) -> bool:
        return self.field in LIST_FIELDS


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[FieldDiff]:
    """The fields that differ between two versions' data (old None: everything is new)."""
    before = old or {}
    changes: list[FieldDiff] = []
    for name in FIELDS:
        if name in LIST_FIELDS:
            was = [str(v) for v in before.get(name) or []]
            now = [str(v) for v in new.get(name) or []]
            if was == now:
                continue
            added = tuple(v for v in now if v not in was)
            removed = tuple(v for v in was if v not in now)
            kept_was = [v for v in was if v in now]
            kept_now = [v for v in now if v in was]
            changes.append(FieldDiff(name, added=added, removed=removed, reordered=kept_was != kept_now))
            continue
        was_text, now_text = _as_text(before.get(name)), _as_text(new.get(name))
        if was_text == now_text and old is not None:
            continue
        if not was_text and not now_text:
            continue
        lines = tuple(
            (line[0], line[2:])
            for line in difflib.ndiff(was_text.splitlines(), now_text.splitlines())
            if line[:1] in ("+", "-", " ")
        )
        changes.append(FieldDiff(name, lines=lines))
    return changes


@dataclass
class VersionView:
    version: int
    author: str
    created_at: datetime
    data: dict[str, Any]
    changes: list[FieldDiff] = field(default_factory=list)
    live: bool = False
    approval: FaqApprovalRow | None = None


async def history(uow: UnitOfWork, row: FaqEntryRow) -> list[VersionView]:
    """Every version, newest first, each with what it changed from the one before."""
    approvals = {a.version: a for a in await approvals_of(uow, row.id)}
    views: list[VersionView] = []
    previous: dict[str, Any] | None = None
    for stored in await versions(uow, row.id):
        views.append(
            VersionView(
                stored.version,
                stored.author,
                stored.created_at,
                stored.data,
                diff(previous, stored.data),
                stored.version == row.version,
                approvals.get(stored.version),
            )
        )
        previous = stored.data
    return list(reversed(views))


async def restore(
    uow: UnitOfWork, slug: str, version: int, actor: str, now: datetime, *, approval_required: bool
) -> SaveResult:
    """An old version's content saved again: a new version, so the history only ever grows."""
    row = await entry_row(uow, slug)
    if row is None:
        raise EntryNotFound(slug)
    stored = await version_row(uow, row.id, version)
    if stored is None:
        raise EntryNotFound(f"{slug}@{version}")
    old = FaqEntry.from_dict({**stored.data, "slug": slug})
    return await save_entry(
        uow,
        slug,
        old,
        actor,
        now,
        approval_required=approval_required,
        action="faq.restore",
        extra={"restored_from": version},
    )
