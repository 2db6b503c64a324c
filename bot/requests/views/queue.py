"""The staff queue: an agency's requests ordered by urgency in working time, for the page and the export.

Open requests are ordered in Python, because only the agency's working time (days, periods, public
holidays) tells when each falls due; finished ones follow, newest change first, paged in SQL. The
order needs only due times, read off a per-day calendar of the agency's working periods from a few
columns per request (bot/requests/calendar.py, which remembers them for the next refresh under the
same schedule); the page's own rows are then loaded whole and get
their hours left. Due times are not stored: they follow the agency's hours and the public holidays,
which admins change at any time, and a stored column would go stale without a word.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bot.app import App
from bot.clock import as_utc
from bot.listings.service import PROPOSED
from bot.requests.errors import RequestError, describe
from bot.requests.saved_filters import REFUSALS
from bot.requests.sla import AgencyClocks, Urgency
from bot.requests.views.params import (
    ASSIGNED_CHOICES,
    OPEN_VIEWS,
    STATUS_ALL,
    STATUS_CHOICES,
    STATUS_NEEDS_REPLY,
    STATUS_OPEN,
    STATUS_OVERDUE,
    QueueParams,
)
from bot.requests.views.targets import QueueItem, age, queue_item
from bot.storage.models import AgencyRow, LocalityRow, RequestRow, UserNotificationRow, UserRow
from bot.storage.repos.queue import QueueScope, Waiting
from bot.storage.unit_of_work import UnitOfWork
from bot.web.deps import CSRF, Clock, HoaNhap, StaffUser, Translate, Uow, translator
from bot.web.forms import committed
from bot.web.i18n import request_locale
from bot.web.security import WebUser
from bot.web.templating import render
from handlers.domain import OPEN_STATUSES, STATUSES
from knowledge_base.faq import REQUEST_CATEGORIES

PAGE_SIZE = 50
# What came of each request of a bulk action, counted on the queue's result line.
OUTCOMES = ("changed", "unchanged", "refused")
# Open requests ordered at once; an agency with more has a backlog no ordering will fix.
OPEN_LIMIT = 5000
# Notices after an action (?done=...), each with its text ws_done_<name>.
NOTICES = (
    *("replied", "noted", "claimed", "assigned", "status", "transferred", "read", "unchanged", "resolved"),
    *("filter_saved", "filter_deleted", "bulk_empty", "bulk_unknown"),
    "outcome",
)
__all__ = ["ASSIGNED_CHOICES", "STATUS_ALL", "STATUS_OPEN", "STATUS_OVERDUE", "QueueParams"]


class Names:
    """Statuses, categories and the like in the page's language (the bot's own words for them)."""

    CHANNELS = ("web", "telegram", "zalo", "zalo_oa")

    def __init__(self, app: App, request: Request, t: Translate) -> None:
        self.texts, self.locale, self.t = app.texts, request_locale(request), t

    def _bot(self, key: str, fallback: str) -> str:
        try:
            return self.texts.get(self.locale, key)
        except KeyError:
            return fallback

    def status(self, status: str) -> str:
        """Staff-facing: "waiting" is the person's turn to add something, not "waiting for you"."""
        if status in (*OPEN_VIEWS, STATUS_ALL, *STATUSES):
            return self.t(f"ws_status_{status}")
        return status

    def category(self, category: str) -> str:
        return self._bot(f"category_{category}", category)

    def contact_time(self, when: str) -> str:
        return self._bot(f"contact_time_{when or 'any'}", when)

    def channel(self, channel: str) -> str:
        return self.t(f"ws_channel_{channel}") if channel in self.CHANNELS else channel


def scope_of(user: WebUser) -> QueueScope:
    return QueueScope(user.username, user.agency_code, user.is_admin)


@dataclass
class Queue:
    items: list[QueueItem]
    total: int
    counts: dict[str, int]
    overdue: int
    page: int
    pages: int
    # More open requests than are ordered at once: the ordering covers the longest-waiting ones.
    truncated: bool = False
    # Open requests under the filters whose person waits for an answer (the "needs reply" view).
    needs_reply: set[int] = field(default_factory=set)
    localities: dict[str, LocalityRow] = field(default_factory=dict)
    agencies: dict[str, AgencyRow] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def open(self) -> int:
        return sum(self.counts.get(s, 0) for s in OPEN_STATUSES)

    @property
    def all(self) -> int:
        return sum(self.counts.values())


async def load_queue(
    uow: UnitOfWork, app: App, scope: QueueScope, params: QueueParams, t: Translate, *, page_size: int = PAGE_SIZE
) -> Queue:
    now = as_utc(app.clock())
    query = params.filter()
    clocks = await AgencyClocks.load(uow, app.settings.timezone, now)
    counts = await uow.queue.counts(scope, query)
    # Every open request's due times order the queue and mark it overdue; only the shown page's rows
    # are loaded whole and get their hours left counted.
    waiting = await uow.queue.waiting(scope, query, limit=OPEN_LIMIT)
    ordered = order_open(waiting, clocks)
    needs = await uow.queue.needs_reply_ids(scope, query, limit=OPEN_LIMIT)
    wanted = params.statuses()
    chosen = [
        w
        for w, urgency in ordered
        if w.status in wanted
        and (params.status != STATUS_OVERDUE or urgency.overdue)
        and (params.status != STATUS_NEEDS_REPLY or w.id in needs)
    ]
    column, descending = params.column()
    if column is None:
        page = await _urgency_page(uow, scope, params, waiting, chosen, counts, page_size)
    else:
        # Sorted by a column: the views only the timeline or the targets tell are the chosen ids.
        picked = params.status in (STATUS_OVERDUE, STATUS_NEEDS_REPLY)
        total = len(chosen) if picked else sum(counts.get(s, 0) for s in wanted)
        page = _Page(total, page_size, params.page)
        ids = [w.id for w in chosen] if picked else None
        page.rows = await uow.queue.sorted_rows(
            scope, query, wanted, sort=column, descending=descending, ids=ids, offset=page.start, limit=page_size
        )
    localities = {row.code: row for row in await uow.localities.all_rows()}
    labels = await uow.queue.user_labels([r.assignee or "" for r in page.rows])
    return Queue(
        items=[queue_item(r, clocks, t) for r in page.rows],
        total=page.total,
        counts=counts,
        overdue=sum(1 for _, urgency in ordered if urgency.overdue),
        page=page.number,
        pages=page.pages,
        truncated=page.truncated,
        needs_reply=needs,
        localities=localities,
        agencies=clocks.agencies,
        labels=labels,
    )


class _Page:
    def __init__(self, total: int, size: int, wanted: int) -> None:
        self.total, self.size = total, size
        self.pages = max(1, math.ceil(total / size))
        self.number = min(wanted, self.pages)
        self.start = (self.number - 1) * size
        self.rows: list[RequestRow] = []
        self.truncated = False


async def _urgency_page(
    uow: UnitOfWork,
    scope: QueueScope,
    params: QueueParams,
    waiting: list[Waiting],
    chosen: list[Waiting],
    counts: dict[str, int],
    page_size: int,
) -> _Page:
    """The page in the queue's own order: open requests by urgency, then finished ones, newest change first."""
    query, wanted = params.filter(), params.statuses()
    picked = params.status in (STATUS_OVERDUE, STATUS_NEEDS_REPLY)
    # Beyond the ordered head, open requests follow as they waited (an overdue view cannot tell them).
    truncated = sum(counts.get(s, 0) for s in OPEN_STATUSES) > len(waiting)
    tail = [s for s in wanted if s in OPEN_STATUSES] if truncated and not picked else []
    tail_total = max(0, sum(counts.get(s, 0) for s in tail) - sum(1 for w in waiting if w.status in tail))
    finished = [] if picked else [s for s in wanted if s not in OPEN_STATUSES]
    page = _Page(len(chosen) + tail_total + sum(counts.get(s, 0) for s in finished), page_size, params.page)
    page.truncated = truncated
    start = page.start
    page.rows = await uow.queue.by_ids([w.id for w in chosen[start : start + page_size]])
    if tail_total > 0:
        page.rows += await uow.queue.rows(
            scope,
            query,
            tail,
            order="waiting_longest",
            after=waiting[-1],
            offset=max(0, start - len(chosen)),
            limit=page_size - len(page.rows),
        )
    page.rows += await uow.queue.rows(
        scope,
        query,
        finished,
        order="recently_changed",
        offset=max(0, start - len(chosen) - tail_total),
        limit=page_size - len(page.rows),
    )
    return page


def order_open(waiting: Iterable[Waiting], clocks: AgencyClocks) -> list[tuple[Waiting, Urgency]]:
    """Overdue first, then by the next target to fall, then as filed (QueueItem.sort_key's order)."""
    never = 2**63
    marked = [(w, clocks.urgency(w)) for w in waiting]
    marked.sort(key=lambda pair: (0 if pair[1].overdue else 1, pair[1].next_due or never, pair[0].id))
    return marked


# -- notifications -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationView:
    code: str
    text: str
    created_at: datetime
    # Where it leads: the request, or (an employer's proposal) the draft listing.
    href: str = ""


async def unread_notifications(uow: UnitOfWork, user: WebUser, t: Translate) -> list[NotificationView]:
    """The user's unread notifications about requests they may still see (a transfer takes some away)."""
    rows: list[UserNotificationRow] = await uow.notifications.unread(user.id)
    codes = await uow.queue.visible_codes(scope_of(user), {r.request_id for r in rows if r.request_id is not None})
    by = await uow.queue.user_labels([str(r.data.get("by", "")) for r in rows])
    views = []
    for row in rows:
        if row.kind == PROPOSED:
            listing = row.data.get("listing_id")
            text = t("ws_notification_listing_proposed", title=str(row.data.get("title", "")))
            views.append(NotificationView("", text, row.created_at, f"/staff/listings/{listing}"))
            continue
        code = codes.get(row.request_id) if row.request_id is not None else None
        if code is None:
            continue
        if row.kind in ("overdue", "assigned", "person_message"):
            who = str(row.data.get("by", ""))
            text = t(f"ws_notification_{row.kind}", code=code, by=by.get(who, who))
        else:
            text = t("ws_notification_other", code=code)
        views.append(NotificationView(code, text, row.created_at, f"/staff/requests/{code}"))
    return views


# -- the page ------------------------------------------------------------------------------------


async def params_for(uow: UnitOfWork, query: Mapping[str, str], user: WebUser) -> QueueParams:
    """The queue's reading of an address's query (a page's, a saved filter's, a bulk form's way back)."""
    localities = [row.code for row in await uow.localities.all_rows()]
    agencies = [row.code for row in await uow.agencies.all_rows()]
    return QueueParams.parse(query, localities=localities, agencies=agencies, admin=user.is_admin)


router = APIRouter(prefix="/staff", dependencies=CSRF)


@router.get("")
async def queue_page(request: Request, user: StaffUser, uow: Uow, app: HoaNhap) -> Response:
    t = translator(request)
    params = await params_for(uow, request.query_params, user)
    queue = await load_queue(uow, app, scope_of(user), params, t)
    done = request.query_params.get("done", "")
    refused = request.query_params.get("refused", "")
    context = {
        **await queue_context(uow, app, request, user, queue, t),
        "params": params,
        "notice": t(f"ws_done_{done}") if done in NOTICES else "",
        "error": describe(RequestError(refused, **REFUSALS[refused]), request_locale(request))
        if refused in REFUSALS
        else "",
        "bulk": bulk_summary(request.query_params, t),
        "saved_filters": await uow.saved_filters.of_user(user.id),
    }
    return await render(request, "staff/queue.html", context)


async def queue_context(
    uow: UnitOfWork, app: App, request: Request, user: WebUser, queue: Queue, t: Translate
) -> dict[str, Any]:
    """What the queue page shows besides the view itself: the counts, the bell, the unread markers."""
    names = Names(app, request, t)
    now = as_utc(app.clock())
    unread = await uow.notifications.unread_about(user.id, [i.row.id for i in queue.items], "person_message")
    return {
        "queue": queue,
        "notifications": await unread_notifications(uow, user, t),
        "unread": unread,
        "needs_reply": len(queue.needs_reply),
        "count_links": [
            (STATUS_OPEN, queue.open),
            (STATUS_NEEDS_REPLY, len(queue.needs_reply)),
            (STATUS_OVERDUE, queue.overdue),
            *[(s, queue.counts.get(s, 0)) for s in STATUSES],
            (STATUS_ALL, queue.all),
        ],
        "status_choices": STATUS_CHOICES,
        "status_label": names.status,
        "category_name": names.category,
        "categories": REQUEST_CATEGORIES,
        "assigned_choices": [(a, t(f"ws_assigned_{a}")) for a in ASSIGNED_CHOICES],
        "agency_name": _agency_name(queue.agencies, user.agency_code),
        "open_limit": OPEN_LIMIT,
        "age": lambda since: age(since, now, t),
        "colleagues": await _colleagues(uow, user),
        "statuses": STATUSES,
        "nonce": secrets.token_urlsafe(16),
    }


async def _colleagues(uow: UnitOfWork, user: WebUser) -> list[UserRow]:
    """Whom the picked rows may be given to: the agency's active staff (an admin: every agency's)."""
    if user.agency_code:
        return await uow.users.of_agency(user.agency_code)
    return [u for u in await uow.users.all() if u.active and u.agency_code]


@dataclass(frozen=True)
class BulkSummary:
    text: str
    refused: int


def bulk_summary(query: Mapping[str, str], t: Translate) -> BulkSummary | None:
    """The result line after a bulk action (?done=bulk&changed=..&unchanged=..&refused=..)."""
    if query.get("done") != "bulk":
        return None
    counts = {}
    for name in OUTCOMES:
        text = query.get(name, "0")
        counts[name] = int(text) if text.isascii() and text.isdigit() and len(text) < 5 else 0
    return BulkSummary(t("ws_bulk_result", **counts), counts["refused"])


@router.post("/notifications/read")
async def mark_all_read(user: StaffUser, uow: Uow, clock: Clock) -> Response:
    await committed(uow, lambda uow: uow.notifications.mark_read(user.id, clock()))
    return RedirectResponse("/staff?done=read", status_code=303)


def _agency_name(agencies: Mapping[str, AgencyRow], code: str | None) -> str:
    agency = agencies.get(code or "")
    return agency.name if agency else ""
