from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.accounts import service as account_service
from bot.accounts.service import create_user
from bot.app import App, create_app
from bot.config import Settings
from bot.reference import files as reference_data
from tests import postgres_reset, shared_parts
from tests.admin_pages import PASSWORDS, signed_in
from tests.browser import BrowserTestModule, Site, chromium, live_site
from tests.harness import FakeClock
from tests.web_client import WebClient

T = TypeVar("T")

# The suite hashes hundreds of passwords; at production cost (64 MiB, 3 passes each) that alone took
# half of tests/accounts. In-process tests use a cheap argon2id; production's cost has its own test
# (tests/accounts/test_password_cost.py) and subprocess servers keep the real one.
account_service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
account_service._DUMMY_HASH = account_service._hasher.hash("not a real password, only for timing")
shared_parts.install()  # see tests/shared_parts.py: what every app builds alike, built once
DATA = Path(__file__).parent / "data"
# A newcomer's PostgreSQL: used when it answers here and HOANHAP_TEST_POSTGRES_URL is not set at all.
LOCAL_POSTGRES = ("127.0.0.1", 5432)
LOCAL_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
POSTGRES_SKIP = "PostgreSQL unavailable"


def _local_postgres_answers() -> bool:
    try:
        with socket.create_connection(LOCAL_POSTGRES, timeout=0.3):
            return True
    except OSError:
        return False


def _postgres_url() -> tuple[str, str]:
    """The PostgreSQL the suite runs on ("" for none) and why it is that one (or none), for skips.

    HOANHAP_TEST_POSTGRES_URL decides when set; set empty, it turns PostgreSQL off. Unset, a server
    answering on 127.0.0.1:5432 is used as the `postgres` user on its `postgres` database."""
    configured = os.environ.get("HOANHAP_TEST_POSTGRES_URL")
    if configured is not None:
        return configured, "" if configured else "HOANHAP_TEST_POSTGRES_URL is set empty"
    if _local_postgres_answers():
        return LOCAL_POSTGRES_URL, "found on 127.0.0.1:5432"
    return "", "HOANHAP_TEST_POSTGRES_URL is not set and nothing answers on 127.0.0.1:5432"


POSTGRES_URL, POSTGRES_WHY = _postgres_url()


async def _create_postgres_database() -> tuple[str, str]:
    name = f"hoanhap_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A commit need not wait for the disk: no test crashes the PostgreSQL server itself, and a
        # commit is as visible to every other connection either way.
        await connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    await admin.dispose()
    return name, make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


async def _drop_postgres_database(name: str) -> None:
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


def _run_outside_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Session fixtures are reached from inside a test's running loop: run on a thread of their own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    """Browser test modules are collected only where a browser can run (see tests/browser.py)."""
    if module_path.name.startswith("test_browser_"):
        return BrowserTestModule.from_parent(parent, path=module_path)
    return None


def _skip_group(reason: str) -> str:
    """The cause shared by a group of skipped tests, told plainly."""
    if reason.startswith(POSTGRES_SKIP):
        return reason
    if "Chromium" in reason or "Playwright" in reason:
        return f"Browser tests: {reason}"
    return reason


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Say at the end which groups of tests did not run and why (and how to run them)."""
    groups: dict[str, Counter[str]] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
        # A module skipped whole (the browser tests) is one report for all its tests.
        unit = "modules" if isinstance(report, pytest.CollectReport) else "tests"
        groups.setdefault(_skip_group(reason.removeprefix("Skipped: ")), Counter())[unit] += 1
    if not groups:
        return
    terminalreporter.section("skipped, and why")
    for reason, counts in sorted(groups.items(), key=lambda item: -sum(item[1].values())):
        what = ", ".join(f"{n} {unit}" for unit, n in sorted(counts.items(), reverse=True))
        terminalreporter.write_line(f"{what:>20}  {reason}")
    if any(reason.startswith(POSTGRES_SKIP) for reason in groups):
        terminalreporter.write_line(
            "PostgreSQL tests run when one answers on 127.0.0.1:5432 (user postgres, no password) or "
            "HOANHAP_TEST_POSTGRES_URL=postgresql+asyncpg://user@host:port/database names one."
        )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the shipped knowledge base, copied for each test (fast set-up)."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{path}", _env_file=None)  # type: ignore[call-arg]
        application = await create_app(settings)
        await application.close()

    _run_outside_loop(build())
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """One scratch database per test process (dropped at the end); each test puts it back first."""
    if not POSTGRES_URL:
        pytest.skip(f"{POSTGRES_SKIP}: {POSTGRES_WHY}")
    try:
        name, url = _run_outside_loop(_create_postgres_database())
    except Exception as error:
        if os.environ.get("HOANHAP_TEST_POSTGRES_URL"):
            raise  # asked for by name: a failure, not a skip
        pytest.skip(f"{POSTGRES_SKIP}: the server on 127.0.0.1:5432 refused ({type(error).__name__}: {error})")
    try:
        yield url
    finally:
        _run_outside_loop(_drop_postgres_database(name))


@pytest.fixture(scope="session")
def postgres_contents(postgres_database: str) -> postgres_reset.Contents:
    """The scratch database migrated with the shipped knowledge base, as rows to put back before each test."""

    async def build() -> postgres_reset.Contents:
        await postgres_reset.reset(postgres_database)
        settings = Settings(database_url=postgres_database, _env_file=None)  # type: ignore[call-arg]
        application = await create_app(settings)
        await application.close()
        return await postgres_reset.capture(postgres_database)

    return _run_outside_loop(build())


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Every storage-touching test runs on SQLite, and on PostgreSQL when CI provides one."""
    if request.param == "sqlite":
        database = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), database)
        yield f"sqlite+aiosqlite:///{database}"
        return
    url = request.getfixturevalue("postgres_database")
    await postgres_reset.reset(url, request.getfixturevalue("postgres_contents"))
    yield url


@pytest.fixture
async def empty_postgres(postgres_database: str) -> str:
    """The run's PostgreSQL scratch database, emptied: for tests that only make sense on PostgreSQL
    (several processes at once). Skipped when no PostgreSQL is configured."""
    await postgres_reset.reset(postgres_database)
    return postgres_database


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    application = await create_app(settings, clock)
    try:
        yield application
    finally:
        await application.close()


@pytest.fixture
async def demo_app(app: App, clock: FakeClock) -> App:
    async with app.uow() as uow:
        await reference_data.apply(uow, reference_data.load_file(reference_data.DEMO_FILE), "test", clock())
        await uow.commit()
    return app


@pytest.fixture
async def admin_app(demo_app: App) -> App:
    """The demo province with two admins (admin, boss) and a lead of demo-vieclam (vieclam); see PASSWORDS."""
    async with demo_app.uow() as uow:
        now = demo_app.clock()
        await create_user(uow, "admin", PASSWORDS["admin"], "admin", now, actor="test")
        await create_user(uow, "boss", PASSWORDS["boss"], "admin", now, actor="test")
        await create_user(
            uow, "vieclam", PASSWORDS["vieclam"], "staff", now, actor="test", agency_code="demo-vieclam", is_lead=True
        )
        await uow.commit()
    return demo_app


@pytest.fixture
async def admin(admin_app: App) -> AsyncIterator[WebClient]:
    """An admin signed in to the web."""
    client = await signed_in(admin_app, "admin")
    async with client:
        yield client


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh migrated SQLite database, for tests that need only one backend (browser tests)."""
    database = tmp_path / "site.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), database)
    return f"sqlite+aiosqlite:///{database}"


@pytest.fixture
async def site(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Site]:
    """A live server with the demo data and accounts (see tests/browser.py)."""
    async with live_site(sqlite_url, tmp_path) as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Debian Chromium under Playwright (skipped locally when either is missing, failed in CI)."""
    async with chromium() as launched:
        yield launched
