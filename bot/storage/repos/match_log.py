"""The questions people asked and what the matcher decided, and the unanswered inbox over them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, and_, func, insert, or_, select, update

from bot.storage.models import MatchLogRow
from bot.storage.repos.base import _Repo
from knowledge_base.matcher import ANSWER, FALLBACK, SUGGEST


def unanswered_questions() -> list[ColumnElement[bool]]:
    """The logged questions left without an answer and not yet handled in the unanswered inbox:
    the fallbacks, and the suggestions the person chose none of."""
    return [
        MatchLogRow.reviewed.is_(None),
        or_(
            MatchLogRow.decision == FALLBACK,
            and_(MatchLogRow.decision == SUGGEST, MatchLogRow.chosen_slug.is_(None)),
        ),
    ]


class MatchLogRepo(_Repo):
    async def record(
        self,
        *,
        channel: str,
        pseudonym: str | None,
        question: str,
        normalized: str,
        decision: str,
        slug: str | None,
        score: float,
        suggestions: Sequence[str],
        now: datetime,
    ) -> int:
        # Built once (module level) and given its values as parameters: on the hot path building the
        # statement again and computing its cache key cost more than the insert itself.
        values = {
            "created_at": now,
            "channel": channel,
            "pseudonym": pseudonym,
            "question": question,
            "normalized": normalized,
            "decision": decision,
            "slug": slug,
            "score": score,
            "suggestions": list(suggestions),
            "chosen_slug": None,
        }
        return int((await self._session.execute(_RECORD, values)).scalar_one())

    async def mark_chosen(self, match_id: int, slug: str) -> None:
        await self._session.execute(update(MatchLogRow).where(MatchLogRow.id == match_id).values(chosen_slug=slug))

    async def recent(self, limit: int = 50) -> list[MatchLogRow]:
        statement = select(MatchLogRow).order_by(MatchLogRow.id.desc()).limit(limit)
        return list((await self._session.execute(statement)).scalars())

    async def unanswered_since(self, since: datetime, limit: int) -> list[tuple[int, str, str, datetime]]:
        """(id, question, normalized, created_at) of the newest `limit` unanswered questions since then."""
        statement = (
            select(MatchLogRow.id, MatchLogRow.question, MatchLogRow.normalized, MatchLogRow.created_at)
            .where(MatchLogRow.created_at >= since, *unanswered_questions())
            .order_by(MatchLogRow.id.desc())
            .limit(limit)
        )
        return [(i, q, n, c) for i, q, n, c in (await self._session.execute(statement)).all()]

    async def unanswered_texts(self, ids: Sequence[int]) -> list[str]:
        """The question texts of those rows still unanswered, newest first."""
        if not ids:
            return []
        statement = (
            select(MatchLogRow.question)
            .where(MatchLogRow.id.in_(list(ids)), *unanswered_questions())
            .order_by(MatchLogRow.id.desc())
        )
        return list((await self._session.execute(statement)).scalars())

    async def mark_reviewed(self, ids: Sequence[int], how: str, now: datetime) -> int:
        """Take those rows still unanswered out of the inbox; how many were."""
        if not ids:
            return 0
        statement = update(MatchLogRow).where(MatchLogRow.id.in_(list(ids)), *unanswered_questions())
        result = await self._session.execute(statement.values(reviewed=how, reviewed_at=now))
        return int(getattr(result, "rowcount", 0) or 0)

    async def uses_since(self, since: datetime) -> dict[str, tuple[int, int]]:
        """Per entry since then: questions answered with it straight away, and times it was chosen
        among suggestions."""
        answered = (
            select(MatchLogRow.slug, func.count())
            .where(MatchLogRow.created_at >= since, MatchLogRow.decision == ANSWER, MatchLogRow.slug.is_not(None))
            .group_by(MatchLogRow.slug)
        )
        chosen = (
            select(MatchLogRow.chosen_slug, func.count())
            .where(MatchLogRow.created_at >= since, MatchLogRow.chosen_slug.is_not(None))
            .group_by(MatchLogRow.chosen_slug)
        )
        found: dict[str, tuple[int, int]] = {}
        for slug, count in (await self._session.execute(answered)).tuples():
            found[str(slug)] = (int(count), 0)
        for slug, count in (await self._session.execute(chosen)).tuples():
            found[str(slug)] = (found.get(str(slug), (0, 0))[0], int(count))
        return found


# On the table, not the mapped class: a Core insert, with none of the ORM's bulk-insert machinery.
_MATCH_LOG = cast(Table, MatchLogRow.__table__)
_RECORD = insert(_MATCH_LOG).returning(_MATCH_LOG.c.id)
