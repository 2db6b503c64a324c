"""The unanswered inbox at /admin/unanswered: questions the bot could not answer, grouped, each to
add as a phrasing of an entry, start a new entry from (the form posts to /admin/faq/new), or dismiss."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot import faq
from bot.app import App
from bot.faq import EntryNotFound, FaqEditError, Problem, unanswered
from bot.faq.views.common import FORM_LIMIT, approval_required, done_key, read_form
from bot.storage.unit_of_work import UnitOfWork
from bot.web.deps import CSRF, Admin, HoaNhap, Uow
from bot.web.forms import committed, see_other
from bot.web.templating import render
from knowledge_base.text import fold

router = APIRouter(prefix="/admin", dependencies=CSRF)


MAX_SHOWN_GROUPS = 100


async def inbox(
    request: Request, uow: UnitOfWork, app: App, *, done: str = "", problems: list[Problem] | None = None
) -> Response:
    found = await unanswered.groups(uow, app.clock())
    matcher = await app.kb.current(uow)
    rows = await faq.all_rows(uow)
    shown = found[:MAX_SHOWN_GROUPS]
    items = []
    for group in shown:
        explanation = faq.explain(matcher, group.representative)
        best = explanation.top[0] if explanation.top else None
        # A weak match preselected is one click from a wrong phrasing: below the threshold the bot
        # itself would not even suggest, nothing is chosen.
        suggestion = best.slug if best and best.score >= matcher.settings.suggest_threshold else None
        items.append({"group": group, "test": explanation, "suggestion": suggestion})
    entries = sorted(rows, key=lambda r: (r.status != faq.PUBLISHED, fold(r.title)))
    context = {
        "items": items,
        "total_groups": len(found),
        "total_questions": sum(g.count for g in found),
        "entries": entries,
        "done": done_key(done),
        "problems": problems or [],
        "window_days": unanswered.WINDOW_DAYS,
    }
    return await render(request, "admin/unanswered.html", context, status_code=422 if problems else 200)


@router.get("/unanswered")
async def unanswered_page(request: Request, user: Admin, uow: Uow, app: HoaNhap, done: str = "") -> Response:
    return await inbox(request, uow, app, done=done)


@router.post("/unanswered/add")
async def add_to_entry(request: Request, user: Admin, uow: Uow, app: HoaNhap) -> Response:
    form = await read_form(request)
    ids = unanswered.parse_ids(form.get("ids", ""))
    slug = form.get("slug", "")
    phrasing = unanswered.mask(form.get("phrasing", ""))

    async def add(uow: UnitOfWork) -> faq.SaveResult:
        now = app.clock()
        result = await faq.add_phrasing(
            uow, slug, phrasing, user.username, now, approval_required=approval_required(app)
        )
        await unanswered.mark(uow, ids, unanswered.ADDED, user.username, now, slug=slug, phrasing=phrasing)
        return result

    try:
        result = await committed(uow, add)
    except EntryNotFound:
        return await inbox(request, uow, app, problems=[Problem("slug", "entry_missing")])
    except FaqEditError as error:
        return await inbox(request, uow, app, problems=error.problems)
    return see_other("/admin/unanswered?done=" + ("added_pending" if result.pending_approval else "added"))


@router.post("/unanswered/dismiss")
async def dismiss(request: Request, user: Admin, uow: Uow, app: HoaNhap) -> Response:
    """One group or several ticked at once (each `ids` field a group), dismissed or marked out of scope."""
    form = await request.form()
    groups = [v for v in form.getlist("ids") if isinstance(v, str)][: unanswered.MAX_IDS]
    ids = unanswered.parse_ids(",".join(v[:FORM_LIMIT] for v in groups))
    how = unanswered.OUT_OF_SCOPE if form.get("how") == unanswered.OUT_OF_SCOPE else unanswered.DISMISSED
    question = form.get("question", "")
    details: dict[str, object] = {}
    if isinstance(question, str) and question:
        details["question"] = unanswered.mask(question)[:300]
    details["groups"] = len(groups)
    await committed(uow, lambda uow: unanswered.mark(uow, ids, how, user.username, app.clock(), **details))
    return see_other("/admin/unanswered?done=" + ("out_of_scope" if how == unanswered.OUT_OF_SCOPE else "dismissed"))
