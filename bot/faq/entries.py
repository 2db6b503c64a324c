"""The entry rows and what is kept beside them: reading an entry, its versions and its approvals,
and writing an entry's fields into its row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.faq.validation import FIELDS, PUBLISHED
from bot.storage.models import FaqApprovalRow, FaqEntryRow, FaqVersionRow
from bot.storage.repos.faq import entry_of_row
from bot.storage.repos.meta import KB_REVISION
from bot.storage.unit_of_work import UnitOfWork
from knowledge_base.faq import FaqEntry


class EntryNotFound(LookupError):
    pass


@dataclass(frozen=True)
class SaveResult:
    slug: str
    version: int
    changed: bool
    # Waiting for a second admin: the answers are unchanged until then.
    pending_approval: int | None = None


def data_of(entry: FaqEntry) -> dict[str, Any]:
    return entry.to_dict()


def same_content(a: FaqEntry, b: FaqEntry) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in FIELDS)


def write_entry(row: FaqEntryRow, entry: FaqEntry, version: int, now: datetime) -> None:
    for name in FIELDS:
        value = getattr(entry, name)
        setattr(row, name, list(value) if isinstance(value, list) else value)
    row.version = version
    row.updated_at = now


def audit_data(entry: FaqEntry, version: int, **extra: Any) -> dict[str, Any]:
    return {"version": version, **data_of(entry), **extra}


async def bump_if_published(uow: UnitOfWork, *entries: FaqEntry) -> None:
    # Drafts and archived entries are not in the matcher: editing them changes no answer.
    if any(e.status == PUBLISHED for e in entries):
        await uow.meta.bump(KB_REVISION)


async def entry_row(uow: UnitOfWork, slug: str, *, for_update: bool = False) -> FaqEntryRow | None:
    return await uow.faq.entry_row(slug, for_update=for_update)


async def all_rows(uow: UnitOfWork) -> list[FaqEntryRow]:
    return await uow.faq.entry_rows()


async def versions(uow: UnitOfWork, entry_id: int) -> list[FaqVersionRow]:
    """Every saved version of an entry, oldest first."""
    return await uow.faq.versions(entry_id)


async def version_row(uow: UnitOfWork, entry_id: int, version: int) -> FaqVersionRow | None:
    return await uow.faq.version(entry_id, version)


async def latest_version(uow: UnitOfWork, entry_id: int) -> int:
    return await uow.faq.latest_version(entry_id)


async def approvals_of(uow: UnitOfWork, entry_id: int) -> list[FaqApprovalRow]:
    return await uow.faq.approvals_of(entry_id)


async def pending_approvals(uow: UnitOfWork) -> list[tuple[FaqApprovalRow, FaqEntryRow]]:
    return await uow.faq.pending_approvals()


async def pending_for(uow: UnitOfWork, entry_id: int) -> FaqApprovalRow | None:
    return await uow.faq.pending_approval(entry_id)


async def working_copy(uow: UnitOfWork, row: FaqEntryRow) -> tuple[FaqEntry, int]:
    """What an editor continues from: the change waiting for approval if any, else the live entry;
    and the newest version number (the form sends it back, so a concurrent save is noticed)."""
    latest = await latest_version(uow, row.id)
    pending = await pending_for(uow, row.id)
    if pending is not None:
        stored = await version_row(uow, row.id, pending.version)
        if stored is not None:
            return FaqEntry.from_dict(stored.data), latest
    return entry_of_row(row), latest
