"""The admin dashboard: every figure equals what a plain query of the database gives, on SQLite and
PostgreSQL; the CSVs carry the same numbers; the page is an admin's only and survives bad dates."""

from __future__ import annotations

import csv
import io
import random
import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.accounts.service import create_user
from bot.app import App
from bot.dashboard import charts
from bot.dashboard.csv_export import csv_cell
from bot.dashboard.figures import (
    DateRange,
    RangeError,
    Week,
    build_dashboard,
    default_range,
    parse_range,
)
from bot.dashboard.views import CHARTS, number
from bot.faq import unanswered as inbox
from bot.faq.unanswered import LoggedQuestion
from bot.listings.fields import ListingInput
from bot.listings.service import create_listing
from bot.storage.models import AgencyRow, ConversationRow, HolidayRow, MatchLogRow, RequestRow
from bot.web.i18n import web_texts
from handlers.domain import CLOSING_STATUSES, OPEN_STATUSES, STATUSES
from handlers.working_hours import Schedule, add_working_hours, working_hours_between
from knowledge_base.faq import REQUEST_CATEGORIES
from tests.harness import FakeClock
from tests.storage.sessions import session_of
from tests.web_client import WebClient

# Viet Nam keeps +07:00 all year: a fixed offset here checks the dashboard's zone handling
# without going through the same zoneinfo calls.
VN = timezone(timedelta(hours=7))
TZ_NAME = "Asia/Ho_Chi_Minh"
NOW = FakeClock().now  # Monday 2 November 2026, 15:00 in Viet Nam
TODAY = date(2026, 11, 2)
PASSWORD = "correct horse battery"
OFFICE_DAYS, OFFICE_HOURS = "1,2,3,4,5", "07:30-11:30,13:30-17:00"
GONE = "gone-agency"  # an agency since removed from the reference data; its requests still count
AGENCIES = ("demo-vieclam", "demo-congan", "demo-nhcsxh", "demo-ubnd", GONE)
FALLBACK_QUESTIONS = (
    "giá xăng hôm nay",
    "cach lam banh chung",
    "tỷ giá euro",
    '=HYPERLINK("http://x")',
    "xin việc ở nước ngoài",
    "+84 có gọi được không",
    "lịch thi bằng lái",
    "@admin giúp tôi",
    "học đại học từ xa",
    "mua nhà trả góp",
    "đổi căn cước ở đâu",
    "vay tiền mua xe",
)


def aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN).astimezone(UTC)


def bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(first, time(0), VN).astimezone(UTC),
        datetime.combine(last + timedelta(days=1), time(0), VN).astimezone(UTC),
    )


def week_of(moment: datetime) -> str:
    iso = moment.astimezone(VN).date().isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def weeks_between(first: date, last: date) -> list[str]:
    found: list[str] = []
    day = first
    while day <= last:
        label = f"{day.isocalendar().year}-W{day.isocalendar().week:02d}"
        if label not in found:
            found.append(label)
        day += timedelta(days=1)
    return found


# -- seeding ---------------------------------------------------------------------------------------


async def _conversation(app: App) -> int:
    async with app.uow() as uow:
        row = ConversationRow(
            channel="web", chat_id="seed", user_id="", locale="vi", state={}, created_at=NOW, updated_at=NOW
        )
        session_of(uow).add(row)
        await session_of(uow).flush()
        await uow.commit()
        return row.id


def _request(conversation: int, n: int, **fields: Any) -> RequestRow:
    created = fields.pop("created_at")
    values: dict[str, Any] = {
        "code": f"HN-{n:05d}",
        "conversation_id": conversation,
        "description": "seed",
        "locality_code": "mh-an-hoa",
        "phone": "0912345678",
        "consent_at": created,
        "routing": {},
        "created_at": created,
        "updated_at": created,
        "agency_since": created,
    }
    values.update(fields)
    return RequestRow(**values)


async def seed_history(app: App, now: datetime = NOW) -> None:
    """About fourteen weeks of requests and questions before `now`, drawn from a fixed seed, with the
    edges of weeks and of the default range (for the test clock's `now`) among them."""
    rng = random.Random(20261102)
    conversation = await _conversation(app)
    rows: list[RequestRow] = []
    for n in range(110):
        created = now - timedelta(minutes=rng.randrange(0, 100 * 24 * 60))
        status = rng.choice(STATUSES)
        since = created
        if rng.random() < 0.15:
            since = min(created + timedelta(hours=rng.uniform(1, 72)), now - timedelta(minutes=5))
        first = None
        if status != "new" and rng.random() < 0.85:
            first = min(since + timedelta(hours=rng.uniform(0.2, 60)), now - timedelta(minutes=2))
        resolved = None
        if status in CLOSING_STATUSES:
            resolved = min((first or since) + timedelta(hours=rng.uniform(1, 300)), now - timedelta(minutes=1))
        rows.append(
            _request(
                conversation,
                n,
                created_at=created,
                category=rng.choice(REQUEST_CATEGORIES),
                status=status,
                agency_code=rng.choice(AGENCIES),
                agency_since=since,
                first_response_at=first,
                resolved_at=resolved,
            )
        )
    # Edges: a local Monday 00:00 and the Sunday minute before it (different ISO weeks, the same
    # UTC day); the first minute of the default range, and the last one before it.
    edges = [
        local(2026, 10, 26, 0, 0),
        local(2026, 10, 25, 23, 59),
        local(2026, 8, 17, 0, 0),
        local(2026, 8, 16, 23, 59),
    ]
    for i, created in enumerate(edges):
        rows.append(
            _request(conversation, 900 + i, created_at=created, category="loan", status="new", agency_code="demo-ubnd")
        )
    match_rows: list[MatchLogRow] = []
    for _ in range(260):
        created = now - timedelta(minutes=rng.randrange(0, 100 * 24 * 60))
        decision = rng.choices(("answer", "suggest", "fallback"), weights=(5, 3, 2))[0]
        question = rng.choice(FALLBACK_QUESTIONS) if decision != "answer" else "vay vốn làm ăn"
        chosen = rng.choice((None, "vay-von")) if decision == "suggest" else None
        reviewed = "dismissed" if rng.random() < 0.1 else None
        match_rows.append(
            MatchLogRow(
                created_at=created,
                channel="web",
                pseudonym="p-seeded",
                question=question,
                normalized=question.lower().strip("=+@ "),
                decision=decision,
                slug="vay-von" if decision == "answer" else None,
                score=0.5,
                suggestions=["vay-von", "hoc-nghe"] if decision == "suggest" else [],
                chosen_slug=chosen,
                reviewed=reviewed,
            )
        )
    # Formula-looking questions asked often enough to be in every range's top ten.
    for i in range(24):
        question = FALLBACK_QUESTIONS[3] if i % 2 else FALLBACK_QUESTIONS[5]
        match_rows.append(
            MatchLogRow(
                created_at=now - timedelta(days=10 + i * 2, minutes=i),
                channel="telegram",
                pseudonym=None,
                question=question,
                normalized=question.lower().strip("=+@ "),
                decision="fallback",
                score=0.1,
                suggestions=[],
            )
        )
    for i, created in enumerate(edges):
        match_rows.append(
            MatchLogRow(
                created_at=created,
                channel="web",
                pseudonym="p-seeded",
                question=f"edge {i}",
                normalized=f"edge {i}",
                decision="fallback",
                score=0.1,
                suggestions=[],
            )
        )
    async with app.uow() as uow:
        session_of(uow).add_all(rows)
        session_of(uow).add_all(match_rows)
        session_of(uow).add(HolidayRow(day=date(2026, 9, 2), name="Quốc khánh"))
        session_of(uow).add(HolidayRow(day=date(2026, 9, 1), name="Quốc khánh"))
        await uow.commit()
    await seed_listings(app, now)
    await seed_registrations(app)


async def seed_registrations(app: App) -> None:
    """demo-vieclam's first listing with interest registered by the agency's two latest requests,
    one of which started work (so the registrations chart has bars)."""
    async with app.uow() as uow:
        session = session_of(uow)
        listing = min((r for r in await uow.listings.list() if r.title == "hàn demo-vieclam"), key=lambda r: r.id)
        latest = (
            await session.execute(
                select(RequestRow)
                .where(RequestRow.agency_code == "demo-vieclam")
                .order_by(RequestRow.id.desc())
                .limit(2)
            )
        ).scalars()
        for n, request in enumerate(latest):
            row = await uow.listing_people.add(listing.id, request.id, request.created_at)
            row.outcome = "working" if n == 0 else None
        await uow.commit()


async def seed_listings(app: App, now: datetime = NOW) -> None:
    """Open listings of two agencies and trades, and some that are not open (draft, closed, expired)."""
    today = now.astimezone(VN).date()
    async with app.uow() as uow:
        for agency, trade, publish, expires in (
            ("demo-vieclam", "hàn", True, today), ("demo-vieclam", "hàn", True, today + timedelta(days=9)),
            ("demo-vieclam", "may", True, today + timedelta(days=9)), ("demo-ubnd", "xây dựng", True, today),
            ("demo-ubnd", "may", False, today + timedelta(days=9)),
        ):  # fmt: skip
            values = ListingInput(kind="job", title=f"{trade} {agency}", trade=trade, expires=expires.isoformat())
            await create_listing(uow, values, agency_code=agency, actor="t", now=now, today=today, publish=publish)
        await uow.commit()


# -- the same figures, straight from the database --------------------------------------------------


async def expected_figures(app: App, first: date, last: date) -> dict[str, Any]:
    start, end = bounds(first, last)
    async with app.uow() as uow:
        session = session_of(uow)
        created = [
            (category, aware(moment))
            for category, moment in (await session.execute(select(RequestRow.category, RequestRow.created_at))).all()
        ]
        open_rows = (
            await session.execute(
                text(
                    "SELECT agency_code, status, COUNT(*) FROM requests "
                    "WHERE status IN ('new', 'in_progress', 'waiting') GROUP BY agency_code, status"
                )
            )
        ).all()
        requests = list((await session.execute(select(RequestRow))).scalars())
        agencies = {a.code: a for a in (await session.execute(select(AgencyRow))).scalars()}
        holidays = set((await session.execute(select(HolidayRow.day))).scalars())
        questions = list((await session.execute(select(MatchLogRow))).scalars())

    per_week: dict[str, Counter[str]] = defaultdict(Counter)
    for category, moment in created:
        assert moment is not None
        if start <= moment < end:
            per_week[week_of(moment)][category] += 1

    opened: dict[str, dict[str, int]] = defaultdict(dict)
    for agency, status, count in open_rows:
        opened[agency][status] = int(count)

    times: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    targets: dict[str, Counter[str]] = defaultdict(Counter)
    for r in requests:
        since = aware(r.agency_since or r.created_at)
        assert since is not None
        if r.status == "cancelled" or not start <= since < end:
            continue
        agency = agencies.get(r.agency_code)
        schedule = Schedule.parse(
            agency.work_days if agency else OFFICE_DAYS,
            agency.work_periods if agency else OFFICE_HOURS,
            holidays,
            TZ_NAME,
        )
        for kind, done, hours in (
            ("first", aware(r.first_response_at), agency.first_response_hours if agency else 8),
            ("resolution", aware(r.resolved_at), agency.resolution_hours if agency else 80),
        ):
            if done is not None and since <= done < end:
                times[r.agency_code][f"{kind}_working"].append(working_hours_between(since, done, schedule))
                times[r.agency_code][f"{kind}_calendar"].append((done - since).total_seconds() / 3600)
            due = add_working_hours(since, hours, schedule)
            if done is not None or due < NOW:
                targets[r.agency_code][f"{kind}_settled"] += 1
                targets[r.agency_code][f"{kind}_met"] += int(done is not None and done <= due)

    decisions: dict[str, Counter[str]] = defaultdict(Counter)
    unanswered: list[LoggedQuestion] = []
    for q in questions:
        moment = aware(q.created_at)
        assert moment is not None
        if not start <= moment < end:
            continue
        decisions[week_of(moment)][q.decision] += 1
        if q.reviewed is None and (q.decision == "fallback" or (q.decision == "suggest" and q.chosen_slug is None)):
            unanswered.append(LoggedQuestion(q.id, q.question, q.normalized, moment))
    # Grouped as the inbox groups them (its own tests cover the likeness), newest first as it reads them.
    newest = sorted(unanswered, key=lambda q: q.id, reverse=True)[: inbox.MAX_ROWS]
    groups = [(g.representative, g.count, g.last_seen) for g in inbox.group(newest)]

    return {
        "weeks": weeks_between(first, last),
        "requests": per_week,
        "open": opened,
        "times": times,
        "targets": targets,
        "decisions": decisions,
        "unanswered": groups[:10],
        "unanswered_total": len(unanswered),
    }


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)


async def assert_dashboard_matches(app: App, first: date, last: date) -> None:
    want = await expected_figures(app, first, last)
    async with app.uow() as uow:
        dash = await build_dashboard(uow, DateRange(first, last), TZ_NAME, NOW)

    assert [w.label for w in dash.requests.weeks] == want["weeks"]
    for i, week in enumerate(dash.requests.weeks):
        got = {k: n for k, n in zip(dash.requests.keys, dash.requests.counts[i], strict=True) if n}
        assert got == dict(want["requests"].get(week.label, {})), week.label
    assert sum(map(sum, dash.requests.counts)) == sum(sum(c.values()) for c in want["requests"].values())

    assert {o.code: {s: n for s, n in o.counts.items() if n} for o in dash.open} == want["open"]
    totals = [o.total for o in dash.open]
    assert totals == sorted(totals, reverse=True)

    times = {p.code: p for p in dash.times}
    assert set(times) == {code for code, t in want["times"].items() if t}
    for code, p in times.items():
        t = want["times"][code]
        assert len(p.first_response_working) == len(t["first_working"])
        assert close(p.first_response_median[0], median(t["first_working"]))
        assert close(p.first_response_median[1], median(t["first_calendar"]))
        assert len(p.resolution_working) == len(t["resolution_working"])
        assert close(p.resolution_median[0], median(t["resolution_working"]))
        assert close(p.resolution_median[1], median(t["resolution_calendar"]))

    targets = {p.code: p for p in dash.targets}
    assert set(targets) == {code for code, c in want["targets"].items() if c}
    for code, p in targets.items():
        c = want["targets"][code]
        assert (p.first_response_met, p.first_response_settled) == (c["first_met"], c["first_settled"])
        assert (p.resolution_met, p.resolution_settled) == (c["resolution_met"], c["resolution_settled"])

    assert [w.label for w in dash.decisions.weeks] == want["weeks"]
    for i, week in enumerate(dash.decisions.weeks):
        got = {k: n for k, n in zip(dash.decisions.keys, dash.decisions.counts[i], strict=True) if n}
        assert got == dict(want["decisions"].get(week.label, {})), week.label

    assert [(g.question, g.count, g.last_seen) for g in dash.unanswered] == want["unanswered"]
    assert dash.unanswered_total == want["unanswered_total"] == dash.unanswered_grouped


# -- the figures ------------------------------------------------------------------------------------


async def test_every_figure_matches_the_database(demo_app: App) -> None:
    await seed_history(demo_app)
    # The default range, a range with partial weeks at both ends, and one holding the holidays.
    await assert_dashboard_matches(demo_app, default_range(TODAY).first, TODAY)
    await assert_dashboard_matches(demo_app, date(2026, 9, 3), date(2026, 10, 15))
    await assert_dashboard_matches(demo_app, date(2026, 8, 25), date(2026, 9, 9))


async def test_the_seed_reaches_every_chart(demo_app: App) -> None:
    """The comparison above means something only if every chart has data to compare."""
    await seed_history(demo_app)
    async with demo_app.uow() as uow:
        dash = await build_dashboard(uow, default_range(TODAY), TZ_NAME, NOW)
    assert not dash.requests.empty and not dash.decisions.empty
    assert dash.open and dash.times and dash.targets and dash.unanswered
    assert GONE in {p.code for p in dash.times}
    assert any(p.first_response_met < p.first_response_settled for p in dash.targets)
    assert len(dash.unanswered) == 10


async def test_week_edges_are_local_iso_weeks(demo_app: App) -> None:
    await seed_history(demo_app)
    # One-day ranges around the seeded edges: local midnight decides the day and the week.
    for day in (date(2026, 8, 16), date(2026, 8, 17), date(2026, 10, 25), date(2026, 10, 26)):
        await assert_dashboard_matches(demo_app, day, day)
    async with demo_app.uow() as uow:
        edge = await build_dashboard(uow, DateRange(date(2026, 10, 25), date(2026, 10, 26)), TZ_NAME, NOW)
    assert [w.label for w in edge.requests.weeks] == ["2026-W43", "2026-W44"]
    # Sunday 23:59 and Monday 00:00 (local) fall in different weeks although both are Sunday in UTC.
    assert edge.requests.counts[0][edge.requests.keys.index("loan")] >= 1
    assert edge.requests.counts[1][edge.requests.keys.index("loan")] >= 1
    assert edge.decisions.counts[0][edge.decisions.keys.index("fallback")] >= 1
    assert edge.decisions.counts[1][edge.decisions.keys.index("fallback")] >= 1


async def test_times_and_targets_by_hand(demo_app: App) -> None:
    """A small history worked out on paper: office hours 07:30-11:30 and 13:30-17:00, Monday to Friday."""
    conversation = await _conversation(demo_app)
    async with demo_app.uow() as uow:
        for code in ("demo-vieclam", "demo-ubnd"):
            agency = await uow.agencies.get_row(code)
            assert agency is not None
            agency.work_days, agency.work_periods = OFFICE_DAYS, OFFICE_HOURS
            agency.first_response_hours = 8
            agency.resolution_hours = 40 if code == "demo-vieclam" else 80
        session_of(uow).add(HolidayRow(day=date(2026, 10, 29), name="a holiday"))
        vieclam = {"category": "employment", "agency_code": "demo-vieclam"}
        session_of(uow).add_all(
            [
                # Answered after 2 working hours (2 calendar), resolved after 7.5 (24 calendar).
                _request(
                    conversation,
                    1,
                    created_at=local(2026, 10, 26, 8),
                    status="resolved",
                    **vieclam,
                    first_response_at=local(2026, 10, 26, 10),
                    resolved_at=local(2026, 10, 27, 8),
                ),
                # Friday 16:00 to Monday 08:30: 2 working hours, 64.5 calendar; with Thursday off,
                # resolution is due on Tuesday 3 November: not settled yet.
                _request(
                    conversation,
                    2,
                    created_at=local(2026, 10, 23, 16),
                    status="in_progress",
                    **vieclam,
                    first_response_at=local(2026, 10, 26, 8, 30),
                ),
                # 4 working hours, 6 calendar; resolution not due yet: not settled.
                _request(
                    conversation,
                    3,
                    created_at=local(2026, 10, 28, 9),
                    status="in_progress",
                    **vieclam,
                    first_response_at=local(2026, 10, 28, 15),
                ),
                # Cancelled: left out of times and targets.
                _request(
                    conversation,
                    4,
                    created_at=local(2026, 10, 27, 9),
                    status="cancelled",
                    **vieclam,
                    first_response_at=local(2026, 10, 27, 9, 30),
                    resolved_at=local(2026, 10, 27, 10),
                ),
                # Received before the range: left out.
                _request(
                    conversation,
                    5,
                    created_at=local(2026, 10, 16, 9),
                    status="resolved",
                    **vieclam,
                    first_response_at=local(2026, 10, 20, 9),
                    resolved_at=local(2026, 10, 21, 9),
                ),
                # 1 working hour to answer; resolution due Monday 26 October 14:30, long past: missed.
                _request(
                    conversation,
                    7,
                    created_at=local(2026, 10, 19, 8),
                    status="waiting",
                    **vieclam,
                    first_response_at=local(2026, 10, 19, 9),
                ),
                # Transferred in on Wednesday 16:00; Thursday is a holiday: 1 + 0.5 working hours, 40 calendar.
                _request(
                    conversation,
                    6,
                    created_at=local(2026, 10, 20, 9),
                    status="in_progress",
                    category="social",
                    agency_code="demo-ubnd",
                    agency_since=local(2026, 10, 28, 16),
                    first_response_at=local(2026, 10, 30, 8),
                ),
            ]
        )
        await uow.commit()
    async with demo_app.uow() as uow:
        dash = await build_dashboard(uow, DateRange(date(2026, 10, 19), TODAY), TZ_NAME, NOW)
    found = {p.code: p for p in dash.performance}
    assert set(found) == {"demo-vieclam", "demo-ubnd"}
    vieclam_p, ubnd = found["demo-vieclam"], found["demo-ubnd"]
    # Working hours 1, 2, 2, 4; calendar hours 1, 2, 6, 64.5.
    assert vieclam_p.first_response_median == (2.0, 4.0)
    assert vieclam_p.resolution_median == (7.5, 24.0)
    assert (vieclam_p.first_response_met, vieclam_p.first_response_settled) == (4, 4)
    assert (vieclam_p.resolution_met, vieclam_p.resolution_settled) == (1, 2)
    assert vieclam_p.resolution_share == 50.0
    assert ubnd.first_response_median == (1.5, 40.0)
    assert ubnd.resolution_median == (None, None)
    assert (ubnd.resolution_met, ubnd.resolution_settled) == (0, 0)
    assert ubnd.resolution_share is None
    # Requests per week count by creation: the transferred request was created on 20 October.
    assert dash.requests.total_of("social") == 1 and dash.requests.total_of("employment") == 5

    async with WebClient(demo_app) as web:
        await _log_in(demo_app, web, "admin", "admin")
        rows = await _csv(web, "times", "from=2026-10-19&to=2026-11-02")
        by_code = {row[1]: row for row in rows[1:]}
        assert by_code["demo-vieclam"] == [*_agency_cells("demo-vieclam"), "4", "2.0", "4.0", "1", "7.5", "24.0"]
        assert by_code["demo-ubnd"] == [*_agency_cells("demo-ubnd"), "1", "1.5", "40.0", "0", "", ""]
        rows = await _csv(web, "targets", "from=2026-10-19&to=2026-11-02")
        by_code = {row[1]: row[2:] for row in rows[1:]}
        assert by_code["demo-vieclam"] == ["4", "4", "100.0", "1", "2", "50.0"]
        assert by_code["demo-ubnd"] == ["1", "1", "100.0", "0", "0", ""]


# -- the web page and the CSVs ----------------------------------------------------------------------

_names: dict[str, str] = {}


def _agency_cells(code: str) -> list[str]:
    return [_names[code], code]


async def _log_in(app: App, web: WebClient, username: str, role: str) -> None:
    async with app.uow() as uow:
        await create_user(
            uow,
            username,
            PASSWORD,
            role,
            app.clock(),
            actor="test",
            agency_code=None if role == "admin" else "demo-vieclam",
        )
        for agency in await uow.agencies.all_rows():
            _names[agency.code] = agency.name
        await uow.commit()
    response = await web.log_in(username, PASSWORD)
    assert response.status_code in (302, 303)


async def _csv(web: WebClient, chart: str, query: str = "") -> list[list[str]]:
    response = await web.http.get(f"/admin/dashboard/{chart}.csv" + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _float(cell: str) -> float | None:
    return float(cell) if cell else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


async def test_the_csvs_carry_the_same_numbers(demo_app: App) -> None:
    await seed_history(demo_app)
    first, last = date(2026, 8, 20), date(2026, 10, 31)
    want = await expected_figures(demo_app, first, last)
    texts = demo_app.texts
    category_of = {texts.get("vi", f"category_{c}"): c for c in REQUEST_CATEGORIES}
    status_of = {texts.get("vi", f"status_{s}"): s for s in STATUSES}
    query = f"from={first.isoformat()}&to={last.isoformat()}"
    async with WebClient(demo_app) as web:
        await _log_in(demo_app, web, "admin", "admin")

        rows = await _csv(web, "requests", query)
        header, body = rows[0], rows[1:]
        assert [row[0] for row in body] == want["weeks"]
        for row in body:
            counts = {category_of[h]: int(v) for h, v in zip(header[2:-1], row[2:-1], strict=True) if int(v)}
            assert counts == dict(want["requests"].get(row[0], {}))
            assert int(row[-1]) == sum(counts.values())
            assert date.fromisoformat(row[1]) == Week(int(row[0][:4]), int(row[0][-2:])).monday

        rows = await _csv(web, "open", query)
        header, body = rows[0], rows[1:]
        got = {
            row[1]: {status_of[h]: int(v) for h, v in zip(header[2:-1], row[2:-1], strict=True) if int(v)}
            for row in body
        }
        assert got == want["open"]
        assert [status_of[h] for h in header[2:-1]] == list(OPEN_STATUSES)

        rows = await _csv(web, "times", query)
        got_times = {row[1]: row[2:] for row in rows[1:]}
        assert set(got_times) == {code for code, t in want["times"].items() if t}
        for code, cells in got_times.items():
            t = want["times"][code]
            assert int(cells[0]) == len(t["first_working"])
            assert _float(cells[1]) == _rounded(median(t["first_working"]))
            assert _float(cells[2]) == _rounded(median(t["first_calendar"]))
            assert int(cells[3]) == len(t["resolution_working"])
            assert _float(cells[4]) == _rounded(median(t["resolution_working"]))
            assert _float(cells[5]) == _rounded(median(t["resolution_calendar"]))

        rows = await _csv(web, "targets", query)
        got_targets = {row[1]: row[2:] for row in rows[1:]}
        assert set(got_targets) == {code for code, c in want["targets"].items() if c}
        for code, cells in got_targets.items():
            c = want["targets"][code]
            assert [int(cells[0]), int(cells[1]), int(cells[3]), int(cells[4])] == [
                c["first_met"],
                c["first_settled"],
                c["resolution_met"],
                c["resolution_settled"],
            ]
            for met, settled, share in ((cells[0], cells[1], cells[2]), (cells[3], cells[4], cells[5])):
                expected_share = round(100 * int(met) / int(settled), 1) if int(settled) else None
                assert _float(share) == expected_share

        rows = await _csv(web, "bot", query)
        body = rows[1:]
        assert [row[0] for row in body] == want["weeks"]
        for row in body:
            counts = dict(want["decisions"].get(row[0], {}))
            answer, suggest, fallback, total = (int(v) for v in row[2:6])
            assert (answer, suggest, fallback) == (
                counts.get("answer", 0),
                counts.get("suggest", 0),
                counts.get("fallback", 0),
            )
            assert total == answer + suggest + fallback
            for n, rate in zip((answer, suggest, fallback), row[6:9], strict=True):
                assert _float(rate) == (round(100 * n / total, 1) if total else None)

        rows = await _csv(web, "unanswered", query)
        got_groups = [(q, int(n), seen) for q, n, seen in rows[1:]]
        expected_groups = [
            ("'" + q if q[0] in "=+-@" else q, n, seen.astimezone(VN).strftime("%Y-%m-%d %H:%M"))
            for q, n, seen in want["unanswered"]
        ]
        assert got_groups == expected_groups
        # The seed's formula-like questions are among the top ten and come out inert.
        assert any(q.startswith("'=") for q, _, _ in got_groups)
        assert any(q.startswith("'+") for q, _, _ in got_groups)

        # The page shows the same range, every chart, and a table of numbers under each.
        page = await web.http.get(f"/admin?{query}")
        assert page.status_code == 200
        for chart in CHARTS:
            assert f'id="{chart}"' in page.text
            assert f"/admin/dashboard/{chart}.csv?{query}" in page.text.replace("&amp;", "&")
        assert page.text.count('<svg class="chart-svg"') == len(CHARTS)
        assert page.text.count('<details class="chart-table">') == len(CHARTS)


async def test_unanswered_groups_say_when_only_the_newest_were_grouped(
    demo_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_history(demo_app)
    monkeypatch.setattr(inbox, "MAX_ROWS", 20)
    async with demo_app.uow() as uow:
        dash = await build_dashboard(uow, default_range(TODAY), TZ_NAME, NOW)
    assert dash.unanswered_grouped == 20 < dash.unanswered_total
    assert sum(g.count for g in dash.unanswered) <= 20
    async with WebClient(demo_app) as web:
        await _log_in(demo_app, web, "admin", "admin")
        page = await web.http.get("/admin")
        assert web_texts().get("vi", "ad_unanswered_capped", count=20) in page.text
        assert web_texts().get("vi", "ad_unanswered_total", count=dash.unanswered_total) in page.text
        assert '<a href="/admin/unanswered">' in page.text


async def test_the_dashboard_in_english(demo_app: App) -> None:
    await seed_history(demo_app)
    async with WebClient(demo_app) as web:
        await _log_in(demo_app, web, "admin", "admin")
        web.http.cookies.set("hn_lang", "en")
        page = await web.http.get("/admin")
        assert page.status_code == 200 and '<html lang="en">' in page.text
        for key in ("ad_requests_title", "ad_open_title", "ad_bot_title", "ad_decision_fallback"):
            assert web_texts().get("en", key) in page.text
        assert demo_app.texts.get("en", "category_loan") in page.text
        assert demo_app.texts.get("en", "status_in_progress") in page.text
        rows = await _csv(web, "open")
        assert rows[0][0] == web_texts().get("en", "ad_col_agency")


async def test_only_admins_see_the_dashboard(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        anonymous = await web.http.get("/admin")
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
        await _log_in(demo_app, web, "vieclam", "staff")
        assert (await web.http.get("/admin", headers={"accept": "text/html"})).status_code == 404
        for chart in CHARTS:
            assert (await web.http.get(f"/admin/dashboard/{chart}.csv")).status_code == 404


async def test_bad_ranges_give_a_message_never_an_error(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        await _log_in(demo_app, web, "admin", "admin")
        # query: (message, what the two date fields then hold)
        cases = {
            "from=2026-13-01&to=2026-11-02": ("ad_error_date", "2026-08-17", "2026-11-02"),
            "from=2026-02-30": ("ad_error_date", "2026-08-17", "2026-11-02"),
            "from=hôm-nay": ("ad_error_date", "2026-08-17", "2026-11-02"),
            "from=0001-01-01&to=0001-01-02": ("ad_error_date", "2026-08-17", "2026-11-02"),
            "from=2026-11-02&to=9999-12-31": ("ad_error_date", "2026-11-02", "2026-11-02"),
            # Valid dates in the wrong order stay in the form, to be corrected.
            "from=2026-11-02&to=2026-10-01": ("ad_error_order", "2026-11-02", "2026-10-01"),
            "from=2024-01-01&to=2026-11-02": ("ad_error_too_long", "2024-01-01", "2026-11-02"),
        }
        for query, (key, shown_from, shown_to) in cases.items():
            message = web_texts().get("vi", key)
            page = await web.http.get(f"/admin?{query}")
            assert page.status_code == 200, query
            assert message in page.text, query
            assert f'name="from" value="{shown_from}"' in page.text, query
            assert f'name="to" value="{shown_to}"' in page.text, query
            # The default range's figures are shown meanwhile.
            assert "17/08/2026" in page.text and "02/11/2026" in page.text
            response = await web.http.get(f"/admin/dashboard/requests.csv?{query}")
            assert response.status_code == 400 and response.text == message
        assert (await web.http.get("/admin/dashboard/nothing.csv")).status_code == 404


async def test_an_empty_range_says_so(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        await _log_in(demo_app, web, "admin", "admin")
        page = await web.http.get("/admin?from=2025-01-01&to=2025-02-01")
        assert page.status_code == 200
        assert page.text.count(web_texts().get("vi", "ad_empty")) == len(CHARTS)
        assert '<svg class="chart-svg"' not in page.text
        rows = await _csv(web, "requests", "from=2025-01-01&to=2025-02-01")
        assert all(row[-1] == "0" for row in rows[1:]) and len(rows) == 1 + 5


# -- the range ---------------------------------------------------------------------------------------


def test_the_default_range_is_twelve_iso_weeks_to_today() -> None:
    dr = default_range(TODAY)
    assert dr == DateRange(date(2026, 8, 17), TODAY)
    assert len(dr.weeks()) == 12 and dr.first.weekday() == 0
    assert parse_range("", "", TODAY) == dr
    assert parse_range(None, "2026-10-07", TODAY) == DateRange(date(2026, 7, 20), date(2026, 10, 7))
    assert parse_range("2026-10-01", None, TODAY) == DateRange(date(2026, 10, 1), TODAY)
    assert parse_range("2026-10-01", "2026-10-01", TODAY).weeks() == [Week(2026, 40)]


@pytest.mark.parametrize(
    ("first", "last", "key"),
    [
        ("2026-11-03", "2026-11-02", "ad_error_order"),
        ("2024-11-01", "2026-11-02", "ad_error_too_long"),
        ("2026-1-1", "", "ad_error_date"),
        ("2026-11-02T00:00", "", "ad_error_date"),
        ("1999-12-31", "2000-01-01", "ad_error_date"),
        ("", "2101-01-01", "ad_error_date"),
        ("２０２６-01-01", "", "ad_error_date"),
    ],
)
def test_bad_ranges_are_refused(first: str, last: str, key: str) -> None:
    with pytest.raises(RangeError) as refused:
        parse_range(first, last, TODAY)
    assert refused.value.key == key


def test_two_years_is_the_longest_range() -> None:
    assert parse_range("2024-11-02", "2026-11-02", TODAY).first == date(2024, 11, 2)


def test_range_bounds_are_local_midnights() -> None:
    from zoneinfo import ZoneInfo

    start, end = DateRange(date(2026, 8, 17), date(2026, 8, 23)).bounds(ZoneInfo(TZ_NAME))
    assert start == datetime(2026, 8, 16, 17, 0, tzinfo=UTC)
    assert end == datetime(2026, 8, 23, 17, 0, tzinfo=UTC)


def test_csv_cells_cannot_become_formulas() -> None:
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(dangerous, TZ_NAME) == "'" + dangerous
    assert csv_cell("vay vốn", TZ_NAME) == "vay vốn"
    assert csv_cell(-1.5, TZ_NAME) == -1.5  # a number stays a number
    assert csv_cell(None, TZ_NAME) == ""
    assert csv_cell(date(2026, 11, 2), TZ_NAME) == "2026-11-02"
    assert csv_cell(datetime(2026, 11, 2, 8, 0, tzinfo=UTC), TZ_NAME) == "2026-11-02 15:00"


def test_numbers_are_written_per_language() -> None:
    assert number(12, "vi") == "12"
    assert number(2.0, "vi") == "2"
    assert number(12.25, "vi") == "12,2"
    assert number(3.5, "en") == "3.5"


# -- chart geometry -----------------------------------------------------------------------------------


def test_nice_ticks() -> None:
    assert charts.nice_ticks(0) == [0, 1]
    assert charts.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(10) == [0, 2, 4, 6, 8, 10]
    assert charts.nice_ticks(100, whole=False) == [0, 20, 40, 60, 80, 100]
    assert charts.nice_ticks(3.2, whole=False) == [0, 1, 2, 3, 4]
    assert charts.nice_ticks(1234)[-1] >= 1234
    assert charts.nice_ticks(2) == [0, 1, 2]


def test_label_step_thins_crowded_axes() -> None:
    assert charts.label_step(12, 504) == 1  # the default twelve weeks: every week labelled
    assert charts.label_step(104, 504) == 8
    assert charts.label_step(0, 504) == 1


def test_stacked_columns_stack_to_their_totals() -> None:
    chart = charts.stacked_columns([[3, 1], [0, 0], [2, 5]], ["W01", "W02", "W03"])
    left, top, right, bottom = chart.box
    scale = chart.ticks[-1].value
    assert chart.ticks[-1].position == top and chart.ticks[0].position == bottom
    # No rectangle for a zero; each column's pieces sit on each other from the axis up.
    assert [(s.row, s.series, s.value) for s in chart.segments] == [(0, 0, 3), (0, 1, 1), (2, 0, 2), (2, 1, 5)]
    for column in (0, 2):
        pieces = [s for s in chart.segments if s.row == column]
        assert pieces[0].y + pieces[0].height == pytest.approx(bottom)
        assert pieces[1].y + pieces[1].height == pytest.approx(pieces[0].y)
        assert sum(p.height for p in pieces) == pytest.approx(sum(p.value for p in pieces) / scale * (bottom - top))
    assert all(left <= s.x and s.x + s.width <= right for s in chart.segments)
    assert [t.value for t in chart.totals] == [4, 7]
    assert [label.text for label in chart.labels] == ["W01", "W02", "W03"]


def test_stacked_rows_give_each_agency_a_row() -> None:
    chart = charts.stacked_rows([[2, 0, 1], [4, 4, 0]], ["A", "B" * 200])
    assert chart.horizontal
    first_row = [s for s in chart.segments if s.row == 0]
    assert first_row[1].x == pytest.approx(first_row[0].x + first_row[0].width)
    assert [v.value for v in chart.values] == [3, 8]
    assert len(chart.labels[1].text) == charts.LABEL_CHARS and chart.labels[1].text.endswith("…")
    assert chart.height > chart.box[3]


def test_grouped_rows_skip_missing_values() -> None:
    chart = charts.grouped_rows([[50.0, None], [100.0, 0.0]], ["A", "B"], maximum=100)
    assert [(s.row, s.series) for s in chart.segments] == [(0, 0), (1, 0), (1, 1)]
    full = chart.segments[1]
    assert full.x + full.width == pytest.approx(chart.box[2])
    assert chart.segments[0].width == pytest.approx(full.width / 2)
    assert chart.segments[2].width > 0  # a zero is drawn as a sliver, so it reads as "zero", not "missing"


def test_lines_break_where_there_is_no_data() -> None:
    chart = charts.lines([[50.0, None, 25.0, 100.0]], ["a", "b", "c", "d"], maximum=100)
    assert [len(line.markers) for line in chart.lines] == [1, 2]
    _, top, _, bottom = chart.box
    assert chart.lines[1].markers[1].y == pytest.approx(top)
    assert chart.lines[0].markers[0].y == pytest.approx((top + bottom) / 2)
    assert chart.lines[1].points.count(",") == 2
