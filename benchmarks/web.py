"""The staff queue, its exports and the admin dashboard as whole pages, beside their own parts.

Run with `make bench` or `python -m benchmarks.web --out docs/benchmarks.md`; only this benchmark's
section of the file (between WEB_START and WEB_END) is replaced, the matcher's stays.

Everything runs in one process on one event loop, as `hoanhap serve` does: pages go through
httpx.ASGITransport with a logged-in session (no socket, no uvicorn), and the baselines (the bare SQL
query of the same rows, the working-hour targets alone, the queue without its template) run in the
same process on the same database, so the table shows how much of a page is each part.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from sqlalchemy import Select, func, insert, select, text, update
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot import runtime
from bot.accounts.service import ADMIN, STAFF, create_user
from bot.app import App, create_app
from bot.clock import as_utc
from bot.config import Settings
from bot.dashboard.figures import aggregate, default_range, read_rows
from bot.reference import files as reference_data
from bot.requests.sla import AgencyClocks, RequestTargets, request_targets
from bot.requests.views import queue as queue_view
from bot.requests.views.queue import OPEN_LIMIT, STATUS_OVERDUE, Queue, QueueParams, load_queue
from bot.requests.views.targets import queue_item
from bot.storage.models import ConversationRow, HolidayRow, MatchLogRow, RequestRow
from bot.storage.repos.queue import QueueScope
from bot.storage.unit_of_work import UnitOfWork
from bot.web.app import create_web_app
from bot.web.deps import Translate
from bot.web.i18n import web_texts
from handlers.domain import CANCELLED, CLOSED, IN_PROGRESS, NEW, OPEN_STATUSES, RESOLVED, WAITING, NewRequest
from handlers.routing import route
from knowledge_base.lexicon import load_lexicon
from knowledge_base.matcher import ANSWER, FALLBACK, SUGGEST
from knowledge_base.normalizer import Normalizer
from tests.storage.sessions import session_of

WEB_START, WEB_END = "<!-- web:start -->", "<!-- web:end -->"
POSTGRES_URL = os.environ.get("HOANHAP_TEST_POSTGRES_URL", "")
QUESTIONS = (
    Path(__file__).parent.parent / "tests" / "data" / "dev-questions.jsonl",
    Path(__file__).parent.parent / "tests" / "data" / "validation-questions.jsonl",
)
TZ = "Asia/Ho_Chi_Minh"
# A Wednesday, 10:00 in Vietnam: staff at work, targets running. Fixed so that runs compare.
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
SIZES = (1000, 5000)
# Finished requests (resolved, closed, cancelled over the last six months) per open one.
CLOSED_PER_OPEN = 1.0
# Questions the bot saw over the dashboard's twelve weeks, per open request.
QUESTIONS_PER_OPEN = 2
# Whole pages are what staff wait for; the parts beside them need fewer runs to be read.
PAGE_RUNS, EXPORT_RUNS, DASHBOARD_RUNS, PART_RUNS, WARMUP = 20, 3, 5, 5, 1
PASSWORD = "mật khẩu đo hiệu năng 2026"
LEAD, ADMIN_USER = "lead", "admin"

# Roughly the 2026 public holidays (days off for state agencies).
HOLIDAYS = (
    date(2026, 1, 1),
    *(date(2026, 2, d) for d in range(16, 21)),
    date(2026, 4, 27),
    date(2026, 4, 30),
    date(2026, 5, 1),
    date(2026, 9, 1),
    date(2026, 9, 2),
)
# Which requests people send most, and from where (the bigger communes send more).
CATEGORY_WEIGHTS = {
    "employment": 30,
    "training": 10,
    "loan": 12,
    "papers": 18,
    "social": 10,
    "legal": 8,
    "obligations": 6,
    "question": 6,
}
LOCALITY_WEIGHTS = (20, 16, 6, 14, 5, 6, 10, 4, 5, 8, 3, 3)
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ")
GIVEN = ("Văn Minh", "Thị Lan", "Văn Hùng", "Thị Hoa", "Minh Tuấn", "Quốc Bảo", "Thị Mai", "Văn Nam", "Đức Anh")
CHANNELS = ("web", "telegram", "zalo", "zalo_oa")
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


# -- the data --------------------------------------------------------------------------------------


def questions() -> list[str]:
    found: list[str] = []
    for path in QUESTIONS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append(str(json.loads(line)["q"]))
    return found


@dataclass
class Planned:
    """One request as seeded: created through the repository, then moved on in time."""

    category: str
    locality: str
    created: datetime
    status: str
    changes: dict[str, Any] = field(default_factory=dict)


class Seeder:
    """Grows one database: open requests of realistic ages, finished ones, and the bot's questions."""

    def __init__(self, app: App, rng: random.Random) -> None:
        self.app, self.rng = app, rng
        self.texts = questions()
        self.normalizer = Normalizer(load_lexicon())
        self.open = self.closed = self.asked = 0
        self.assignees: dict[str, list[str]] = {}

    def _age_of_open(self) -> timedelta:
        draw = self.rng.random()
        if draw < 0.70:
            days = self.rng.expovariate(1 / 4)  # most are days old
        elif draw < 0.95:
            days = self.rng.uniform(7, 60)  # waiting on papers, on another office
        else:
            days = self.rng.uniform(60, 180)  # the forgotten tail of a backlog
        return timedelta(days=min(days, 180), minutes=self.rng.uniform(1, 600))

    def _capped(self, moment: datetime) -> datetime:
        return min(moment, NOW - timedelta(minutes=1))

    def _plan_open(self) -> Planned:
        created = NOW - self._age_of_open()
        young = NOW - created < timedelta(days=1)
        status = self.rng.choices((NEW, IN_PROGRESS, WAITING), (80, 20, 0) if young else (30, 50, 20))[0]
        planned = Planned(self._category(), self._locality(), created, status)
        since = created
        if self.rng.random() < 0.05:  # transferred: the new agency's clock starts then
            since = self._capped(created + timedelta(hours=self.rng.uniform(1, 48)))
            planned.changes["agency_since"] = since
        if status != NEW:
            planned.changes["status"] = status
            planned.changes["first_response_at"] = self._capped(since + timedelta(hours=self.rng.uniform(0.5, 72)))
            planned.changes["assignee"] = "?" if self.rng.random() < 0.8 else None
        moments = [v for v in planned.changes.values() if isinstance(v, datetime)]
        planned.changes["updated_at"] = max([created, *moments])
        return planned

    def _plan_closed(self) -> Planned:
        created = NOW - timedelta(days=self.rng.uniform(1, 182))
        status = self.rng.choices((RESOLVED, CLOSED, CANCELLED), (60, 30, 10))[0]
        planned = Planned(self._category(), self._locality(), created, status)
        first = self._capped(created + timedelta(hours=self.rng.uniform(0.5, 48)))
        if status != CANCELLED or self.rng.random() < 0.5:
            planned.changes["first_response_at"] = first
        resolved = self._capped(first + timedelta(hours=self.rng.uniform(2, 300)))
        planned.changes.update(status=status, resolved_at=resolved, updated_at=resolved, assignee="?")
        return planned

    def _category(self) -> str:
        return self.rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]

    def _locality(self) -> str:
        return self.rng.choices(self.locality_codes, LOCALITY_WEIGHTS[: len(self.locality_codes)])[0]

    async def prepare(self) -> None:
        async with self.app.uow() as uow:
            self.localities = {row.code: row for row in await uow.localities.all()}
            self.locality_codes = sorted(self.localities)
            self.rules = await uow.rules.active_rules()
            agencies = [row.code for row in await uow.agencies.all_rows()]
        # Each agency has a few people working; the lead of the biggest is one of them (see main).
        self.assignees = {code: [f"{code}-{i}" for i in (1, 2, 3)] for code in agencies}

    async def grow(self, open_total: int, batch: int = 500) -> None:
        closed_total = round(open_total * CLOSED_PER_OPEN)
        plans = [self._plan_open() for _ in range(open_total - self.open)]
        plans += [self._plan_closed() for _ in range(closed_total - self.closed)]
        self.rng.shuffle(plans)
        for start in range(0, len(plans), batch):
            await self._create(plans[start : start + batch])
        self.open, self.closed = open_total, closed_total
        await self._ask(open_total * QUESTIONS_PER_OPEN - self.asked)
        self.asked = open_total * QUESTIONS_PER_OPEN

    async def _create(self, plans: Sequence[Planned]) -> None:
        async with self.app.uow() as uow:
            values = [
                {
                    "channel": self.rng.choice(CHANNELS),
                    "chat_id": uuid.UUID(int=self.rng.getrandbits(128)).hex,
                    "user_id": "",
                    "locale": "vi",
                    "state": {},
                    "unreachable": False,
                    "created_at": p.created,
                    "updated_at": p.created,
                }
                for p in plans
            ]
            await session_of(uow).execute(insert(ConversationRow), values)
            chats = [str(v["chat_id"]) for v in values]
            found = await session_of(uow).execute(
                select(ConversationRow.chat_id, ConversationRow.id).where(ConversationRow.chat_id.in_(chats))
            )
            conversation = dict(found.tuples().all())
            updates: list[tuple[str, Planned]] = []
            for plan, chat in zip(plans, chats, strict=True):
                decision = route(plan.category, self.localities[plan.locality], self.rules)
                assert decision is not None, plan
                description = " ".join(self.rng.sample(self.texts, self.rng.randint(2, 4))).capitalize() + "."
                name = f"{self.rng.choice(FAMILY)} {self.rng.choice(GIVEN)}"
                phone = "+849" + "".join(self.rng.choice("0123456789") for _ in range(8))
                contact = self.rng.choice(("morning", "afternoon", "any"))
                where = plan.locality
                new = NewRequest(
                    conversation[chat], plan.category, description, where, phone, name, contact, plan.created, decision
                )
                code = await uow.requests.create(new, plan.created)
                if plan.changes.get("assignee") == "?":
                    plan.changes["assignee"] = self.rng.choice(self.assignees[decision.agency_code])
                updates.append((code, plan))
            ids = dict(
                (
                    await session_of(uow).execute(
                        select(RequestRow.code, RequestRow.id).where(RequestRow.code.in_([c for c, _ in updates]))
                    )
                )
                .tuples()
                .all()
            )
            for keys in {tuple(sorted(p.changes)) for _, p in updates}:
                rows = [{"id": ids[c], **p.changes} for c, p in updates if tuple(sorted(p.changes)) == keys]
                await session_of(uow).execute(update(RequestRow), rows)
            await uow.commit()

    async def _ask(self, count: int) -> None:
        """Questions to the bot over the last twelve weeks: most answered, some suggested, some not."""
        rows = []
        for _ in range(count):
            question = self.rng.choice(self.texts)
            decision = self.rng.choices((ANSWER, SUGGEST, FALLBACK), (70, 15, 15))[0]
            chosen = "?" if decision == SUGGEST and self.rng.random() < 0.5 else None
            rows.append(
                {
                    "created_at": NOW - timedelta(days=self.rng.uniform(0, 84)),
                    "channel": self.rng.choice(CHANNELS),
                    "pseudonym": None,
                    "question": question,
                    "normalized": self.normalizer.normalize(question).text,
                    "decision": decision,
                    "slug": "?" if decision == ANSWER else None,
                    "score": self.rng.uniform(0.2, 0.9),
                    "suggestions": [],
                    "chosen_slug": chosen,
                }
            )
        async with self.app.uow() as uow:
            for start in range(0, len(rows), 2000):
                await session_of(uow).execute(insert(MatchLogRow), rows[start : start + 2000])
            await uow.commit()


async def open_per_agency(app: App) -> dict[str, int]:
    statement = (
        select(RequestRow.agency_code, func.count())
        .where(RequestRow.status.in_(OPEN_STATUSES))
        .group_by(RequestRow.agency_code)
    )
    async with app.uow() as uow:
        return {code: int(n) for code, n in (await session_of(uow).execute(statement)).tuples()}


async def prepare_app(database_url: str, data_dir: Path) -> App:
    """The demo province (as tests/serving.py's demo_app loads it), holidays, a lead and an admin."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, data_dir=data_dir, timezone=TZ
    )
    app = await create_app(settings, lambda: NOW)
    async with app.uow() as uow:
        await reference_data.apply(uow, reference_data.load_file(reference_data.DEMO_FILE), "bench", NOW)
        for day in HOLIDAYS:
            session_of(uow).add(HolidayRow(day=day, name="nghỉ lễ"))
        await uow.commit()
    return app


async def add_users(app: App, agency: str) -> None:
    async with app.uow() as uow:
        await create_user(
            uow, LEAD, PASSWORD, STAFF, NOW, actor="bench", agency_code=agency, is_lead=True, display_name="Trưởng"
        )
        await create_user(uow, ADMIN_USER, PASSWORD, ADMIN, NOW, actor="bench")
        await uow.commit()


# -- timing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    backend: str
    size: int
    who: str
    what: str
    rows: int
    runs: int
    p50_ms: float
    p95_ms: float


@dataclass(frozen=True)
class Memory:
    backend: str
    size: int
    who: str
    what: str
    peak_mib: float


@dataclass(frozen=True)
class AgeCost:
    """The targets of the open requests that have waited this long, per request."""

    waited: str
    requests: int
    per_request_us: float


@dataclass
class Results:
    timings: list[Timing] = field(default_factory=list)
    memory: list[Memory] = field(default_factory=list)
    ages: list[AgeCost] = field(default_factory=list)
    new_ages: list[AgeCost] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    # Durations (ms) of the full garbage collections during the run: the slow runs behind most p95s.
    full_collections: list[float] = field(default_factory=list)
    # One full collection of the app alone (demo data loaded, nothing seeded, no benchmark rows held).
    app_collection_ms: float | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    # os.getloadavg() (1 minute) at the start and the end: other work on the machine slows every figure.
    load: list[float] = field(default_factory=list)

    def get(self, backend: str, size: int, who: str, prefix: str) -> Timing:
        return next(
            t for t in self.timings if (t.backend, t.size, t.who) == (backend, size, who) and t.what.startswith(prefix)
        )


class FullCollections:
    """Times every generation-2 garbage collection while active."""

    def __init__(self, into: list[float]) -> None:
        self.into, self.started = into, 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self.started = time.perf_counter()
        else:
            self.into.append((time.perf_counter() - self.started) * 1000)

    def __enter__(self) -> None:
        gc.callbacks.append(self)

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)


def percentile(samples: Sequence[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def timed(action: Callable[[], Awaitable[object]], runs: int) -> tuple[float, float]:
    for _ in range(WARMUP):
        await action()  # caches warm, as in a running server
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), percentile(samples, 0.95)


async def peak_mib(action: Callable[[], Awaitable[object]]) -> float:
    """Peak Python heap during one call beyond what was held before it (tracemalloc)."""
    await action()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        await action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (peak - before) / 2**20


@asynccontextmanager
async def logged_in(web: FastAPI, username: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://hoanhap.test") as client:
        token = _CSRF.search((await client.get("/login")).text)
        assert token is not None, "no CSRF token on /login"
        response = await client.post(
            "/login", data={"csrf_token": token.group(1), "username": username, "password": PASSWORD}
        )
        assert response.status_code == 303, response.text
        yield client


def getter(client: httpx.AsyncClient, path: str, must_hold: bytes) -> Callable[[], Awaitable[httpx.Response]]:
    async def get() -> httpx.Response:
        response = await client.get(path)
        assert response.status_code == 200 and must_hold in response.content, (path, response.status_code)
        return response

    return get


def open_rows_statement(agency: str | None, *, orm: bool) -> Select[Any]:
    """What load_queue asks for its open requests: in scope, open, as they waited, at most OPEN_LIMIT;
    as RequestRow objects (orm) or as plain tuples of the same columns."""
    received = func.coalesce(RequestRow.agency_since, RequestRow.created_at)
    statement = select(RequestRow) if orm else select(*RequestRow.__table__.columns)
    statement = statement.where(RequestRow.status.in_(OPEN_STATUSES))
    if agency is not None:
        statement = statement.where(RequestRow.agency_code == agency)
    return statement.order_by(received, RequestRow.id).limit(OPEN_LIMIT)


# -- the old path, kept to be measured beside the new one ------------------------------------------


class DayByDayClocks(AgencyClocks):
    """AgencyClocks as it was: both targets of a request counted day by day (handlers/working_hours.py)."""

    def targets(self, request: RequestRow) -> RequestTargets | None:
        agency = self.agencies.get(request.agency_code)
        if agency is None:
            return None
        schedule = self.schedule(agency)
        try:
            return request_targets(request, agency, schedule, self.now)
        except ValueError:
            return None


async def old_load_queue(
    uow: UnitOfWork, app: App, scope: QueueScope, params: QueueParams, t: Translate, *, page_size: int = 50
) -> Queue:
    """load_queue before this change: every open request loaded whole and both its targets counted
    day by day, to order them and show 50 (the view's open-statuses path; what the benchmark asks)."""
    now = as_utc(app.clock())
    query = params.filter()
    clocks = DayByDayClocks(await uow.agencies.all_rows(), await uow.holidays.days(), app.settings.timezone, now)
    counts = await uow.queue.counts(scope, query)
    open_rows = await uow.queue.rows(scope, query, OPEN_STATUSES, order="waiting_longest", limit=OPEN_LIMIT)
    open_items = sorted((queue_item(r, clocks, t) for r in open_rows), key=lambda i: i.sort_key)
    wanted = params.statuses()
    overdue_only = params.status == STATUS_OVERDUE
    chosen = [i for i in open_items if i.row.status in wanted and (not overdue_only or i.overdue)]
    pages = max(1, -(-len(chosen) // page_size))
    page = min(params.page, pages)
    items = chosen[(page - 1) * page_size : page * page_size]
    localities = {row.code: row for row in await uow.localities.all_rows()}
    labels = await uow.queue.user_labels([i.row.assignee or "" for i in items])
    overdue = sum(1 for i in open_items if i.overdue)
    return Queue(
        items, len(chosen), counts, overdue, page, pages, localities=localities, agencies=clocks.agencies, labels=labels
    )


@asynccontextmanager
async def old_path() -> AsyncIterator[None]:
    """The page served by the old load_queue, for its whole-page timing."""
    queue_view.load_queue = old_load_queue
    try:
        yield
    finally:
        queue_view.load_queue = load_queue


def translate(key: str, **values: Any) -> str:
    return web_texts().get("vi", key, **values)


AGE_BUCKETS = ((7, "under 1 week"), (28, "1-4 weeks"), (56, "4-8 weeks"), (10_000, "over 8 weeks"))


def cost_by_age(rows: Sequence[RequestRow], clocks: AgencyClocks, passes: int = 3) -> list[AgeCost]:
    """Targets per request by how long the request has waited at its agency."""
    buckets: dict[str, list[RequestRow]] = {label: [] for _, label in AGE_BUCKETS}
    for row in rows:
        days = (NOW - as_utc(row.agency_since or row.created_at)).days
        buckets[next(label for limit, label in AGE_BUCKETS if days < limit)].append(row)
    found = []
    for label, members in buckets.items():
        if not members:
            continue
        start = time.perf_counter()
        for _ in range(passes):
            for row in members:
                clocks.targets(row)
        found.append(AgeCost(label, len(members), (time.perf_counter() - start) * 1e6 / passes / len(members)))
    return found


# What is timed, as the table names it.
ADMIN_ALL, DASHBOARD_USER = "admin, all agencies", "admin"
SQL_CORE = "SQL alone: open rows as tuples (Core)"
SQL_ORM = "SQL alone: open rows as ORM objects"
SQL_WAITING = "SQL alone: open rows, the order's columns (new)"
OLD_TARGETS = "old: targets alone, day by day, over those rows"
TARGETS = "new: targets alone, per-day calendar, over those rows"
URGENCY = "new: due times alone (what the order needs)"
OLD_LOAD_QUEUE = "old: load_queue (every row's targets)"
LOAD_QUEUE = "new: load_queue (due times, page's targets)"
OLD_PAGE = "old: GET /staff (whole page)"
PAGE = "new: GET /staff (whole page)"
DASHBOARD_SQL = "dashboard SQL alone (read_rows, 12 weeks)"
DASHBOARD_FIGURES = "dashboard figures alone (aggregate)"
DASHBOARD = "GET /admin (whole page, 12 weeks)"


class Bench:
    """One database at one size: the queue for a lead and for an admin, exports, the dashboard."""

    def __init__(self, app: App, web: FastAPI, backend: str, size: int, results: Results) -> None:
        self.app, self.web, self.backend, self.size, self.results = app, web, backend, size, results

    async def time(self, who: str, what: str, runs: int, action: Callable[[], Awaitable[object]], rows: int) -> None:
        p50, p95 = await timed(action, runs)
        self.results.timings.append(Timing(self.backend, self.size, who, what, rows, runs, p50, p95))
        line = f"{self.backend:10} {self.size:>5} {who:22} {what:44} {runs:>3} runs  p50 {p50:8.1f}  p95 {p95:8.1f} ms"
        print(line, file=sys.stderr)

    async def memory(self, who: str, what: str, action: Callable[[], Awaitable[object]]) -> None:
        mib = await peak_mib(action)
        self.results.memory.append(Memory(self.backend, self.size, who, what, mib))
        print(f"{self.backend:10} {self.size:>5} {who:22} {what:44} peak {mib:.1f} MiB", file=sys.stderr)

    async def run(self, lead_agency: str, *, python_parts: bool, memory: bool) -> None:
        """python_parts: also time what involves no database (the same on every backend)."""
        counts = await open_per_agency(self.app)
        async with self.app.uow() as uow:
            agencies, holidays = await uow.agencies.all_rows(), await uow.holidays.days()
        for who, username, scope in (
            (f"lead of {lead_agency}", LEAD, QueueScope(LEAD, lead_agency, False)),
            (ADMIN_ALL, ADMIN_USER, QueueScope(ADMIN_USER, None, True)),
        ):
            agency = None if scope.is_admin else lead_agency
            in_scope = counts[lead_agency] if agency else sum(counts.values())
            orm_statement, core_statement = (open_rows_statement(agency, orm=orm) for orm in (True, False))

            async def core_rows(statement: Select[Any] = core_statement) -> None:
                async with self.app.database.engine.connect() as connection:
                    (await connection.execute(statement)).all()

            async def orm_rows(statement: Select[Any] = orm_statement) -> list[RequestRow]:
                async with self.app.uow() as uow:
                    return list((await session_of(uow).execute(statement)).scalars())

            fetched = await orm_rows()
            assert len(fetched) == in_scope, (len(fetched), in_scope)

            async def waiting_rows(scope: QueueScope = scope) -> None:
                async with self.app.uow() as uow:
                    await uow.queue.waiting(scope, QueueParams().filter(), limit=OPEN_LIMIT)

            def clocked(kind: type[AgencyClocks], rows: list[RequestRow] = fetched) -> Callable[[], Awaitable[None]]:
                async def targets() -> None:
                    clocks = kind(agencies, holidays, TZ, NOW)
                    for row in rows:
                        clocks.targets(row)

                return targets

            async def urgency(rows: list[RequestRow] = fetched) -> None:
                clocks = AgencyClocks(agencies, holidays, TZ, NOW)
                for row in rows:
                    clocks.urgency(row)

            def queue(
                loader: Callable[..., Awaitable[Queue]], scope: QueueScope = scope
            ) -> Callable[[], Awaitable[None]]:
                async def load() -> None:
                    async with self.app.uow() as uow:
                        await loader(uow, self.app, scope, QueueParams(), translate)

                return load

            await self.time(who, SQL_CORE, PART_RUNS, core_rows, in_scope)
            await self.time(who, SQL_ORM, PART_RUNS, orm_rows, in_scope)
            await self.time(who, SQL_WAITING, PART_RUNS, waiting_rows, in_scope)
            if python_parts:
                await self.time(who, OLD_TARGETS, PART_RUNS, clocked(DayByDayClocks), in_scope)
                await self.time(who, TARGETS, PART_RUNS, clocked(AgencyClocks), in_scope)
                await self.time(who, URGENCY, PART_RUNS, urgency, in_scope)
            await self.time(who, OLD_LOAD_QUEUE, PART_RUNS, queue(old_load_queue), in_scope)
            await self.time(who, LOAD_QUEUE, PART_RUNS, queue(load_queue), in_scope)
            async with logged_in(self.web, username) as client:
                page = getter(client, "/staff", b'data-code="YC-')
                async with old_path():
                    await self.time(who, OLD_PAGE, PAGE_RUNS, page, in_scope)
                await self.time(who, PAGE, PAGE_RUNS, page, in_scope)
                if memory and scope.is_admin:
                    await self.memory(who, "GET /staff", page)
                for fmt, mark in (("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK")):
                    export = getter(client, f"/staff/export.{fmt}", mark)
                    await self.time(who, f"GET /staff/export.{fmt} (every open request)", EXPORT_RUNS, export, in_scope)
                    if memory and scope.is_admin and fmt == "xlsx":
                        await self.memory(who, "GET /staff/export.xlsx", export)
            if memory and scope.is_admin:
                self.results.ages = cost_by_age(fetched, DayByDayClocks(agencies, holidays, TZ, NOW))
                self.results.new_ages = cost_by_age(fetched, AgencyClocks(agencies, holidays, TZ, NOW))
        await self.dashboard(python_parts)

    async def dashboard(self, python_parts: bool) -> None:
        date_range = default_range(NOW.astimezone(ZoneInfo(TZ)).date())
        async with self.app.uow() as uow:
            rows = await read_rows(uow, date_range, TZ)

        async def read_only() -> None:
            async with self.app.uow() as uow:
                await read_rows(uow, date_range, TZ)

        async def aggregate_only() -> None:
            aggregate(rows, date_range, TZ, NOW)

        received = len(rows.received)
        await self.time(DASHBOARD_USER, DASHBOARD_SQL, PART_RUNS, read_only, received)
        if python_parts:
            await self.time(DASHBOARD_USER, DASHBOARD_FIGURES, PART_RUNS, aggregate_only, received)
        async with logged_in(self.web, ADMIN_USER) as client:
            page = getter(client, "/admin", b"<svg")
            await self.time(DASHBOARD_USER, DASHBOARD, DASHBOARD_RUNS, page, received)


# -- one backend -----------------------------------------------------------------------------------


async def run_backend(
    backend: str, database_url: str, data_dir: Path, sizes: Sequence[int], results: Results, *, first: bool
) -> None:
    began = time.perf_counter()
    app = await prepare_app(database_url, data_dir)
    try:
        if first:
            seen = len(results.full_collections)
            start = time.perf_counter()
            gc.collect()
            results.app_collection_ms = (time.perf_counter() - start) * 1000
            del results.full_collections[seen:]  # not one of the benchmark's own
        # As `hoanhap serve` starts: the matcher built and what start-up made frozen out of the
        # collector's sight (bot.runtime.warm_up), so full collections walk only what requests make.
        await runtime.warm_up(app)
        seeder = Seeder(app, random.Random(20261125))
        await seeder.prepare()
        web = create_web_app(app, [])
        lead_agency = ""
        for size in sorted(sizes):
            start = time.perf_counter()
            await seeder.grow(size)
            print(f"{backend}: seeded {size} open requests in {time.perf_counter() - start:.1f} s", file=sys.stderr)
            if not lead_agency:
                counts = await open_per_agency(app)
                lead_agency = max(counts, key=lambda code: counts[code])
                await add_users(app, lead_agency)
            largest = size == max(sizes)
            await Bench(app, web, backend, size, results).run(lead_agency, python_parts=first, memory=first and largest)
        if backend == "sqlite":
            results.versions.append(f"SQLite {sqlite3.sqlite_version} (a file on local disk)")
        else:
            async with app.database.engine.connect() as connection:
                server = str((await connection.execute(text("SHOW server_version"))).scalar_one())
            results.versions.append(f"PostgreSQL {server.split(maxsplit=1)[0]} (same machine)")
    finally:
        await app.close()
        gc.unfreeze()  # this backend's app is gone: the next one freezes its own
        results.seconds[backend] = time.perf_counter() - began


async def _postgres(statement: str) -> None:
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await admin.dispose()


async def run_all(sizes: Sequence[int]) -> Results:
    results = Results()
    results.load.append(os.getloadavg()[0])
    with FullCollections(results.full_collections), tempfile.TemporaryDirectory(prefix="hoanhap-bench-") as scratch:
        url = f"sqlite+aiosqlite:///{scratch}/bench.db"
        await run_backend("sqlite", url, Path(scratch), sizes, results, first=True)
        if POSTGRES_URL:
            # A scratch database of its own, dropped at the end, as tests/conftest.py does.
            name = f"hoanhap_bench_{uuid.uuid4().hex[:12]}"
            await _postgres(f'CREATE DATABASE "{name}"')
            try:
                url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
                await run_backend("postgresql", url, Path(scratch), sizes, results, first=False)
            finally:
                await _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    results.load.append(os.getloadavg()[0])
    return results


# -- the report ------------------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def timing_table(results: Results) -> list[str]:
    lines = [
        "| database | open requests | who | measured | rows | runs | p50 (ms) | p95 (ms) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for t in results.timings:
        cells = (t.backend, f"{t.size:,}", t.who, t.what, f"{t.rows:,}", str(t.runs), ms(t.p50_ms), ms(t.p95_ms))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def memory_table(results: Results) -> list[str]:
    lines = ["| database | open requests | who | request | peak Python heap (MiB) |", "|---|---|---|---|---|"]
    lines += [f"| {m.backend} | {m.size:,} | {m.who} | {m.what} | {m.peak_mib:.1f} |" for m in results.memory]
    return lines


def age_table(results: Results) -> list[str]:
    lines = [
        "| waited at the agency | open requests | old: day by day, per request (µs) | new: per-day calendar (µs) |",
        "|---|---|---|---|",
    ]
    for old, new in zip(results.ages, results.new_ages, strict=True):
        lines.append(f"| {old.waited} | {old.requests:,} | {old.per_request_us:.0f} | {new.per_request_us:.0f} |")
    return lines


def interpretation(results: Results, size: int) -> list[str]:
    """The new path beside the old, from the first backend at the largest size; then the others."""
    backends = list(dict.fromkeys(t.backend for t in results.timings))
    base = backends[0]
    lead = next(t.who for t in results.timings if t.who.startswith("lead"))
    page, old_page = results.get(base, size, ADMIN_ALL, PAGE), results.get(base, size, ADMIN_ALL, OLD_PAGE)
    lead_page, old_lead = results.get(base, size, lead, PAGE), results.get(base, size, lead, OLD_PAGE)
    old_targets = results.get(base, size, ADMIN_ALL, OLD_TARGETS)
    targets = results.get(base, size, ADMIN_ALL, TARGETS)
    urgency = results.get(base, size, ADMIN_ALL, URGENCY)
    waiting = results.get(base, size, ADMIN_ALL, SQL_WAITING)
    orm = results.get(base, size, ADMIN_ALL, SQL_ORM)
    queue = results.get(base, size, ADMIN_ALL, LOAD_QUEUE)
    csv_export = results.get(base, size, ADMIN_ALL, "GET /staff/export.csv")
    xlsx = results.get(base, size, ADMIN_ALL, "GET /staff/export.xlsx")
    dashboard = results.get(base, size, DASHBOARD_USER, DASHBOARD)

    def verdict(measured: Timing, bar: float) -> str:
        return "under" if measured.p50_ms < bar else "NOT under"

    lines = [
        f"**Old path and new, side by side.** At {size:,} open requests on {base}, the admin's queue page "
        f"({page.rows:,} open requests in scope) takes {page.p50_ms:.0f} ms at p50 (p95 {page.p95_ms:.0f} ms), "
        f"{verdict(page, 150)} the 150 ms bar; the old path, timed in the same process on the same data, "
        f"{old_page.p50_ms:.0f} ms. The lead of the biggest agency ({lead_page.rows:,} open) waits "
        f"{lead_page.p50_ms:.0f} ms ({verdict(lead_page, 80)} the 80 ms bar; old path {old_lead.p50_ms:.0f} ms). "
        "The old path loaded every open request as a RequestRow and counted both its targets day by day "
        "(handlers/working_hours.py), the time left included, to order them and show 50. The new one "
        f"(bot/requests/views/queue.py) fetches only the seven columns the order needs as tuples "
        f"({waiting.p50_ms:.0f} ms, against {orm.p50_ms:.0f} ms for whole rows), reads both due times off a "
        "calendar of each agency's working periods built once per day with the working time before each "
        f"period (bot/requests/calendar.py: two binary searches a target; {urgency.p50_ms:.0f} ms for every open "
        "request), orders and marks them all, and loads and counts the hours left of the shown 50 only; "
        f"load_queue as a whole takes {queue.p50_ms:.0f} ms. Counts per status stay one SQL GROUP BY.",
        "",
        f"Counting both targets with hours left for every open request, as the export does, takes "
        f"{targets.p50_ms:.0f} ms with the calendar against {old_targets.p50_ms:.0f} ms day by day, with answers "
        "equal to the microsecond (tests/requests/test_queue_order.py compares them over random instants and "
        "schedules, clock changes included, and the queue's order and overdue marks with the old computation "
        f"over every row, on SQLite and PostgreSQL). The exports of all {page.rows:,} open requests take "
        f"{csv_export.p50_ms:.0f} ms (CSV) and {xlsx.p50_ms:.0f} ms (XLSX); the dashboard {dashboard.p50_ms:.0f} ms.",
        "",
        "**Why not a stored due-at column.** The overdue filter and count need every open request's due times. "
        "They follow the agency's work days, periods and targets and the public holidays, all of which admins "
        "edit at any time: a column written at creation and transfer would go stale at each such edit unless "
        "every one of them rewrote thousands of rows. Computed from a per-day calendar they cost "
        f"{urgency.p50_ms:.0f} ms for {urgency.rows:,} requests and are always right.",
        "",
    ]
    if results.ages:
        slow, fast = results.ages[-1], results.ages[0]
        new_slow = results.new_ages[-1]
        lines += [
            f"Day by day, a request's targets cost more the longer it has waited ({fast.per_request_us:.0f} µs "
            f"under a week, {slow.per_request_us:.0f} µs {slow.waited}); with the calendar the cost no longer "
            f"follows the age ({new_slow.per_request_us:.0f} µs {slow.waited}).",
            "",
        ]
    for other_backend in backends[1:]:
        theirs = results.get(other_backend, size, ADMIN_ALL, PAGE)
        their_old = results.get(other_backend, size, ADMIN_ALL, OLD_PAGE)
        their_lead = results.get(other_backend, size, lead, PAGE)
        lines += [
            f"On {other_backend} the admin's page takes {theirs.p50_ms:.0f} ms (old path {their_old.p50_ms:.0f} ms) "
            f"and the lead's {their_lead.p50_ms:.0f} ms.",
            "",
        ]
    if results.full_collections:
        pauses = results.full_collections
        lines += [
            f"Where p95 sits well above p50, a full garbage collection fell in that run: {len(pauses)} happened "
            f"during the benchmark, {statistics.median(pauses):.0f} ms each at the median (timed with "
            f"gc.callbacks); one of the app alone, before any request was seeded, took "
            f"{results.app_collection_ms or 0:.0f} ms.",
            "",
        ]
    cores = os.cpu_count() or 1
    loaded = ""
    if results.load and max(results.load) > cores:
        loaded = (
            f" This run shared the machine with other work (load average {results.load[0]:.1f} at the start, "
            f"{results.load[-1]:.1f} at the end, on {cores} cores), so every figure here is several times what "
            "an idle machine gives; the ratios of old to new, timed in turn on the same data, are what to read."
        )
    lines += [
        f"**Is {size:,} acceptable on a 2-core machine?** (measured on {cores} cores.) `hoanhap serve` is one "
        f"process with one event loop: an admin's queue view now holds it for about {page.p50_ms:.0f} ms "
        f"instead of {old_page.p50_ms:.0f} ms ({old_page.p50_ms / page.p50_ms:.0f} times less)." + loaded + " The XLSX "
        f"export ({xlsx.p50_ms / 1000:.1f} s) still holds it long: every exported row is shown. 5,000 is also "
        "where the queue stops ordering (OPEN_LIMIT).",
    ]
    return lines


def section(results: Results, args: argparse.Namespace, seconds: float) -> list[str]:
    sizes = sorted({t.size for t in results.timings})
    lines = [
        WEB_START,
        "## Staff queue, exports and admin dashboard",
        "",
        f"Made by `make bench` (`python -m benchmarks.web --out {args.out}`) on {datetime.now(UTC):%Y-%m-%d}, "
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"{'; '.join(results.versions)}. One process and one event loop, as `hoanhap serve` runs (its start-up "
        "included: the matcher built, then the heap frozen with gc.freeze): pages go through "
        "httpx.ASGITransport with a logged-in session (no socket, no uvicorn), and every part beside them "
        f"runs in the same process on the same database. The whole run took {seconds:.0f} s "
        f"({', '.join(f'{name} {took:.0f} s' for name, took in results.seconds.items())}), seeding included"
        + (
            ""
            if POSTGRES_URL
            else "; PostgreSQL is measured as well when HOANHAP_TEST_POSTGRES_URL is set (in a scratch database "
            "created and dropped)"
        )
        + ".",
        "",
        "Data: the demo province (bot/data/demo.yaml) and the 2026 public holidays; "
        + " then ".join(f"{n:,}" for n in sizes)
        + " open requests created with `uow.requests.create` and routed by the real rules, over every category "
        "and commune (most a few days old, a quarter 1-8 weeks, 5% up to six months; new, in progress or "
        f"waiting), {CLOSED_PER_OPEN:g} resolved, closed or cancelled request per open one over six months, and "
        f"{QUESTIONS_PER_OPEN} questions to the bot per open request over the twelve weeks. The clock is fixed "
        "at Wednesday 2026-11-25 10:00 in Vietnam, inside working hours. "
        f"Runs: {PAGE_RUNS} of each queue page, {EXPORT_RUNS} of each export, {DASHBOARD_RUNS} of the dashboard "
        f"and {PART_RUNS} of each part, after {WARMUP} warm-up run; p95 is the nearest-rank value. "
        "The parts that touch no database (targets, dashboard figures, memory) are measured on the first "
        "database only.",
        "",
        "The queue's parts: *SQL alone* is the statement the old load_queue sent for the open requests (in "
        "scope, open, longest waiting first, at most OPEN_LIMIT), as plain tuples and as RequestRow objects, "
        "and the new one (the seven columns the order needs); *targets alone* is both targets of those rows, "
        "already fetched, counted day by day (old) and off the per-day calendar (new); *due times alone* is "
        "what the new order needs of each; *load_queue* is the whole queue without HTML; the page adds the "
        "session check, notifications, the template and ASGI. *old* rows run a reference copy of the old "
        "load_queue (benchmarks/web.py, old_load_queue) in the same process on the same data; for the old "
        "page it is put in the view's place while timed. *rows* is the open requests in scope (for the "
        "dashboard: the requests received in its twelve weeks).",
        "",
        *timing_table(results),
        "",
        "### Peak memory",
        "",
        "tracemalloc's peak during one request, beyond what was held before it: Python objects only (the "
        "database driver's and SQLite's own buffers are not counted).",
        "",
        *memory_table(results),
        "",
        "### Targets by how long a request has waited",
        "",
        f"Both targets of the {max(sizes):,} open requests, by how long each has waited at its agency.",
        "",
        *age_table(results),
        "",
        "### What this says",
        "",
        *interpretation(results, max(sizes)),
        "",
        WEB_END,
    ]
    return lines


def write_section(path: Path, lines: Sequence[str]) -> None:
    """Replace this benchmark's section of the file, or add it at the end; the rest stays as it is."""
    block = "\n".join(lines)
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start, end = current.find(WEB_START), current.find(WEB_END)
    if start != -1 and end > start:
        updated = current[:start] + block + current[end + len(WEB_END) :]
    else:
        updated = current.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(updated, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="docs/benchmarks.md")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="open requests seeded")
    args = parser.parse_args()
    start = time.perf_counter()
    results = asyncio.run(run_all(args.sizes))
    lines = section(results, args, time.perf_counter() - start)
    write_section(Path(args.out), lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
