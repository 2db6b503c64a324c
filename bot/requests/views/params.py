"""The queue's view as its address says it: the status shown, the filters, the sort and the page.

Whatever the address holds is read, never refused: an unknown value is read as no filter (or the
queue's own order), so an old bookmark, a saved filter or a tampered link always opens a page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, cast
from urllib.parse import urlencode

from bot.storage.repos.queue import MAX_SEARCH_CHARS, Assigned, QueueFilter, Sort
from handlers.domain import OPEN_STATUSES, STATUSES
from knowledge_base.faq import REQUEST_CATEGORIES

STATUS_OPEN, STATUS_OVERDUE, STATUS_NEEDS_REPLY, STATUS_ALL = "open", "overdue", "needs_reply", "all"
# Views of open requests that only the requests' targets or timelines tell apart.
OPEN_VIEWS = (STATUS_OPEN, STATUS_OVERDUE, STATUS_NEEDS_REPLY)
STATUS_CHOICES = (STATUS_OPEN, STATUS_NEEDS_REPLY, STATUS_OVERDUE, *STATUSES, STATUS_ALL)
ASSIGNED_CHOICES: tuple[Assigned, ...] = ("anyone", "me", "unassigned")
# "due" is the queue's own order (urgency in working time); the others are columns, "-" first for
# the reverse order.
SORT_DUE = "due"
SORT_COLUMNS: tuple[Sort, ...] = ("code", "created", "status", "commune")
SORT_CHOICES = (SORT_DUE, *SORT_COLUMNS, *(f"-{c}" for c in SORT_COLUMNS))
MAX_PAGE = 1_000_000
NAMES = ("status", "category", "commune", "assigned", "q", "agency", "sort", "page")


@dataclass(frozen=True)
class QueueParams:
    status: str = STATUS_OPEN
    category: str = ""
    commune: str = ""
    assigned: Assigned = "anyone"
    q: str = ""
    agency: str = ""
    sort: str = SORT_DUE
    page: int = 1

    @classmethod
    def parse(
        cls, params: Mapping[str, str], *, localities: Iterable[str], agencies: Iterable[str], admin: bool
    ) -> QueueParams:
        """Whatever the address holds: an unknown value is read as no filter, never as an error."""
        status = params.get("status", STATUS_OPEN)
        category = params.get("category", "")
        commune = params.get("commune", "")
        assigned = params.get("assigned", "anyone")
        agency = params.get("agency", "")
        sort = params.get("sort", SORT_DUE)
        try:
            page = int(params.get("page", "1"))
        except ValueError:
            page = 1
        return cls(
            status=status if status in STATUS_CHOICES else STATUS_OPEN,
            category=category if category in REQUEST_CATEGORIES else "",
            commune=commune if commune in set(localities) else "",
            assigned=assigned if assigned in ASSIGNED_CHOICES else "anyone",
            q=" ".join(params.get("q", "").split())[:MAX_SEARCH_CHARS],
            agency=agency if admin and agency in set(agencies) else "",
            sort=sort if sort in SORT_CHOICES else SORT_DUE,
            page=min(max(page, 1), MAX_PAGE),
        )

    def filter(self) -> QueueFilter:
        return QueueFilter(
            category=self.category or None,
            locality_code=self.commune or None,
            assigned=self.assigned,
            text=self.q,
            agency_code=self.agency or None,
        )

    def statuses(self) -> tuple[str, ...]:
        if self.status in OPEN_VIEWS:
            return OPEN_STATUSES
        if self.status == STATUS_ALL:
            return STATUSES
        return (self.status,)

    def column(self) -> tuple[Sort | None, bool]:
        """The column sorted by (None: the queue's own order) and whether in reverse."""
        if self.sort == SORT_DUE:
            return None, False
        return cast(Sort, self.sort.lstrip("-")), self.sort.startswith("-")

    def sort_link(self, column: str) -> str:
        """The address that sorts by `column`: ascending first, reversed when already ascending."""
        if column == SORT_DUE:
            return self.url(sort=SORT_DUE)
        return self.url(sort=f"-{column}" if self.sort == column else column)

    def aria_sort(self, column: str) -> str:
        if self.sort == column:
            return "ascending"
        return "descending" if self.sort == f"-{column}" else "none"

    def query(self, **changes: Any) -> str:
        """This view's query string with some parameters changed (defaults left out, the page reset)."""
        changed = replace(self, **{"page": 1, **changes})
        defaults = QueueParams()
        pairs = [
            (name, str(getattr(changed, name))) for name in NAMES if getattr(changed, name) != getattr(defaults, name)
        ]
        return urlencode(pairs)

    def url(self, path: str = "/staff", **changes: Any) -> str:
        query = self.query(**changes)
        return f"{path}?{query}" if query else path
