"""Putting the run's PostgreSQL scratch database back between tests, cheaply.

TRUNCATE … RESTART IDENTITY of some forty tables was most of a PostgreSQL test's set-up (it gives every
table new files), and importing the shipped knowledge base again after it most of the rest. Here the
few rows a test leaves are deleted, children first so that no foreign key stands in the way (audit_log,
append-only, refuses DELETE and alone is truncated), every sequence goes back to its start, and for an
ordinary test the rows of a migrated database with the shipped content (as the SQLite template holds
them) are copied back in, with the sequences where they stood.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
_FOREIGN_KEYS = (
    "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c"
    " JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = 'public'"
)
_SEQUENCES = "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
_TRUNCATED = frozenset({"audit_log"})


@dataclass
class Contents:
    """Rows per table (parents first, in COPY's binary form) and each sequence's last value (None: never used)."""

    rows: dict[str, bytes] = field(default_factory=dict)
    sequences: dict[str, int | None] = field(default_factory=dict)


async def _parents_first(connection: AsyncConnection) -> list[str]:
    tables = (await connection.execute(text(_TABLES))).scalars().all()
    order = TopologicalSorter({table: set[str]() for table in tables})
    for child, parent in (await connection.execute(text(_FOREIGN_KEYS))).all():
        if child != parent:
            order.add(child.strip('"'), parent.strip('"'))
    return list(order.static_order())


async def _driver(connection: AsyncConnection) -> Any:
    """asyncpg's own connection, for COPY."""
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def capture(url: str) -> Contents:
    """What the database holds now (the shipped content, after create_app on an empty one)."""
    contents = Contents()
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        driver = await _driver(connection)
        for table in await _parents_first(connection):
            copied = io.BytesIO()
            status = await driver.copy_from_table(table, output=copied, format="binary")
            if status != "COPY 0":
                contents.rows[table] = copied.getvalue()
        for name, last in (await connection.execute(text(_SEQUENCES))).all():
            contents.sequences[name] = last
    await engine.dispose()
    return contents


async def reset(url: str, contents: Contents | None = None) -> None:
    """Empty every table and restart every sequence, then put `contents` back (if any)."""
    contents = contents or Contents()
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        for table in reversed(await _parents_first(connection)):
            # The names come from pg_tables, not from any input.
            emptying = f'TRUNCATE "{table}"' if table in _TRUNCATED else f'DELETE FROM "{table}"'  # noqa: S608
            await connection.execute(text(emptying))
        driver = await _driver(connection)
        for table, copied in contents.rows.items():
            await driver.copy_to_table(table, source=io.BytesIO(copied), format="binary")
        sequences = (await connection.execute(text(_SEQUENCES))).scalars().all()
        if sequences:
            calls = [_setval(name, contents.sequences.get(name)) for name in sequences]
            await connection.execute(text("SELECT " + ", ".join(calls)))
    await engine.dispose()


def _setval(sequence: str, last: int | None) -> str:
    name = sequence.replace('"', '""')
    return f"setval('\"{name}\"', {last}, true)" if last is not None else f"setval('\"{name}\"', 1, false)"
