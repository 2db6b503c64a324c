"""What every repository shares: the unit of work's session and the dialect-dependent statements."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import AgencyRow, Base, LocalityRow

CodedRow = TypeVar("CodedRow", AgencyRow, LocalityRow)


class _Repo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def dialect(self) -> str:
        return self._session.bind.dialect.name if self._session.bind else "sqlite"

    async def _insert_unless_present(self, model: type[Base], values: dict[str, Any], keys: list[str]) -> bool:
        """Insert a row unless one with the same `keys` exists (no error, no wait); True when inserted."""
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
        result = await self._session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def _upsert_by_code(self, model: type[CodedRow], code: str, fields: dict[str, Any]) -> CodedRow:
        row = (await self._session.execute(select(model).where(model.code == code))).scalar_one_or_none()
        if row is None:
            row = model(code=code, **fields)
            self._session.add(row)
        else:
            for key, value in fields.items():
                setattr(row, key, value)
        await self._session.flush()
        return row
