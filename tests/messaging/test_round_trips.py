"""The hot path's cost in round trips to PostgreSQL: a person's message, from the dedupe to the commit.

Each round trip is a BEGIN, a statement or a COMMIT on the wire; counted by the engine's events
around one message's processing, with the pseudonym key and the matcher already loaded (as they
are in a running process after its first message)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from bot.app import App
from bot.channels.base import Transport
from handlers.messages import IncomingMessage

# BEGIN, dedupe + conversation lock + knowledge-base revision, the question log, the conversation's
# state with the replies, COMMIT.
MOST = 5


@contextmanager
def counted(app: App) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = app.database.engine.sync_engine

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql.split(None, 1)[0].upper())

    def begin(conn: Any) -> None:
        if not _autocommit(conn):  # a unit of one statement sends no BEGIN (UnitOfWork(single=True))
            seen.append("BEGIN")

    def commit(conn: Any) -> None:
        if not _autocommit(conn):
            seen.append("COMMIT")

    listeners = (("before_cursor_execute", statement), ("begin", begin), ("commit", commit))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def _autocommit(conn: Any) -> bool:
    return bool(conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT")


class Accepting(Transport):
    async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
        return "m1"


def question(chat: str, update: str, text: str) -> IncomingMessage:
    return IncomingMessage(channel="telegram", chat_id=chat, user_id=chat, text=text, update_id=update)


async def test_a_question_costs_at_most_five_round_trips(demo_app: App, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("round trips are what PostgreSQL costs; SQLite is in-process")
    await demo_app.processor.process(question("rt-1", "u-0", "xin chao"))  # loads the key and the matcher
    for n, (chat, text) in enumerate(
        [
            ("rt-1", "xin phieu ly lich tu phap o dau"),
            ("rt-2", "moi ra tu tim viec o dau"),
            ("rt-3", "gia vang hom nay"),
        ]
    ):
        with counted(demo_app) as trips:
            assert await demo_app.processor.process(question(chat, f"u-{n + 1}", text))
        assert len(trips) <= MOST, trips


async def test_a_redelivery_costs_three_and_changes_nothing(demo_app: App, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("round trips are what PostgreSQL costs; SQLite is in-process")
    assert await demo_app.processor.process(question("rt-9", "u-9", "moi ra tu tim viec o dau"))
    async with demo_app.uow() as uow:
        before = len(await uow.outbox.pending_for_chat("telegram", "rt-9"))
    with counted(demo_app) as trips:
        assert not await demo_app.processor.process(question("rt-9", "u-9", "moi ra tu tim viec o dau"))
    assert len(trips) <= 3, trips
    async with demo_app.uow() as uow:
        assert len(await uow.outbox.pending_for_chat("telegram", "rt-9")) == before


async def test_sending_a_reply_costs_two_round_trips(demo_app: App, database_url: str) -> None:
    """The lease and the record (both rows answered at once: one statement), each its own transaction;
    and no empty round
    after it to find nothing (only a chat with a later row, or a full batch, is looked at again)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("round trips are what PostgreSQL costs; SQLite is in-process")
    async with demo_app.uow() as uow:
        await uow.outbox.add("rec", "one", {"text": "a"}, demo_app.clock())
        for text in ("b", "c"):
            await uow.outbox.add("rec", "two", {"text": text}, demo_app.clock())
        await uow.commit()
    sender = demo_app.sender({"rec": Accepting()})
    with counted(demo_app) as trips:
        assert await sender.run_once() == 2
    # The first round also looks for notices a dead sender left started (once a second at most).
    assert len(trips) <= 3, trips
    assert sender._again  # chat "two" has a later row, due now
    with counted(demo_app) as trips:
        assert await sender.run_once() == 1
    assert len(trips) <= 2, trips
    assert not sender._again
