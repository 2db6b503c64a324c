"""The dashboard's charts as view models: for each chart, what its card shows (the drawing, its series
and captions) and the `Table` of its numbers, which is both the table under the chart and its CSV
download (bot/dashboard/csv_export.py), so they cannot disagree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.dashboard import charts
from bot.dashboard.figures import DECISIONS, Dashboard
from handlers.domain import OPEN_STATUSES
from knowledge_base.faq import REQUEST_CATEGORIES

Translate = Callable[..., str]
# A code's name in the page's language, by its kind ("category", "status") and the code.
Label = Callable[[str, str], str]

CHARTS = ("requests", "open", "times", "targets", "bot", "unanswered", "listings", "registrations")
# Okabe-Ito colour indexes (style.css .c0-.c7), fixed per meaning so a colour means the same on
# every chart: categories in their usual order, statuses, the matcher's decisions, the two targets.
CATEGORY_COLOURS = {category: i for i, category in enumerate(REQUEST_CATEGORIES)}
STATUS_COLOURS = {"new": 0, "in_progress": 1, "waiting": 3}
DECISION_COLOURS = {"answer": 2, "suggest": 0, "fallback": 5}
UNKNOWN_COLOUR = 7

Cell = str | int | float | date | datetime | None


@dataclass(frozen=True)
class Series:
    name: str
    colour: int


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


@dataclass
class ChartView:
    """What the template needs to draw one chart card."""

    key: str
    title: str
    kind: str  # columns, rows or lines
    table: Table
    series: list[Series] = field(default_factory=list)
    # Full labels of the columns (weeks) or rows (agencies), for the hover titles.
    names: list[str] = field(default_factory=list)
    # counts[row or column][series]: the n behind a median or a share, shown on hover.
    counts: list[list[int]] = field(default_factory=list)
    chart: charts.BarChart | charts.LineChart | None = None
    unit: str = ""  # "", "percent" or "hours"
    note: str = ""
    x_caption: str = ""
    y_caption: str = ""
    # Where each row of the table leads (the unanswered inbox).
    link: str = ""


def _share(met: int, settled: int) -> float | None:
    return round(100 * met / settled, 1) if settled else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass(frozen=True)
class _Weeks:
    """The weeks of the range as the charts name them: in full in the table, short on the axis."""

    names: list[str]
    axis: list[str]


def _weeks(dash: Dashboard, t: Translate) -> _Weeks:
    weeks = dash.requests.weeks
    # "W01" alone is ambiguous once a range spans two years.
    spans_years = len({w.year for w in weeks}) > 1
    return _Weeks(
        [t("ad_week_of", week=w.label, monday=w.monday.strftime("%d/%m/%Y")) for w in weeks],
        [w.label if spans_years else w.short for w in weeks],
    )


def build_views(dash: Dashboard, t: Translate, label: Label) -> list[ChartView]:
    weeks = _weeks(dash, t)
    return [
        _requests_view(dash, t, label, weeks),
        _open_view(dash, t, label),
        _times_view(dash, t),
        _targets_view(dash, t),
        _bot_view(dash, t, weeks),
        _unanswered_view(dash, t),
    ]


def _requests_view(dash: Dashboard, t: Translate, label: Label, weeks: _Weeks) -> ChartView:
    """Requests per week by category."""
    requests = dash.requests
    table = Table(
        [t("ad_col_week"), t("ad_col_week_start"), *(label("category", k) for k in requests.keys), t("ad_col_total")]
    )
    for i, week in enumerate(dash.requests.weeks):
        table.rows.append([week.label, week.monday, *requests.counts[i], requests.total(i)])
    return ChartView(
        "requests",
        t("ad_requests_title"),
        "columns",
        table,
        [Series(label("category", k), CATEGORY_COLOURS.get(k, UNKNOWN_COLOUR)) for k in requests.keys],
        weeks.names,
        chart=None if requests.empty else charts.stacked_columns(requests.counts, weeks.axis),
        note=t("ad_requests_note"),
        x_caption=t("ad_axis_week"),
        y_caption=t("ad_axis_requests"),
    )


def _open_view(dash: Dashboard, t: Translate, label: Label) -> ChartView:
    """Open requests per agency by status."""
    table = Table(
        [t("ad_col_agency"), t("ad_col_code"), *(label("status", s) for s in OPEN_STATUSES), t("ad_col_total")]
    )
    for row in dash.open:
        table.rows.append([row.name, row.code, *(row.counts.get(s, 0) for s in OPEN_STATUSES), row.total])
    return ChartView(
        "open",
        t("ad_open_title"),
        "rows",
        table,
        [Series(label("status", s), STATUS_COLOURS.get(s, UNKNOWN_COLOUR)) for s in OPEN_STATUSES],
        [row.name for row in dash.open],
        chart=charts.stacked_rows(
            [[row.counts.get(s, 0) for s in OPEN_STATUSES] for row in dash.open], [row.name for row in dash.open]
        )
        if dash.open
        else None,
        note=t("ad_open_note"),
        x_caption=t("ad_axis_requests"),
    )


def _times_view(dash: Dashboard, t: Translate) -> ChartView:
    """Median times per agency, in working hours (drawn) and calendar hours (in the table)."""
    times = dash.times
    table = Table(
        [
            t("ad_col_agency"),
            t("ad_col_code"),
            t("ad_col_first_n"),
            t("ad_col_first_working"),
            t("ad_col_first_calendar"),
            t("ad_col_resolution_n"),
            t("ad_col_resolution_working"),
            t("ad_col_resolution_calendar"),
        ]
    )
    for p in times:
        first_working, first_calendar = p.first_response_median
        res_working, res_calendar = p.resolution_median
        table.rows.append(
            [
                p.name,
                p.code,
                len(p.first_response_working),
                _round(first_working),
                _round(first_calendar),
                len(p.resolution_working),
                _round(res_working),
                _round(res_calendar),
            ]
        )
    return ChartView(
        "times",
        t("ad_times_title"),
        "rows",
        table,
        [Series(t("ad_first_response"), 0), Series(t("ad_resolution"), 1)],
        [p.name for p in times],
        [[len(p.first_response_working), len(p.resolution_working)] for p in times],
        chart=charts.grouped_rows(
            [[p.first_response_median[0], p.resolution_median[0]] for p in times], [p.name for p in times]
        )
        if times
        else None,
        unit="hours",
        note=t("ad_times_note"),
        x_caption=t("ad_axis_working_hours"),
    )


def _targets_view(dash: Dashboard, t: Translate) -> ChartView:
    """Share within targets per agency."""
    targets = dash.targets
    table = Table(
        [
            t("ad_col_agency"),
            t("ad_col_code"),
            t("ad_col_first_met"),
            t("ad_col_first_settled"),
            t("ad_col_first_share"),
            t("ad_col_resolution_met"),
            t("ad_col_resolution_settled"),
            t("ad_col_resolution_share"),
        ]
    )
    for p in targets:
        table.rows.append(
            [
                p.name,
                p.code,
                p.first_response_met,
                p.first_response_settled,
                _share(p.first_response_met, p.first_response_settled),
                p.resolution_met,
                p.resolution_settled,
                _share(p.resolution_met, p.resolution_settled),
            ]
        )
    return ChartView(
        "targets",
        t("ad_targets_title"),
        "rows",
        table,
        [Series(t("ad_first_response"), 0), Series(t("ad_resolution"), 1)],
        [p.name for p in targets],
        [[p.first_response_settled, p.resolution_settled] for p in targets],
        chart=charts.grouped_rows(
            [[p.first_response_share, p.resolution_share] for p in targets],
            [p.name for p in targets],
            maximum=100,
        )
        if targets
        else None,
        unit="percent",
        note=t("ad_targets_note"),
        x_caption=t("ad_axis_share"),
    )


def _bot_view(dash: Dashboard, t: Translate, weeks: _Weeks) -> ChartView:
    """The bot's decisions per week: rates drawn, counts in the table and on hover."""
    decisions = dash.decisions
    keys = list(DECISIONS)
    table = Table(
        [
            t("ad_col_week"),
            t("ad_col_week_start"),
            *(t(f"ad_decision_{k}") for k in keys),
            t("ad_col_total"),
            *(t("ad_col_rate", name=t(f"ad_decision_{k}")) for k in keys),
        ]
    )
    rates: list[list[float | None]] = [[] for _ in keys]
    counts: list[list[int]] = []
    for i, week in enumerate(dash.requests.weeks):
        week_counts = [decisions.counts[i][decisions.keys.index(k)] for k in keys]
        total = sum(week_counts)
        counts.append(week_counts)
        week_rates = [_share(n, total) for n in week_counts]
        for k, rate in enumerate(week_rates):
            rates[k].append(rate)
        table.rows.append([week.label, week.monday, *week_counts, total, *week_rates])
    return ChartView(
        "bot",
        t("ad_bot_title"),
        "lines",
        table,
        [Series(t(f"ad_decision_{k}"), DECISION_COLOURS[k]) for k in keys],
        weeks.names,
        counts,
        chart=None if decisions.empty else charts.lines(rates, weeks.axis, maximum=100),
        unit="percent",
        note=t("ad_bot_note"),
        x_caption=t("ad_axis_week"),
        y_caption=t("ad_axis_share"),
    )


def _unanswered_view(dash: Dashboard, t: Translate) -> ChartView:
    """The questions the bot could not answer, most asked first."""
    table = Table([t("ad_col_question"), t("ad_col_count"), t("ad_col_last_seen")])
    for group in dash.unanswered:
        table.rows.append([group.question, group.count, group.last_seen])
    questions = [group.question for group in dash.unanswered]
    return ChartView(
        "unanswered",
        t("ad_unanswered_title"),
        "rows",
        table,
        [Series(t("ad_col_count"), 5)],
        questions,
        chart=charts.grouped_rows([[group.count] for group in dash.unanswered], questions, whole=True)
        if dash.unanswered
        else None,
        note=" ".join(
            [t("ad_unanswered_note"), t("ad_unanswered_total", count=dash.unanswered_total)]
            + ([t("ad_unanswered_capped", count=dash.unanswered_grouped)] if dash.unanswered_capped else [])
        ),
        x_caption=t("ad_axis_questions"),
        link="/admin/unanswered",
    )
