"""Rate buckets: a counter per key and fixed window, counted in one statement so that every worker
process (and every connection of one) sees the same count."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.storage.models import RateBucketRow
from bot.storage.repos.base import _Repo

# Stale buckets removed in one go at most: the sweep must stay a small part of the request it rides on.
_SWEEP_LIMIT = 500


class RateBucketRepo(_Repo):
    async def hit(self, key: str, now: datetime, window: timedelta) -> tuple[int, datetime]:
        """Count one more for `key`; the count in its current window, and when that window began.

        A window older than `window` starts again at `now`. Insert-or-update in one statement: two
        processes counting the same key at once both count, neither overwrites the other.
        """
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        when = RateBucketRow.window_started_at
        stale = when <= bindparam("cutoff", now - window, type_=when.type)
        started = bindparam("started", now, type_=when.type)
        statement = (
            insert(RateBucketRow)
            .values(key=key, window_started_at=now, count=1)
            .on_conflict_do_update(
                index_elements=["key"],
                set_={
                    "count": case((stale, 1), else_=RateBucketRow.count + 1),
                    "window_started_at": case((stale, started), else_=when),
                },
            )
            .returning(RateBucketRow.count, RateBucketRow.window_started_at)
        )
        count, began = (await self._session.execute(statement)).one()
        return int(count), began

    async def sweep(self, before: datetime) -> int:
        """Forget buckets whose window began before `before`; rows another transaction holds are
        skipped (PostgreSQL), so a sweep never waits on, or deadlocks with, the requests it cleans after."""
        chosen = select(RateBucketRow.key).where(RateBucketRow.window_started_at < before).limit(_SWEEP_LIMIT)
        if self.dialect == "postgresql":
            chosen = chosen.with_for_update(skip_locked=True)
        statement = delete(RateBucketRow).where(RateBucketRow.key.in_(chosen.scalar_subquery()))
        result = await self._session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)
