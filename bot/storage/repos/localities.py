"""The localities (communes) people live in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from bot.storage.models import LocalityRow
from bot.storage.repos.base import _Repo
from handlers.domain import Locality


def _locality(row: LocalityRow) -> Locality:
    return Locality(row.code, row.name, row.province, tuple(str(a) for a in row.aliases or []))


class LocalityRepo(_Repo):
    async def all(self) -> list[Locality]:
        return [_locality(r) for r in await self.all_rows()]

    async def all_rows(self) -> list[LocalityRow]:
        statement = select(LocalityRow).order_by(LocalityRow.province, LocalityRow.name)
        return list((await self._session.execute(statement)).scalars())

    async def get(self, code: str) -> Locality | None:
        row = await self.get_row(code)
        return _locality(row) if row else None

    async def get_row(self, code: str) -> LocalityRow | None:
        return (await self._session.execute(select(LocalityRow).where(LocalityRow.code == code))).scalar_one_or_none()

    async def provinces(self) -> list[str]:
        """Every province some locality is in, in order."""
        statement = select(LocalityRow.province).distinct().order_by(LocalityRow.province)
        return [str(p) for p in (await self._session.execute(statement)).scalars()]

    async def rows_with_codes(self, codes: Sequence[str]) -> list[LocalityRow]:
        found: list[LocalityRow] = []
        # In slices: PostgreSQL and SQLite both cap the parameters of one statement.
        for start in range(0, len(codes), 500):
            statement = select(LocalityRow).where(LocalityRow.code.in_(codes[start : start + 500]))
            found.extend((await self._session.execute(statement)).scalars())
        return found

    def add(self, code: str, **fields: Any) -> LocalityRow:
        """A new row, written at the next flush (the caller knows the code is not taken)."""
        row = LocalityRow(code=code, **fields)
        self._session.add(row)
        return row

    async def upsert(self, code: str, **fields: Any) -> LocalityRow:
        return await self._upsert_by_code(LocalityRow, code, fields)
