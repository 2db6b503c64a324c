"""Editing the knowledge base from the admin console: validation, versions, diffs, restore, approvals.

The entry row (faq_entries) is what the bot answers with; faq_versions keeps every save. A save
that needs a second admin (when `faq_publish_needs_approval` is on) is a version too, with a
pending faq_approvals row, and leaves the row as it was until approved. Whatever changes what is
published bumps the knowledge-base revision, so every worker rebuilds its matcher on its next
message, and writes the audit log with the before and after.

Problems are returned as codes (`af_err_<code>` in the web locales), never as sentences.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.storage.models import FaqApprovalRow, FaqEntryRow, FaqVersionRow
from bot.storage.repositories import KB_REVISION
from bot.storage.unit_of_work import UnitOfWork
from knowledge_base.faq import REQUEST_CATEGORIES, STATUSES, FaqEntry
from knowledge_base.matcher import Matcher, MatchResult
from knowledge_base.text import clean, tokens

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
TEXT_FIELDS = ("title", "category", "status", "answer", "more", "legal_basis", "source")
LIST_FIELDS = ("phrasings", "keywords")
FIELDS = ("title", "category", "status", "phrasings", "keywords", "answer", "more", "legal_basis", "source")

# Decisions of an approval row; NULL while it waits.
APPROVED, REJECTED, WITHDRAWN, SUPERSEDED = "approved", "rejected", "withdrawn", "superseded"


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


class EntryNotFound(LookupError):
    pass


class ApprovalError(ValueError):
    """An approval that cannot be decided: `code` is `own_change` or `not_pending`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class SaveResult:
    slug: str
    version: int
    changed: bool
    # Waiting for a second admin: the answers are unchanged until then.
    pending_approval: int | None = None


# -- fields ---------------------------------------------------------------------------------------


def _text(value: str) -> str:
    # Pasted text arrives with Windows line ends and decomposed diacritics; the content is NFC.
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in value.strip().split("\n"))


def _lines(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        for line in _text(value).split("\n"):
            line = " ".join(line.split())
            if line:
                out.append(line)
    return out


def lines_of(text: str) -> list[str]:
    """A textarea with one item per line, as a list: order kept, blank lines dropped."""
    return _lines([text])


def tidy(entry: FaqEntry) -> FaqEntry:
    """The entry as it will be stored: trimmed, NFC, one phrasing or keyword per line."""
    category = (entry.category or "").strip() or None
    return FaqEntry(
        slug=entry.slug.strip(),
        title=" ".join(_text(entry.title).split()),
        answer=_text(entry.answer),
        phrasings=_lines(entry.phrasings),
        keywords=_lines(entry.keywords),
        category=category,
        status=entry.status.strip(),
        more=_text(entry.more),
        legal_basis=_text(entry.legal_basis),
        source=_text(entry.source),
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
    )


def _same(a: FaqEntry, b: FaqEntry) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in FIELDS)


def _apply(row: FaqEntryRow, entry: FaqEntry, version: int, now: datetime) -> None:
    for name in FIELDS:
        value = getattr(entry, name)
        setattr(row, name, list(value) if isinstance(value, list) else value)
    row.version = version
    row.updated_at = now


def _audited(entry: FaqEntry, version: int, **extra: Any) -> dict[str, Any]:
    return {"version": version, **data_of(entry), **extra}


# -- reading --------------------------------------------------------------------------------------


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


# -- saving ---------------------------------------------------------------------------------------


async def _bump_if_published(uow: UnitOfWork, *entries: FaqEntry) -> None:
    # Drafts and archived entries are not in the matcher: editing them changes no answer.
    if any(e.status == PUBLISHED for e in entries):
        await uow.meta.bump(KB_REVISION)


async def _supersede(uow: UnitOfWork, entry_id: int, actor: str, now: datetime) -> None:
    for approval in await approvals_of(uow, entry_id):
        if approval.decision is None:
            approval.decision, approval.decided_by, approval.decided_at = SUPERSEDED, actor, now


async def _other_phrasings(uow: UnitOfWork, slug: str) -> dict[str, str]:
    """Phrasing key -> slug of the other published entries: the same sentence in two entries makes
    the matcher choose blindly between them."""
    statement = select(FaqEntryRow.slug, FaqEntryRow.phrasings).where(
        FaqEntryRow.slug != slug, FaqEntryRow.status == PUBLISHED
    )
    found: dict[str, str] = {}
    for other, phrasings in (await uow.session.execute(statement)).all():
        for phrasing in phrasings or []:
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
    if _same(entry, current):
        return SaveResult(row.slug, latest, changed=False)
    version = latest + 1
    uow.session.add(FaqVersionRow(entry_id=row.id, version=version, data=data_of(entry), author=actor, created_at=now))
    await _supersede(uow, row.id, actor, now)
    before = _audited(live, row.version)
    if approval_required and entry.status == PUBLISHED and not _same(entry, live):
        approval = FaqApprovalRow(entry_id=row.id, version=version, requested_by=actor, requested_at=now)
        uow.session.add(approval)
        await uow.session.flush()
        after = _audited(entry, version, approval=approval.id, **(extra or {}))
        await uow.audit.add(actor, "faq.approval_request", row.slug, now, before=before, after=after)
        return SaveResult(row.slug, version, changed=True, pending_approval=approval.id)
    _apply(row, entry, version, now)
    await uow.session.flush()
    await _bump_if_published(uow, live, entry)
    await uow.audit.add(
        actor, action or "faq.update", row.slug, now, before=before, after=_audited(entry, version, **(extra or {}))
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
    position = int((await uow.session.execute(select(func.max(FaqEntryRow.position)))).scalar_one() or 0) + 1
    row = FaqEntryRow(slug=entry.slug, position=position, version=1, updated_at=now)
    _apply(row, stored, 1, now)
    try:
        # A savepoint: two admins may create the same slug at once; the second gets a form error.
        async with uow.session.begin_nested():
            uow.session.add(row)
            await uow.session.flush()
    except IntegrityError:
        raise FaqEditError([Problem("slug", "slug_taken")]) from None
    uow.session.add(FaqVersionRow(entry_id=row.id, version=1, data=data_of(stored), author=actor, created_at=now))
    await uow.audit.add(actor, "faq.create", entry.slug, now, after=_audited(stored, 1, **(extra or {})))
    if not needs_approval:
        await uow.session.flush()
        await _bump_if_published(uow, entry)
        return SaveResult(entry.slug, 1, changed=True)
    uow.session.add(FaqVersionRow(entry_id=row.id, version=2, data=data_of(entry), author=actor, created_at=now))
    approval = FaqApprovalRow(entry_id=row.id, version=2, requested_by=actor, requested_at=now)
    uow.session.add(approval)
    await uow.session.flush()
    await uow.audit.add(
        actor,
        "faq.approval_request",
        entry.slug,
        now,
        before=_audited(stored, 1),
        after=_audited(entry, 2, approval=approval.id),
    )
    return SaveResult(entry.slug, 2, changed=True, pending_approval=approval.id)


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
    text = " ".join(_text(phrasing).split())
    if not text:
        raise FaqEditError([Problem("phrasing", "phrasing_empty")])
    if any(phrasing_key(p) == phrasing_key(text) for p in current.phrasings):
        raise FaqEditError([Problem("phrasings", "duplicate", (("item", text[:80]),))])
    fields = FaqEntry(**{**data_of(current), "phrasings": [*current.phrasings, text]})
    return await save_entry(
        uow, slug, fields, actor, now, approval_required=approval_required, action="faq.add_phrasing", extra=extra
    )


# -- approvals ------------------------------------------------------------------------------------


async def _approval_for_update(uow: UnitOfWork, approval_id: int) -> tuple[FaqApprovalRow, FaqEntryRow]:
    statement = select(FaqApprovalRow).where(FaqApprovalRow.id == approval_id).with_for_update()
    approval = (await uow.session.execute(statement)).scalar_one_or_none()
    if approval is None:
        raise EntryNotFound(f"approval {approval_id}")
    if approval.decision is not None:
        raise ApprovalError("not_pending")
    row = (
        await uow.session.execute(select(FaqEntryRow).where(FaqEntryRow.id == approval.entry_id).with_for_update())
    ).scalar_one()
    return approval, row


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
    _apply(row, entry, approval.version, now)
    approval.decision, approval.decided_by, approval.decided_at = APPROVED, actor, now
    await uow.session.flush()
    await _bump_if_published(uow, live, entry)
    await uow.audit.add(
        actor,
        "faq.approve",
        row.slug,
        now,
        before=_audited(live, live_version),
        after=_audited(entry, approval.version, approval=approval.id, requested_by=approval.requested_by),
    )
    return SaveResult(row.slug, approval.version, changed=True)


async def reject(uow: UnitOfWork, approval_id: int, actor: str, now: datetime) -> str:
    """Another admin turns the change down; its author may withdraw it. The live entry stays as it is."""
    approval, row = await _approval_for_update(uow, approval_id)
    decision = WITHDRAWN if approval.requested_by == actor else REJECTED
    approval.decision, approval.decided_by, approval.decided_at = decision, actor, now
    await uow.session.flush()
    await uow.audit.add(
        actor,
        "faq.withdraw" if decision == WITHDRAWN else "faq.reject",
        row.slug,
        now,
        before={"approval": approval.id, "version": approval.version, "requested_by": approval.requested_by},
        after={"approval": approval.id, "decision": decision},
    )
    return decision


# -- differences ----------------------------------------------------------------------------------


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


# -- the test box ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    slug: str
    title: str
    score: float
    coverage: float
    phrasing: str
    chosen: bool


@dataclass(frozen=True)
class Explanation:
    question: str
    normalized: str
    decision: str
    slug: str | None
    suggestions: tuple[str, ...]
    top: tuple[Candidate, ...]


def explain(matcher: Matcher, question: str) -> Explanation:
    """What the bot would do with a question, without logging it: a test is not an unanswered question."""
    result: MatchResult = matcher.match(question)
    shown = {result.slug, *result.suggestions} if result.decision != "fallback" else set()
    top = tuple(
        Candidate(
            e.slug,
            matcher.entries[e.slug].title if e.slug in matcher.entries else e.slug,
            round(min(e.score, 1.0), 3),
            round(e.coverage, 3),
            e.phrasing,
            e.slug in shown,
        )
        for e in result.top[:5]
    )
    return Explanation(question, result.normalized, result.decision, result.slug, result.suggestions, top)


def with_entry(matcher: Matcher, entry: FaqEntry) -> Matcher:
    """The live matcher's entries with this one as if published: the test box of a draft."""
    entries = [e for slug, e in matcher.entries.items() if slug != entry.slug]
    entries.append(FaqEntry(**{**data_of(entry), "status": PUBLISHED}))
    return Matcher(entries, matcher.normalizer, matcher.settings)


# -- an entry from unanswered questions --------------------------------------------------------------


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
    for phrasing in _lines(questions):
        key = phrasing_key(phrasing)
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, phrasing[:MAX_PHRASING])
    unique = [first[key] for key in sorted(first, key=lambda k: -counts[k])]
    title = unique[0][:MAX_TITLE] if unique else ""
    return FaqEntry(slug=slug_from(title), title=title, answer="", phrasings=unique, status=DRAFT)
