"""The entry rows and what is kept beside them: reading an entry, its versions and its approvals,
and writing an entry's fields into its row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.faq.validation import FIELDS, PUBLISHED
from bot.storage.models import FaqApprovalRow, FaqEntryRow, FaqVersionRow
from bot.storage.repositories import KB_REVISION
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


def entry_of_row(row: FaqEntryRow) -> FaqEntry:
    return FaqEntry(
        slug=row.slug,
        title=row.title,
        answer=row.answer,
        phrasings=[str(p) for p in row.phrasings],
        keywords=[str(k) for k in row.keywords],
        category=row.category,
        status=row.status,
        more=row.more,
        legal_basis=row.legal_basis,
        source=row.source,
        in_force=row.in_force,
        reviewed_on=row.reviewed_on,
        review_by=row.review_by,
    )


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
    statement = select(FaqEntryRow).where(FaqEntryRow.slug == slug)
    if for_update:
        statement = statement.with_for_update()
    return (await uow.session.execute(statement)).scalar_one_or_none()


async def all_rows(uow: UnitOfWork) -> list[FaqEntryRow]:
    statement = select(FaqEntryRow).order_by(FaqEntryRow.position, FaqEntryRow.id)
    return list((await uow.session.execute(statement)).scalars())


async def versions(uow: UnitOfWork, entry_id: int) -> list[FaqVersionRow]:
    """Every saved version of an entry, oldest first."""
    statement = select(FaqVersionRow).where(FaqVersionRow.entry_id == entry_id).order_by(FaqVersionRow.version)
    return list((await uow.session.execute(statement)).scalars())


async def version_row(uow: UnitOfWork, entry_id: int, version: int) -> FaqVersionRow | None:
    statement = select(FaqVersionRow).where(FaqVersionRow.entry_id == entry_id, FaqVersionRow.version == version)
    return (await uow.session.execute(statement)).scalar_one_or_none()


async def latest_version(uow: UnitOfWork, entry_id: int) -> int:
    statement = select(func.max(FaqVersionRow.version)).where(FaqVersionRow.entry_id == entry_id)
    return int((await uow.session.execute(statement)).scalar_one() or 0)


async def approvals_of(uow: UnitOfWork, entry_id: int) -> list[FaqApprovalRow]:
    statement = select(FaqApprovalRow).where(FaqApprovalRow.entry_id == entry_id).order_by(FaqApprovalRow.id)
    return list((await uow.session.execute(statement)).scalars())


async def pending_approvals(uow: UnitOfWork) -> list[tuple[FaqApprovalRow, FaqEntryRow]]:
    statement = (
        select(FaqApprovalRow, FaqEntryRow)
        .join(FaqEntryRow, FaqEntryRow.id == FaqApprovalRow.entry_id)
        .where(FaqApprovalRow.decision.is_(None))
        .order_by(FaqApprovalRow.id)
    )
    return [(a, e) for a, e in (await uow.session.execute(statement)).all()]


async def pending_for(uow: UnitOfWork, entry_id: int) -> FaqApprovalRow | None:
    statement = select(FaqApprovalRow).where(FaqApprovalRow.entry_id == entry_id, FaqApprovalRow.decision.is_(None))
    return (await uow.session.execute(statement.order_by(FaqApprovalRow.id.desc()).limit(1))).scalar_one_or_none()


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
