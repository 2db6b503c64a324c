"""Saving an entry: every save is a new version; one that needs a second admin waits as a pending
approval and leaves the live entry as it was. Whatever changes what is published bumps the
knowledge-base revision, so every worker rebuilds its matcher, and is written to the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.faq.approvals import SUPERSEDED
from bot.faq.entries import (
    EntryNotFound,
    SaveResult,
    approvals_of,
    audit_data,
    bump_if_published,
    data_of,
    entry_row,
    same_content,
    working_copy,
    write_entry,
)
from bot.faq.validation import DRAFT, PUBLISHED, FaqEditError, Problem, phrasing_key, tidy, validate
from bot.storage.errors import DuplicateRow
from bot.storage.models import FaqEntryRow
from bot.storage.repos.faq import entry_of_row
from bot.storage.unit_of_work import UnitOfWork
from knowledge_base.faq import FaqEntry


async def _supersede(uow: UnitOfWork, entry_id: int, actor: str, now: datetime) -> None:
    for approval in await approvals_of(uow, entry_id):
        if approval.decision is None:
            approval.decision, approval.decided_by, approval.decided_at = SUPERSEDED, actor, now


async def _other_phrasings(uow: UnitOfWork, slug: str) -> dict[str, str]:
    """Phrasing key -> slug of the other published entries: the same sentence in two entries makes
    the matcher choose blindly between them."""
    found: dict[str, str] = {}
    for other, phrasings in await uow.faq.phrasings_of_others(slug, PUBLISHED):
        for phrasing in phrasings:
            found.setdefault(phrasing_key(str(phrasing)), other)
    return found


async def _check(uow: UnitOfWork, entry: FaqEntry, *, new_slug: bool) -> None:
    problems = validate(entry, new_slug=new_slug)
    if entry.status == PUBLISHED and not any(p.field == "phrasings" for p in problems):
        elsewhere = await _other_phrasings(uow, entry.slug)
        for phrasing in entry.phrasings:
            other = elsewhere.get(phrasing_key(phrasing))
            if other is not None:
                problems.append(Problem("phrasings", "phrasing_elsewhere", (("item", phrasing[:80]), ("slug", other))))
                break
    if new_slug and not any(p.field == "slug" for p in problems) and await entry_row(uow, entry.slug) is not None:
        problems.append(Problem("slug", "slug_taken"))
    if problems:
        raise FaqEditError(problems)


async def save_entry(
    uow: UnitOfWork,
    slug: str | None,
    fields: FaqEntry,
    actor: str,
    now: datetime,
    *,
    approval_required: bool,
    base_version: int | None = None,
    action: str | None = None,
    extra: dict[str, Any] | None = None,
) -> SaveResult:
    """Create (slug None: `fields.slug` is the new slug) or update an entry; every change is a version.

    `base_version` is the newest version the editor saw: if another save came in between, nothing is
    saved (`conflict`) rather than silently undo the other admin's work.
    """
    if slug is None:
        return await _create(uow, fields, actor, now, approval_required=approval_required, extra=extra)
    row = await entry_row(uow, slug, for_update=True)
    if row is None:
        raise EntryNotFound(slug)
    live = entry_of_row(row)
    current, latest = await working_copy(uow, row)
    if base_version is not None and base_version != latest:
        raise FaqEditError([Problem("form", "conflict", (("version", latest),))])
    entry = tidy(FaqEntry(**{**data_of(fields), "slug": row.slug}))
    await _check(uow, entry, new_slug=False)
    if same_content(entry, current):
        return SaveResult(row.slug, latest, changed=False)
    version = latest + 1
    uow.faq.add_version(row.id, version, data_of(entry), actor, now)
    await _supersede(uow, row.id, actor, now)
    before = audit_data(live, row.version)
    if approval_required and entry.status == PUBLISHED and not same_content(entry, live):
        approval = await uow.faq.request_approval(row.id, version, actor, now)
        after = audit_data(entry, version, approval=approval.id, **(extra or {}))
        await uow.audit.add(actor, "faq.approval_request", row.slug, now, before=before, after=after)
        return SaveResult(row.slug, version, changed=True, pending_approval=approval.id)
    write_entry(row, entry, version, now)
    await uow.flush()
    await bump_if_published(uow, live, entry)
    await uow.audit.add(
        actor, action or "faq.update", row.slug, now, before=before, after=audit_data(entry, version, **(extra or {}))
    )
    return SaveResult(row.slug, version, changed=True)


async def _create(
    uow: UnitOfWork,
    fields: FaqEntry,
    actor: str,
    now: datetime,
    *,
    approval_required: bool,
    extra: dict[str, Any] | None,
) -> SaveResult:
    entry = tidy(fields)
    await _check(uow, entry, new_slug=True)
    needs_approval = approval_required and entry.status == PUBLISHED
    # An entry waiting for approval exists meanwhile as a draft, so it can be found and edited.
    stored = FaqEntry(**{**data_of(entry), "status": DRAFT}) if needs_approval else entry
    row = FaqEntryRow(slug=entry.slug, position=await uow.faq.next_position(), version=1, updated_at=now)
    write_entry(row, stored, 1, now)
    try:
        # Two admins may create the same slug at once; the second gets a form error.
        await uow.faq.add_entry(row)
    except DuplicateRow:
        raise FaqEditError([Problem("slug", "slug_taken")]) from None
    uow.faq.add_version(row.id, 1, data_of(stored), actor, now)
    await uow.audit.add(actor, "faq.create", entry.slug, now, after=audit_data(stored, 1, **(extra or {})))
    if not needs_approval:
        await uow.flush()
        await bump_if_published(uow, entry)
        return SaveResult(entry.slug, 1, changed=True)
    uow.faq.add_version(row.id, 2, data_of(entry), actor, now)
    approval = await uow.faq.request_approval(row.id, 2, actor, now)
    await uow.audit.add(
        actor,
        "faq.approval_request",
        entry.slug,
        now,
        before=audit_data(stored, 1),
        after=audit_data(entry, 2, approval=approval.id),
    )
    return SaveResult(entry.slug, 2, changed=True, pending_approval=approval.id)
