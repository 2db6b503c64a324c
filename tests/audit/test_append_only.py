"""The audit log is append-only from the application: rows are added, never changed or removed, on
SQLite and PostgreSQL alike (a trigger of migration 0011 refuses the statement, whoever runs it)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.app import App


async def _one_row(app: App) -> None:
    async with app.uow() as uow:
        await uow.audit.add("admin:lan", "faq.update", "viec-lam", app.clock(), before={"a": 1}, after={"a": 2})
        await uow.commit()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log", "UPDATE audit_log SET after = NULL"],
)
async def test_a_recorded_action_cannot_be_changed_or_removed(app: App, statement: str) -> None:
    await _one_row(app)
    with pytest.raises(DBAPIError, match="append-only"):
        async with app.database.engine.begin() as connection:
            await connection.execute(text(statement))
    async with app.uow() as uow:
        rows = await uow.audit.newest(limit=10)
    assert [(r.actor, r.after) for r in rows if r.action == "faq.update"] == [("admin:lan", {"a": 2})]


async def test_adding_goes_on_as_before(app: App) -> None:
    await _one_row(app)
    await _one_row(app)
    async with app.uow() as uow:
        assert len([r for r in await uow.audit.newest(limit=10) if r.action == "faq.update"]) == 2
