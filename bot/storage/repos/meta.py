"""The database's key/value facts, and the keys the code knows: revision counters that tell every
worker to reload what it caches."""

from __future__ import annotations

from sqlalchemy import delete

from bot.storage.models import Meta
from bot.storage.repos.base import _Repo

# Bumped whenever a published FAQ entry changes: every worker rebuilds its matcher.
KB_REVISION = "kb_revision"
# Bumped whenever agencies, localities or routing rules change.
REFERENCE_REVISION = "reference_revision"


class MetaRepo(_Repo):
    async def get(self, key: str) -> str | None:
        row = await self._session.get(Meta, key)
        return row.value if row else None

    async def get_or_create(self, key: str, value: str) -> str:
        """The stored value, or `value` stored now: two processes starting at once agree on one."""
        await self._insert_unless_present(Meta, {"key": key, "value": value}, ["key"])
        stored = await self.get(key)
        return stored if stored is not None else value

    async def set(self, key: str, value: str) -> None:
        row = await self._session.get(Meta, key, with_for_update=True)
        if row is None:
            self._session.add(Meta(key=key, value=value))
        else:
            row.value = value
        await self._session.flush()

    async def bump(self, key: str) -> int:
        row = await self._session.get(Meta, key, with_for_update=True)
        if row is None:
            row = Meta(key=key, value="0")
            self._session.add(row)
        row.value = str(int(row.value) + 1)
        await self._session.flush()
        return int(row.value)

    async def remove(self, key: str) -> None:
        await self._session.execute(delete(Meta).where(Meta.key == key))
