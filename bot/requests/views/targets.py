"""How a request stands against its targets in working time, in the page's words: the queue's items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.clock import as_utc
from bot.requests.sla import AgencyClocks
from bot.storage.models import RequestRow
from bot.web.deps import Translate
from handlers.domain import OPEN_STATUSES
from handlers.phone import mask_phone
from handlers.working_hours import Target

# Targets this close (working hours) are flagged before they pass.
SOON_HOURS = 2.0


@dataclass(frozen=True)
class TargetView:
    """One target as staff read it: a badge class, a short text, and the due time."""

    css: str
    text: str
    due_at: datetime | None = None


NO_TARGET = TargetView("", "—")


def duration(hours: float, t: Translate) -> str:
    minutes = max(1, round(abs(hours) * 60))
    if minutes < 60:
        return t("ws_minutes", n=minutes)
    whole, rest = divmod(minutes, 60)
    if whole < 10 and rest:
        return t("ws_hours_minutes", hours=whole, minutes=rest)
    return t("ws_hours", n=whole + (1 if rest >= 30 else 0))


def age(since: datetime, now: datetime, t: Translate) -> str:
    minutes = max(0, int((now - as_utc(since)).total_seconds() // 60))
    if minutes < 60:
        return t("ws_minutes", n=minutes)
    if minutes < 24 * 60:
        return t("ws_hours", n=minutes // 60)
    return t("ws_days", n=minutes // (24 * 60))


def describe_target(target: Target | None, kind: str, is_open: bool, t: Translate) -> TargetView:
    """kind: "first" (first response) or "resolution"."""
    if target is None:
        return NO_TARGET
    if target.done:
        key = f"ws_{kind}_met" if target.met else f"ws_{kind}_late"
        return TargetView("ok" if target.met else "late", t(key), target.due_at)
    if not is_open:
        return NO_TARGET
    if target.overdue:
        late = -target.remaining_hours
        text = t("ws_overdue_by", duration=duration(late, t)) if late * 60 >= 1 else t("ws_overdue")
        return TargetView("overdue", text, target.due_at)
    css = "soon" if target.remaining_hours < SOON_HOURS else "left"
    return TargetView(css, t("ws_time_left", duration=duration(target.remaining_hours, t)), target.due_at)


@dataclass
class QueueItem:
    row: RequestRow
    first: TargetView
    resolution: TargetView
    overdue: bool
    # When the next target falls: the first response until given, then the resolution.
    next_due: datetime | None

    @property
    def sort_key(self) -> tuple[int, datetime, int]:
        return (0 if self.overdue else 1, self.next_due or datetime.max.replace(tzinfo=UTC), self.row.id)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.row.phone)


def queue_item(row: RequestRow, clocks: AgencyClocks, t: Translate) -> QueueItem:
    targets = clocks.targets(row)
    is_open = row.status in OPEN_STATUSES
    if targets is None:
        return QueueItem(row, NO_TARGET, NO_TARGET, False, None)
    first, resolution = targets
    overdue = is_open and targets.overdue
    next_due = first.due_at if not first.done else resolution.due_at
    return QueueItem(
        row,
        describe_target(first, "first", is_open, t),
        describe_target(resolution, "resolution", is_open, t),
        overdue,
        next_due if is_open else None,
    )
