"""A rotating stand-in for a conversation in the question log: the same within a month (to count
people, not questions), different the next, and meaningless without the key kept in the database."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from bot.storage.unit_of_work import UnitOfWork

PSEUDONYM_KEY = "pseudonym_key"
LENGTH = 16


def _month(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


class Pseudonyms:
    """Read once per process: the key never changes (the month in the input does the rotating)."""

    def __init__(self) -> None:
        self._key: bytes | None = None

    async def load(self, uow: UnitOfWork) -> None:
        if self._key is None:
            self._key = (await uow.meta.get_or_create(PSEUDONYM_KEY, secrets.token_hex(32))).encode()

    def of(self, conversation_id: int, moment: datetime) -> str:
        if self._key is None:
            raise RuntimeError("Pseudonyms.load() first")
        digest = hmac.new(self._key, f"{conversation_id}:{_month(moment)}".encode(), hashlib.sha256)
        return digest.hexdigest()[:LENGTH]

    def recent(self, conversation_id: int, now: datetime, days: int) -> list[str]:
        """The conversation's pseudonyms of every month that touches the last `days` days."""
        months: dict[str, datetime] = {}
        day = now - timedelta(days=days)
        while day <= now:
            months.setdefault(_month(day), day)
            day += timedelta(days=27)
        months.setdefault(_month(now), now)
        return [self.of(conversation_id, moment) for moment in months.values()]
