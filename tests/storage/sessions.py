"""The one place tests (and the web benchmark) reach the unit of work's session.

Product code cannot: the unit of work keeps its session to itself and the repositories answer
every question the code asks. A test sometimes checks rows no repository reads (an audit row, a
stored hash), or seeds many rows at once; it does so through this, inside the unit's transaction.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.unit_of_work import UnitOfWork


def session_of(uow: UnitOfWork) -> AsyncSession:
    return uow._session
