"""The knowledge base's entries, their saved versions and the versions waiting for approval."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.storage.errors import translating
from bot.storage.models import FaqApprovalRow, FaqEntryRow, FaqVersionRow
from bot.storage.repos.base import _Repo
from knowledge_base.faq import FaqEntry


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


def _entry_fields(entry: FaqEntry) -> dict[str, Any]:
    data = entry.to_dict()
    data.pop("slug")
    return data


class FaqRepo(_Repo):
    async def count(self) -> int:
        return int((await self._session.execute(select(func.count()).select_from(FaqEntryRow))).scalar_one())

    async def all(self) -> list[FaqEntry]:
        return [entry_of_row(r) for r in await self.entry_rows()]

    async def upsert_all(self, entries: Sequence[FaqEntry], now: datetime, author: str) -> tuple[int, int]:
        """Create or update entries by slug, keeping a version of every change; (created, updated)."""
        existing = {r.slug: r for r in (await self._session.execute(select(FaqEntryRow))).scalars()}
        created = updated = 0
        for position, entry in enumerate(entries):
            fields = _entry_fields(entry)
            row = existing.get(entry.slug)
            if row is None:
                row = FaqEntryRow(slug=entry.slug, position=position, version=1, updated_at=now, **fields)
                self._session.add(row)
                created += 1
            else:
                current = {k: getattr(row, k) for k in fields}
                if current == fields and row.position == position:
                    continue
                for key, value in fields.items():
                    setattr(row, key, value)
                row.position = position
                row.version += 1
                row.updated_at = now
                updated += 1
            await self._session.flush()
            self._session.add(
                FaqVersionRow(entry_id=row.id, version=row.version, data=entry.to_dict(), author=author, created_at=now)
            )
        await self._session.flush()
        return created, updated

    async def entry_row(self, slug: str, *, for_update: bool = False) -> FaqEntryRow | None:
        statement = select(FaqEntryRow).where(FaqEntryRow.slug == slug)
        if for_update:
            statement = statement.with_for_update()
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def entry_for_update(self, entry_id: int) -> FaqEntryRow:
        statement = select(FaqEntryRow).where(FaqEntryRow.id == entry_id).with_for_update()
        return (await self._session.execute(statement)).scalar_one()

    async def entry_rows(self) -> list[FaqEntryRow]:
        statement = select(FaqEntryRow).order_by(FaqEntryRow.position, FaqEntryRow.id)
        return list((await self._session.execute(statement)).scalars())

    async def phrasings_of_others(self, slug: str, status: str) -> list[tuple[str, list[Any]]]:
        """(slug, phrasings) of every entry in that status but the one named."""
        statement = select(FaqEntryRow.slug, FaqEntryRow.phrasings).where(
            FaqEntryRow.slug != slug, FaqEntryRow.status == status
        )
        return [(slug, list(phrasings or [])) for slug, phrasings in (await self._session.execute(statement)).all()]

    async def next_position(self) -> int:
        """The position after the last entry's: a new entry comes last."""
        last = (await self._session.execute(select(func.max(FaqEntryRow.position)))).scalar_one()
        return int(last or 0) + 1

    async def add_entry(self, row: FaqEntryRow) -> None:
        """Insert a new entry; DuplicateRow when another transaction took its slug meanwhile."""
        # A savepoint: the transaction goes on after a refusal (the admin gets a form error).
        with translating():
            async with self._session.begin_nested():
                self._session.add(row)
                await self._session.flush()

    async def versions(self, entry_id: int) -> list[FaqVersionRow]:
        """Every saved version of an entry, oldest first."""
        statement = select(FaqVersionRow).where(FaqVersionRow.entry_id == entry_id).order_by(FaqVersionRow.version)
        return list((await self._session.execute(statement)).scalars())

    async def version(self, entry_id: int, version: int) -> FaqVersionRow | None:
        statement = select(FaqVersionRow).where(FaqVersionRow.entry_id == entry_id, FaqVersionRow.version == version)
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def latest_version(self, entry_id: int) -> int:
        statement = select(func.max(FaqVersionRow.version)).where(FaqVersionRow.entry_id == entry_id)
        return int((await self._session.execute(statement)).scalar_one() or 0)

    def add_version(self, entry_id: int, version: int, data: dict[str, Any], author: str, now: datetime) -> None:
        self._session.add(FaqVersionRow(entry_id=entry_id, version=version, data=data, author=author, created_at=now))

    async def request_approval(self, entry_id: int, version: int, requested_by: str, now: datetime) -> FaqApprovalRow:
        row = FaqApprovalRow(entry_id=entry_id, version=version, requested_by=requested_by, requested_at=now)
        self._session.add(row)
        await self._session.flush()
        return row

    async def approval_for_update(self, approval_id: int) -> FaqApprovalRow | None:
        statement = select(FaqApprovalRow).where(FaqApprovalRow.id == approval_id).with_for_update()
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def approvals_of(self, entry_id: int) -> list[FaqApprovalRow]:
        statement = select(FaqApprovalRow).where(FaqApprovalRow.entry_id == entry_id).order_by(FaqApprovalRow.id)
        return list((await self._session.execute(statement)).scalars())

    async def pending_approvals(self) -> list[tuple[FaqApprovalRow, FaqEntryRow]]:
        """Every approval still waiting, oldest first, with its entry."""
        statement = (
            select(FaqApprovalRow, FaqEntryRow)
            .join(FaqEntryRow, FaqEntryRow.id == FaqApprovalRow.entry_id)
            .where(FaqApprovalRow.decision.is_(None))
            .order_by(FaqApprovalRow.id)
        )
        return [(a, e) for a, e in (await self._session.execute(statement)).all()]

    async def pending_approval(self, entry_id: int) -> FaqApprovalRow | None:
        """The newest approval of the entry still waiting, if any."""
        statement = select(FaqApprovalRow).where(FaqApprovalRow.entry_id == entry_id, FaqApprovalRow.decision.is_(None))
        statement = statement.order_by(FaqApprovalRow.id.desc()).limit(1)
        return (await self._session.execute(statement)).scalar_one_or_none()
