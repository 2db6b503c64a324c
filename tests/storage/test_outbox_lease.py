"""The sender's lease: whether a chat has more, and a plan that holds when statistics are stale.

Statistics taken while the outbox held no open rows (a new database, a quiet spell before a burst)
made PostgreSQL plan the "no older open row of the same chat" test as an anti join that scanned
every open row of the channel for each one: 2.3 s a lease round at 4,000 open rows, and a sender
that fell minutes behind while webhooks kept being told "done". The lease must look each row's chat
up in its index whatever the statistics say."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from bot.app import App
from tests.harness import FakeClock

ROWS = """
INSERT INTO outbox (channel, chat_id, kind, payload, status, attempts, next_attempt_at, last_error, created_at)
SELECT 'rec', CAST(:first + g / 2 AS TEXT), 'message', CAST('{}' AS JSON), :status, 0, :now, '', :now
FROM generate_series(1, :count) AS g
"""


async def test_a_leased_row_says_whether_its_chat_has_more(app: App, clock: FakeClock) -> None:
    """The sender looks again at once when a leased row's chat has a later row (an answer in two
    messages): on SQLite the flag was always false, and the second message waited for the idle poll."""
    now = clock()
    async with app.uow() as uow:
        for n in range(3):
            await uow.outbox.add("rec", "two", {"text": str(n)}, now)
        await uow.outbox.add("rec", "one", {"text": "only"}, now)
        await uow.commit()
    async with app.uow() as uow:
        leased = await uow.outbox.lease_due(now, 50, ["rec"], timedelta(seconds=30), by="probe")
        await uow.commit()
    assert {(row.chat_id, row.more) for row in leased} == {("two", True), ("one", False)}


async def test_the_lease_looks_up_each_chat_on_statistics_from_a_quiet_outbox(app: App, clock: FakeClock) -> None:
    if app.database.serial is not None:
        pytest.skip("the plan is PostgreSQL's; SQLite plans a correlated EXISTS as a lookup")
    now = clock() - timedelta(minutes=1)
    async with app.database.engine.begin() as connection:
        await connection.execute(text(ROWS), {"first": 0, "status": "sent", "count": 2000, "now": now})
        await connection.execute(text("ANALYZE outbox"))  # every row sent: no open row in the statistics
        await connection.execute(text(ROWS), {"first": 10_000, "status": "pending", "count": 4000, "now": now})
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.startswith("UPDATE outbox SET status") and "RETURNING" in statement:
            statements.append((statement, parameters))

    event.listen(app.database.engine.sync_engine, "before_cursor_execute", keep)
    try:
        async with app.uow() as uow:
            leased = await uow.outbox.lease_due(clock(), 50, ["rec"], timedelta(seconds=30), by="probe")
            await uow.commit()
    finally:
        event.remove(app.database.engine.sync_engine, "before_cursor_execute", keep)
    # One row per chat, each its chat's first (chats 10000.. hold two rows each, the first one odd).
    assert len(leased) == 50 and len({row.chat_id for row in leased}) == 50
    ((statement, parameters),) = statements
    async with app.database.engine.connect() as connection:
        plan = "\n".join(row[0] for row in await connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    assert "Anti Join" not in plan, plan
    assert "ix_outbox_open" in plan, plan
