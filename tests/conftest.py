from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.accounts.service import create_user
from bot.app import App, create_app
from bot.config import Settings
from bot.reference import files as reference_data
from tests.admin_pages import PASSWORDS, signed_in
from tests.browser import BrowserTestModule, Site, chromium, live_site
from tests.harness import FakeClock
from tests.web_client import WebClient

T = TypeVar("T")
POSTGRES_URL = os.environ.get("HOANHAP_TEST_POSTGRES_URL", "")
DATA = Path(__file__).parent / "data"


async def _create_postgres_database() -> tuple[str, str]:
    name = f"hoanhap_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
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
    """One scratch database per test run (dropped at the end); each test empties it first."""
    if not POSTGRES_URL:
        pytest.skip("HOANHAP_TEST_POSTGRES_URL is not set")
    name, url = _run_outside_loop(_create_postgres_database())
    try:
        yield url
    finally:
        _run_outside_loop(_drop_postgres_database(name))


async def _empty_postgres_database(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        tables = (
            (
                await connection.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    )
                )
            )
            .scalars()
            .all()
        )
        if tables:
            names = ", ".join(f'"{t}"' for t in tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Every storage-touching test runs on SQLite, and on PostgreSQL when CI provides one."""
    if request.param == "sqlite":
        database = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), database)
        yield f"sqlite+aiosqlite:///{database}"
        return
    url = request.getfixturevalue("postgres_database")
    await _empty_postgres_database(url)
    yield url


@pytest.fixture
async def empty_postgres(postgres_database: str) -> str:
    """The run's PostgreSQL scratch database, emptied: for tests that only make sense on PostgreSQL
    (several processes at once). Skipped when no PostgreSQL is configured."""
    await _empty_postgres_database(postgres_database)
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
