"""Four eyes on publishing: a second admin approves the version waiting for approval, or rejects
it; its author may withdraw it. The live entry changes only on approval."""

from __future__ import annotations

from datetime import datetime

from bot.faq.entries import (
    EntryNotFound,
    SaveResult,
    audit_data,
    bump_if_published,
    version_row,
    write_entry,
)
from bot.storage.models import FaqApprovalRow, FaqEntryRow
from bot.storage.repos.faq import entry_of_row
from bot.storage.unit_of_work import UnitOfWork
from knowledge_base.faq import FaqEntry

# Decisions of an approval row; NULL while it waits.
APPROVED, REJECTED, WITHDRAWN, SUPERSEDED = "approved", "rejected", "withdrawn", "superseded"


class ApprovalError(ValueError):
    """An approval that cannot be decided: `code` is `own_change` or `not_pending`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def _approval_for_update(uow: UnitOfWork, approval_id: int) -> tuple[FaqApprovalRow, FaqEntryRow]:
    approval = await uow.faq.approval_for_update(approval_id)
    if approval is None:
        raise EntryNotFound(f"approval {approval_id}")
    if approval.decision is not None:
        raise ApprovalError("not_pending")
    return approval, await uow.faq.entry_for_update(approval.entry_id)


async def approve(uow: UnitOfWork, approval_id: int, actor: str, now: datetime) -> SaveResult:
    """A second admin publishes the waiting version; its author may not (four eyes)."""
    approval, row = await _approval_for_update(uow, approval_id)
    if approval.requested_by == actor:
        raise ApprovalError("own_change")
    stored = await version_row(uow, row.id, approval.version)
    if stored is None:
        raise EntryNotFound(f"{row.slug}@{approval.version}")
    live, live_version = entry_of_row(row), row.version
    entry = FaqEntry.from_dict({**stored.data, "slug": row.slug})
    write_entry(row, entry, approval.version, now)
    approval.decision, approval.decided_by, approval.decided_at = APPROVED, actor, now
    await uow.flush()
    await bump_if_published(uow, live, entry)
    await uow.audit.add(
        actor,
        "faq.approve",
        row.slug,
        now,
        before=audit_data(live, live_version),
        after=audit_data(entry, approval.version, approval=approval.id, requested_by=approval.requested_by),
    )
    return SaveResult(row.slug, approval.version, changed=True)


async def reject(uow: UnitOfWork, approval_id: int, actor: str, now: datetime) -> str:
    """Another admin turns the change down; its author may withdraw it. The live entry stays as it is."""
    approval, row = await _approval_for_update(uow, approval_id)
    decision = WITHDRAWN if approval.requested_by == actor else REJECTED
    approval.decision, approval.decided_by, approval.decided_at = decision, actor, now
    await uow.flush()
    await uow.audit.add(
        actor,
        "faq.withdraw" if decision == WITHDRAWN else "faq.reject",
        row.slug,
        now,
        before={"approval": approval.id, "version": approval.version, "requested_by": approval.requested_by},
        after={"approval": approval.id, "decision": decision},
    )
    return decision
