"""A person on the web chat, through the real pipeline: unlike the test channel, the web chat keeps
what the person typed (its transcript), which is what the privacy tests must see go."""

from __future__ import annotations

import itertools
import json
from typing import Any

from sqlalchemy import text

from bot.app import App
from bot.channels.webchat import CHANNEL
from handlers.messages import CHOICE, START, TEXT, IncomingMessage, OutgoingMessage
from tests.storage.sessions import session_of

_ids = itertools.count(1)


class WebPerson:
    def __init__(self, app: App, chat_id: str = "web-person-1") -> None:
        self.app, self.chat_id = app, chat_id

    async def _send(self, **fields: Any) -> None:
        message = IncomingMessage(CHANNEL, self.chat_id, self.chat_id, update_id=f"u{next(_ids)}", **fields)
        await self.app.processor.process(message)

    async def start(self) -> None:
        await self._send(kind=START)

    async def says(self, words: str) -> None:
        await self._send(kind=TEXT, text=words, echo=words)

    async def presses(self, choice_id: str, label: str = "") -> None:
        await self._send(kind=CHOICE, choice=choice_id, echo=label)

    async def transcript(self) -> list[str]:
        async with self.app.uow() as uow:
            rows = await uow.outbox.transcript(CHANNEL, self.chat_id, 0)
        return [OutgoingMessage.from_payload(row.payload).text for row in rows]

    async def last(self) -> str:
        return (await self.transcript())[-1]


def spellings(secret: str) -> list[bytes]:
    """How a text may sit in the database: as UTF-8, and escaped inside JSON."""
    return sorted({secret.encode("utf-8"), json.dumps(secret)[1:-1].encode("ascii")})


async def postgres_text_hits(app: App, secrets: list[str]) -> list[str]:
    """Every (table.column, secret) of a text or JSON column of PostgreSQL that holds a secret."""
    hits: list[str] = []
    async with app.uow() as uow:
        session = session_of(uow)
        columns = (
            await session.execute(
                text(
                    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
                    " AND data_type IN ('text', 'character varying', 'json', 'jsonb')"
                )
            )
        ).all()
        for table, column in columns:
            for secret in secrets:
                for spelling in spellings(secret):
                    found = await session.execute(
                        # Names from the catalogue itself, not from input.
                        text(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE :needle'),  # noqa: S608
                        {"needle": f"%{spelling.decode()}%"},
                    )
                    if found.scalar_one():
                        hits.append(f"{table}.{column}: {secret}")
    return hits
