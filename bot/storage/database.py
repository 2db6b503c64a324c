"""Engine and session factory (built by the composition root, never at import) and migrations."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, text
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Several processes may start at once on PostgreSQL; one migrates while the others wait on this lock.
_MIGRATION_LOCK_ID = 4_242_001


def create_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # A writer waits for the lock instead of failing at once when two transactions meet.
        kwargs["connect_args"] = {"timeout": 30}
    else:
        # No ping before each use: it is a round trip per transaction. A connection that died (the
        # server restarted) fails its statement as DatabaseUnavailable(transient), the pool drops every
        # connection as old as it, and the message is retried from the start (bot.messaging.pipeline).
        # A connection past the pool's size is closed as soon as it is handed back: with an overflow
        # twice the pool, under overload connections were opened and closed all the time (a server
        # backend forked for each). The overflow is a valve for bursts; past it, a message waits.
        kwargs.update(pool_pre_ping=False, pool_size=pool_size, max_overflow=max(2, pool_size // 2))
    # Statement parameters are what people wrote (phones, names, descriptions): never in an error's text,
    # which ends up in a log line.
    engine = create_async_engine(url, hide_parameters=True, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_begin_immediate(connection: Connection) -> None:
    # Every unit of work reads then writes. With SQLite's default deferred BEGIN, two such
    # transactions deadlock on the upgrade to a write lock and one fails at once; taking the write
    # lock at BEGIN makes them queue behind the busy timeout instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is switched off so that _sqlite_begin_immediate decides.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # What is deleted is overwritten, not left in free pages: a person's erased data is gone from the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@dataclass
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # SQLite has one writer at a time: this process's units of work queue on this lock instead of
    # each holding a pooled connection while it waits for the file lock. None on PostgreSQL.
    serial: asyncio.Lock | None
    # Sessions whose statements are each their own transaction (PostgreSQL; None on SQLite): for a unit
    # of work of one statement, which then costs no BEGIN and COMMIT on the wire.
    single_statements: async_sessionmaker[AsyncSession] | None = None

    async def ping(self) -> None:
        """Raise when the database does not answer (the readiness check). No unit of work: on SQLite
        that would queue the check behind every writer."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def scrub(self) -> None:
        """After an erasure is committed. On SQLite the write-ahead log still holds the pages as they
        were before it; a checkpoint copies them into the file (where secure_delete zeroes what was
        deleted) and truncates the log. Nothing to do on PostgreSQL (VACUUM reclaims dead rows)."""
        if self.serial is None:
            return
        async with self.serial, self.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            # The driver's own connection: through SQLAlchemy a statement would open a transaction,
            # and a checkpoint cannot run inside one.
            driver: Any = raw.driver_connection
            await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def open_database(url: str, pool_size: int = 10) -> Database:
    engine = create_engine(url, pool_size)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    if engine.dialect.name == "sqlite":
        return Database(engine, sessions, asyncio.Lock())
    single = async_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)
    return Database(engine, sessions, None, single)


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _head() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    if _current(connection) != _head():
        command.upgrade(_alembic_config(connection), "head")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest migration; a no-op when it is current."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def schema_is_current(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        current = await connection.run_sync(_current)
    return current == _head()
