"""The answers themselves: the list, a new entry (also started from unanswered questions), one
entry's editor with its preview and test, its history, and restoring an old version.

Forms work without JavaScript: phrasings and keywords are one per line, and their order is the
order of the lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from bot import faq
from bot.app import App
from bot.faq import EntryNotFound, FaqEditError, Problem, SaveResult, unanswered
from bot.faq.views import checks as faq_checks
from bot.faq.views.common import MAX_QUESTION, approval_required, done_key, read_form
from bot.storage.models import FaqEntryRow
from bot.storage.unit_of_work import UnitOfWork
from bot.web.deps import CSRF, Admin, HoaNhap, SmallInt, Uow
from bot.web.forms import submit
from bot.web.templating import render
from knowledge_base.faq import REQUEST_CATEGORIES, STATUSES, FaqEntry
from knowledge_base.text import clean, fold

router = APIRouter(prefix="/admin", dependencies=CSRF)

NO_CATEGORY = "none"
# The window of the list's hits and answer rate.
USE_DAYS = 30


@dataclass(frozen=True)
class Use:
    """How an entry served people lately: answered with it straight away, or chosen among suggestions."""

    answered: int
    chosen: int

    @property
    def hits(self) -> int:
        return self.answered + self.chosen

    @property
    def answer_rate(self) -> int:
        """Percent of the hits answered straight away (the rest needed the person to pick it)."""
        return round(100 * self.answered / self.hits) if self.hits else 0


def _entry_from_form(form: dict[str, str], slug: str) -> FaqEntry:
    return FaqEntry(
        slug=slug,
        title=form.get("title", ""),
        answer=form.get("answer", ""),
        phrasings=faq.lines_of(form.get("phrasings", "")),
        keywords=faq.lines_of(form.get("keywords", "")),
        category=form.get("category", "") or None,
        status=form.get("status", faq.DRAFT),
        more=form.get("more", ""),
        legal_basis=form.get("legal_basis", ""),
        source=form.get("source", ""),
        in_force=form.get("in_force", ""),
        reviewed_on=form.get("reviewed_on", ""),
        review_by=form.get("review_by", ""),
    )


def _by_field(problems: list[Problem]) -> dict[str, list[Problem]]:
    found: dict[str, list[Problem]] = {}
    for problem in problems:
        found.setdefault(problem.field, []).append(problem)
    return found


def _int(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _matches(row: FaqEntryRow, needle: str) -> bool:
    haystack = " ".join([row.slug, row.title, row.answer, *map(str, row.phrasings), *map(str, row.keywords)])
    return needle in fold(clean(haystack))


def _saved(slug: str, result: SaveResult, done: str) -> str:
    """The entry's page after a save that may have changed nothing, or wait for approval."""
    said = "pending" if result.pending_approval else done if result.changed else "unchanged"
    return f"/admin/faq/{slug}?done={said}&v={result.version}"


# -- the list ---------------------------------------------------------------------------------------


@router.get("/faq")
async def faq_list(
    request: Request,
    user: Admin,
    uow: Uow,
    app: HoaNhap,
    q: str = "",
    category: str = "",
    status: str = "",
    done: str = "",
) -> Response:
    rows = await faq.all_rows(uow)
    pending = await faq.pending_approvals(uow)
    waiting = {entry.id for _, entry in pending}
    counts = {s: sum(1 for r in rows if r.status == s) for s in STATUSES}
    needle = fold(clean(q[:MAX_QUESTION]))
    shown = [
        r
        for r in rows
        if (not needle or _matches(r, needle))
        and (not status or r.status == status)
        and (not category or (r.category or NO_CATEGORY) == category)
    ]
    shown, due = faq_checks.due_first(shown, faq_checks.today(app))
    since = app.clock() - timedelta(days=USE_DAYS)
    context = {
        "rows": shown,
        "uses": {slug: Use(*counts) for slug, counts in (await uow.match_log.uses_since(since)).items()},
        "use_days": USE_DAYS,
        "due": due,
        "total": len(rows),
        "counts": counts,
        "waiting": waiting,
        "pending_count": len(pending),
        "approval_required": approval_required(app),
        "q": q[:MAX_QUESTION],
        "category": category,
        "status": status,
        "categories": REQUEST_CATEGORIES,
        "statuses": STATUSES,
        "no_category": NO_CATEGORY,
        "done": done_key(done),
    }
    return await render(request, "admin/faq_list.html", context)


# -- the editor -------------------------------------------------------------------------------------


async def edit_page(
    request: Request,
    uow: UnitOfWork,
    app: App,
    *,
    entry: FaqEntry,
    row: FaqEntryRow | None,
    base_version: int | None,
    problems: list[Problem] | None = None,
    from_ids: str = "",
    q: str = "",
    done: str = "",
    done_version: int | None = None,
    previewing: bool = False,
    status_code: int = 200,
) -> Response:
    live: FaqEntry | None = None
    pending = None
    live_test = draft_test = None
    matcher = await app.kb.current(uow)
    if row is not None:
        live = faq.entry_of_row(row)
        pending = await faq.pending_for(uow, row.id)
    if q:
        live_test = faq.explain(matcher, q)
        if entry.phrasings and entry.title and (live is None or entry != live or live.status != faq.PUBLISHED):
            draft_test = faq.explain(faq.with_entry(matcher, entry), q)
    # A blank new form would only list what is still to write; a filled one gets the check.
    checked = row is not None or previewing or bool(problems)
    context: dict[str, Any] = {
        "entry": entry,
        "checks": faq_checks.warnings(entry, faq_checks.today(app)) if checked else [],
        "checked": checked,
        "row": row,
        "is_new": row is None,
        "base_version": base_version,
        "problems": _by_field(problems or []),
        "all_problems": problems or [],
        "pending": pending,
        "from_ids": from_ids,
        "categories": REQUEST_CATEGORIES,
        "statuses": STATUSES,
        "preview_locale": app.settings.default_locale,
        "q": q,
        "live_test": live_test,
        "draft_test": draft_test,
        "done": done_key(done),
        "done_version": done_version,
        "previewing": previewing,
        "approval_required": approval_required(app),
        "match_settings": app.kb.settings,
        "limits": {
            "title": faq.MAX_TITLE,
            "answer": faq.MAX_ANSWER,
            "recommended": faq.RECOMMENDED_ANSWER,
            "phrasing": faq.MAX_PHRASING,
        },
    }
    return await render(request, "admin/faq_edit.html", context, status_code=status_code)


# -- a new entry ------------------------------------------------------------------------------------


async def start_from(request: Request, uow: UnitOfWork, app: App, ids: list[int]) -> Response:
    """The new-entry form, filled from unanswered questions when there are any."""
    entry = FaqEntry(slug="", title="", answer="", status=faq.DRAFT)
    questions: list[str] = []
    if ids:
        questions = await unanswered.questions_of(uow, ids)
    if questions:
        entry = faq.draft_from_questions(questions)
    from_ids = ",".join(map(str, ids)) if questions else ""
    return await edit_page(request, uow, app, entry=entry, row=None, base_version=None, from_ids=from_ids)


# The order matters: /faq/new before /faq/{slug}, which would take "new" for a slug (and the
# approvals' router, with /faq/approvals, is included before this one).
@router.get("/faq/new")
async def new_form(request: Request, user: Admin, uow: Uow, app: HoaNhap) -> Response:
    return await start_from(request, uow, app, [])


@router.post("/faq/new")
async def create(request: Request, user: Admin, uow: Uow, app: HoaNhap) -> Response:
    form = await read_form(request)
    entry = _entry_from_form(form, form.get("slug", "").strip().lower())
    ids = unanswered.parse_ids(form.get("from_ids", ""))
    if form.get("op") == "start":
        # From the unanswered inbox: a POST, as a large group's ids do not fit in a URL.
        return await start_from(request, uow, app, ids)
    if form.get("op") == "preview":
        return await edit_page(
            request,
            uow,
            app,
            entry=faq.tidy(entry),
            row=None,
            base_version=None,
            from_ids=form.get("from_ids", ""),
            previewing=True,
        )

    async def create_entry(uow: UnitOfWork) -> SaveResult:
        now = app.clock()
        result = await faq.save_entry(uow, None, entry, user.username, now, approval_required=approval_required(app))
        if ids:
            await unanswered.mark(uow, ids, unanswered.NEW_ENTRY, user.username, now, slug=result.slug)
        return result

    return await submit(
        uow,
        create_entry,
        redirect_to=lambda result: _saved(result.slug, result, "created"),
        refused=FaqEditError,
        show_again=lambda error: edit_page(
            request,
            uow,
            app,
            entry=faq.tidy(entry),
            row=None,
            base_version=None,
            problems=error.problems,
            from_ids=form.get("from_ids", ""),
            status_code=422,
        ),
    )


# -- one entry --------------------------------------------------------------------------------------


@router.get("/faq/{slug}")
async def edit_form(
    request: Request, slug: str, user: Admin, uow: Uow, app: HoaNhap, q: str = "", done: str = "", v: str = ""
) -> Response:
    row = await faq.entry_row(uow, slug)
    if row is None:
        raise HTTPException(status_code=404)
    entry, latest = await faq.working_copy(uow, row)
    return await edit_page(
        request,
        uow,
        app,
        entry=entry,
        row=row,
        base_version=latest,
        q=q[:MAX_QUESTION],
        done=done,
        done_version=_int(v),
    )


@router.post("/faq/{slug}")
async def save(request: Request, slug: str, user: Admin, uow: Uow, app: HoaNhap) -> Response:
    form = await read_form(request)
    entry = _entry_from_form(form, slug)
    base_version = _int(form.get("base_version", ""))
    row = await faq.entry_row(uow, slug)
    if row is None:
        raise HTTPException(status_code=404)
    if form.get("op") == "preview":
        return await edit_page(
            request, uow, app, entry=faq.tidy(entry), row=row, base_version=base_version, previewing=True
        )
    return await submit(
        uow,
        lambda uow: faq.save_entry(
            uow,
            slug,
            entry,
            user.username,
            app.clock(),
            approval_required=approval_required(app),
            base_version=base_version,
        ),
        redirect_to=lambda result: _saved(slug, result, "saved"),
        refused=FaqEditError,
        show_again=lambda error: edit_again(request, uow, app, slug, faq.tidy(entry), base_version, error.problems),
    )


async def edit_again(
    request: Request,
    uow: UnitOfWork,
    app: App,
    slug: str,
    entry: FaqEntry,
    base_version: int | None,
    problems: list[Problem],
) -> Response:
    """The editor again after a refused save: the entry's row is read anew, as the rollback expired it."""
    row = await faq.entry_row(uow, slug)
    if row is None:
        raise HTTPException(status_code=404)
    return await edit_page(
        request, uow, app, entry=entry, row=row, base_version=base_version, problems=problems, status_code=422
    )


async def history_page(
    request: Request, uow: UnitOfWork, slug: str, *, problems: list[Problem] | None = None, status_code: int = 200
) -> Response:
    row = await faq.entry_row(uow, slug)
    if row is None:
        raise HTTPException(status_code=404)
    views = await faq.history(uow, row)
    context = {"row": row, "versions": views, "problems": problems or []}
    return await render(request, "admin/faq_history.html", context, status_code=status_code)


@router.get("/faq/{slug}/history")
async def history(request: Request, slug: str, user: Admin, uow: Uow) -> Response:
    return await history_page(request, uow, slug)


@router.post("/faq/{slug}/restore/{version}")
async def restore(request: Request, slug: str, version: SmallInt, user: Admin, uow: Uow, app: HoaNhap) -> Response:
    return await submit(
        uow,
        lambda uow: faq.restore(
            uow, slug, version, user.username, app.clock(), approval_required=approval_required(app)
        ),
        redirect_to=lambda result: _saved(slug, result, "restored"),
        refused=FaqEditError,
        # An old version may break today's rules (a phrasing since given to another entry).
        show_again=lambda error: history_page(request, uow, slug, problems=error.problems, status_code=422),
        missing=EntryNotFound,
    )
