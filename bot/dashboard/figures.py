"""The admin dashboard's figures, read in one unit of work and aggregated here.

Weeks are ISO weeks in the deployment's time zone; a date range is inclusive local days. What counts:

- requests per week: requests created in the range, by the week and category they were created in;
- open requests: the requests open now, per agency and status (a snapshot, whatever the range);
- median times: requests whose current agency's clock started in the range and stopped in it
  (first response, resolution), in that agency's working hours and in calendar hours;
- share within targets: requests whose clock started in the range and whose target is settled now
  (done, or overdue without being done), the met ones over those settled;
- a cancelled request is left out of times and targets: the person withdrew, the agency did not act;
- bot decisions: every question the matcher saw in the range, by week;
- unanswered: fallbacks and ignored suggestions in the range not yet reviewed, grouped by likeness
  as the unanswered inbox groups them (bot/faq/unanswered.py), over its newest MAX_ROWS questions.

`read_rows` reads everything in one unit of work; `aggregate` works on the rows after it closed, so
the working-hour arithmetic and the grouping can run off the event loop without holding the database.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import as_utc, read_day
from bot.faq import unanswered as inbox
from bot.faq.unanswered import LoggedQuestion
from bot.requests.sla import DEFAULT_WORK_DAYS, DEFAULT_WORK_PERIODS, AgencyClocks, request_targets
from bot.storage.models import AgencyRow, RequestRow
from bot.storage.unit_of_work import UnitOfWork
from handlers.domain import CANCELLED, OPEN_STATUSES
from handlers.working_hours import working_hours_between
from knowledge_base.faq import REQUEST_CATEGORIES
from knowledge_base.matcher import ANSWER, FALLBACK, SUGGEST

DEFAULT_WEEKS = 12
# Two years, a leap day included: longer ranges make weekly bars too thin to read.
MAX_RANGE_DAYS = 731
# Dates outside these years are typos, and near the ends of `date` they would overflow.
MIN_YEAR, MAX_YEAR = 2000, 2100
TOP_UNANSWERED = 10
DECISIONS = (ANSWER, SUGGEST, FALLBACK)


class RangeError(ValueError):
    """A date range that cannot be used; `key` names the message in the page texts."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, order=True)
class Week:
    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> Week:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def short(self) -> str:
        return f"W{self.number:02d}"


@dataclass(frozen=True)
class DateRange:
    """Inclusive local days."""

    first: date
    last: date

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the first day to local midnight after the last."""
        start = datetime.combine(self.first, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        return start, end

    def weeks(self) -> list[Week]:
        weeks: list[Week] = []
        monday = self.first - timedelta(days=self.first.weekday())
        while monday <= self.last:
            weeks.append(Week.of(monday))
            monday += timedelta(weeks=1)
        return weeks


def default_range(today: date) -> DateRange:
    """The last twelve ISO weeks, this one included, so every bar but the last is a whole week."""
    monday = today - timedelta(days=today.weekday())
    return DateRange(monday - timedelta(weeks=DEFAULT_WEEKS - 1), today)


def parse_day(text: str) -> date:
    """A date as a date field sends it, within the years a dashboard can mean."""
    try:
        return read_day(text, MIN_YEAR, MAX_YEAR)
    except ValueError:
        raise RangeError("ad_error_date") from None


def parse_range(first: str | None, last: str | None, today: date) -> DateRange:
    """The range asked for in the form; a missing end is today, a missing start twelve weeks back."""
    first, last = (first or "").strip(), (last or "").strip()
    last_day = parse_day(last) if last else today
    first_day = parse_day(first) if first else default_range(last_day).first
    if first_day > last_day:
        raise RangeError("ad_error_order")
    if (last_day - first_day).days + 1 > MAX_RANGE_DAYS:
        raise RangeError("ad_error_too_long")
    return DateRange(first_day, last_day)


# -- the figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyCounts:
    """counts[w][k]: how many of `keys[k]` fell in `weeks[w]`."""

    weeks: list[Week]
    keys: list[str]
    counts: list[list[int]]

    @property
    def empty(self) -> bool:
        return not any(any(row) for row in self.counts)

    def total(self, week_index: int) -> int:
        return sum(self.counts[week_index])

    def total_of(self, key: str) -> int:
        index = self.keys.index(key)
        return sum(row[index] for row in self.counts)


@dataclass(frozen=True)
class AgencyOpen:
    code: str
    name: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class AgencyPerformance:
    """One agency's times (hours; None without data) and targets over the range."""

    code: str
    name: str
    first_response_working: list[float] = field(default_factory=list)
    first_response_calendar: list[float] = field(default_factory=list)
    resolution_working: list[float] = field(default_factory=list)
    resolution_calendar: list[float] = field(default_factory=list)
    first_response_met: int = 0
    first_response_settled: int = 0
    resolution_met: int = 0
    resolution_settled: int = 0

    @staticmethod
    def _median(values: list[float]) -> float | None:
        return statistics.median(values) if values else None

    @property
    def first_response_median(self) -> tuple[float | None, float | None]:
        """(working hours, calendar hours)."""
        return self._median(self.first_response_working), self._median(self.first_response_calendar)

    @property
    def resolution_median(self) -> tuple[float | None, float | None]:
        return self._median(self.resolution_working), self._median(self.resolution_calendar)

    @property
    def first_response_share(self) -> float | None:
        """Percent of the settled first responses that met the target."""
        return 100 * self.first_response_met / self.first_response_settled if self.first_response_settled else None

    @property
    def resolution_share(self) -> float | None:
        return 100 * self.resolution_met / self.resolution_settled if self.resolution_settled else None

    @property
    def has_times(self) -> bool:
        return bool(self.first_response_working or self.resolution_working)

    @property
    def has_targets(self) -> bool:
        return bool(self.first_response_settled or self.resolution_settled)


@dataclass(frozen=True)
class UnansweredGroup:
    question: str
    count: int
    last_seen: datetime


@dataclass(frozen=True)
class Dashboard:
    range: DateRange
    requests: WeeklyCounts
    open: list[AgencyOpen]
    performance: list[AgencyPerformance]
    decisions: WeeklyCounts
    unanswered: list[UnansweredGroup]
    # Unanswered questions in the range, and how many of them (the newest) were grouped.
    unanswered_total: int = 0
    unanswered_grouped: int = 0

    @property
    def unanswered_capped(self) -> bool:
        return self.unanswered_grouped < self.unanswered_total

    @property
    def times(self) -> list[AgencyPerformance]:
        return [p for p in self.performance if p.has_times]

    @property
    def targets(self) -> list[AgencyPerformance]:
        return [p for p in self.performance if p.has_targets]


def count_per_week(
    items: Iterable[tuple[str, datetime]], weeks: list[Week], zone: ZoneInfo, order: Sequence[str], *, all_keys: bool
) -> WeeklyCounts:
    """Items (key, instant) counted by local ISO week. Keys follow `order`, then any unknown key;
    without `all_keys`, keys never seen are left out (a legend of empty categories is noise)."""
    index = {week: i for i, week in enumerate(weeks)}
    per_week: list[Counter[str]] = [Counter() for _ in weeks]
    for key, moment in items:
        week = Week.of(as_utc(moment).astimezone(zone).date())
        if week in index:
            per_week[index[week]][key] += 1
    seen = {key for counter in per_week for key in counter}
    keys = [k for k in order if all_keys or k in seen] + sorted(seen - set(order))
    return WeeklyCounts(weeks, keys, [[counter[k] for k in keys] for counter in per_week])


def open_per_agency(counts: Iterable[tuple[str, str, int]], names: dict[str, str]) -> list[AgencyOpen]:
    """Most open requests first: the agency under most pressure leads the chart."""
    per_agency: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OPEN_STATUSES, 0))
    for agency, status, count in counts:
        per_agency[agency][status] = per_agency[agency].get(status, 0) + count
    rows = [AgencyOpen(code, names.get(code, code), found) for code, found in per_agency.items()]
    return sorted(rows, key=lambda row: (-row.total, row.name))


def _stand_in(code: str) -> AgencyRow:
    """An agency removed from the reference data: its requests still count, on default office hours."""
    return AgencyRow(
        code=code,
        name=code,
        kind="",
        first_response_hours=8,
        resolution_hours=80,
        work_days=DEFAULT_WORK_DAYS,
        work_periods=DEFAULT_WORK_PERIODS,
    )


def _hours(start: datetime, stop: datetime) -> float:
    return (stop - start).total_seconds() / 3600


def agency_performance(
    requests: Iterable[RequestRow],
    agencies: dict[str, AgencyRow],
    holidays: frozenset[date],
    tz_name: str,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[AgencyPerformance]:
    """Times and targets per agency of the requests whose clock started in [start, end)."""
    start, end, now = as_utc(start), as_utc(end), as_utc(now)
    found: dict[str, AgencyPerformance] = {}
    clocks = AgencyClocks(agencies.values(), holidays, tz_name, now)
    for request in requests:
        clock_start = as_utc(request.agency_since or request.created_at)
        if request.status == CANCELLED or not start <= clock_start < end:
            continue
        agency = clocks.agencies.get(request.agency_code) or _stand_in(request.agency_code)
        schedule = clocks.schedule(agency)
        figures = found.setdefault(agency.code, AgencyPerformance(agency.code, agency.name))
        for stop, working, calendar in (
            (request.first_response_at, figures.first_response_working, figures.first_response_calendar),
            (request.resolved_at, figures.resolution_working, figures.resolution_calendar),
        ):
            # A stop before the start (a request transferred after it was resolved) is no duration.
            if stop is not None and clock_start <= as_utc(stop) < end:
                working.append(working_hours_between(clock_start, as_utc(stop), schedule))
                calendar.append(_hours(clock_start, as_utc(stop)))
        first, resolution = request_targets(request, agency, schedule, now)
        if first.done or first.overdue:
            figures.first_response_settled += 1
            figures.first_response_met += first.met
        if resolution.done or resolution.overdue:
            figures.resolution_settled += 1
            figures.resolution_met += resolution.met
    return sorted(found.values(), key=lambda figures: figures.name)


def top_unanswered(items: Sequence[LoggedQuestion], limit: int = TOP_UNANSWERED) -> list[UnansweredGroup]:
    return [UnansweredGroup(g.representative, g.count, g.last_seen) for g in inbox.group(items)[:limit]]


@dataclass(frozen=True)
class DashboardRows:
    """What the dashboard reads from the database for one range."""

    created: list[tuple[str, datetime]]
    open_counts: list[tuple[str, str, int]]
    received: list[RequestRow]
    agencies: dict[str, AgencyRow]
    holidays: frozenset[date]
    decisions: list[tuple[str, datetime]]
    unanswered: list[LoggedQuestion]
    unanswered_total: int


async def read_rows(uow: UnitOfWork, date_range: DateRange, tz_name: str) -> DashboardRows:
    start, end = date_range.bounds(ZoneInfo(tz_name))
    stats = uow.stats
    return DashboardRows(
        created=await stats.requests_created(start, end),
        open_counts=await stats.open_counts(OPEN_STATUSES),
        received=await stats.requests_received(start, end),
        agencies={row.code: row for row in await stats.agencies()},
        holidays=await stats.holidays(),
        decisions=await stats.decisions(start, end),
        unanswered=[
            LoggedQuestion(i, question, normalized, as_utc(created))
            for i, question, normalized, created in await stats.unanswered(start, end, inbox.MAX_ROWS)
        ],
        unanswered_total=await stats.unanswered_count(start, end),
    )


def aggregate(rows: DashboardRows, date_range: DateRange, tz_name: str, now: datetime) -> Dashboard:
    zone = ZoneInfo(tz_name)
    start, end = date_range.bounds(zone)
    weeks = date_range.weeks()
    names = {code: row.name for code, row in rows.agencies.items()}
    return Dashboard(
        range=date_range,
        requests=count_per_week(rows.created, weeks, zone, REQUEST_CATEGORIES, all_keys=False),
        open=open_per_agency(rows.open_counts, names),
        performance=agency_performance(rows.received, rows.agencies, rows.holidays, tz_name, start, end, now),
        decisions=count_per_week(rows.decisions, weeks, zone, DECISIONS, all_keys=True),
        unanswered=top_unanswered(rows.unanswered),
        unanswered_total=rows.unanswered_total,
        unanswered_grouped=len(rows.unanswered),
    )


async def build_dashboard(uow: UnitOfWork, date_range: DateRange, tz_name: str, now: datetime) -> Dashboard:
    return aggregate(await read_rows(uow, date_range, tz_name), date_range, tz_name, now)
