"""Storage on a real database: dedupe, the outbox's order and retries, the knowledge base round trip."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import DateTime, Float, MetaData, Text
from sqlalchemy.exc import IntegrityError

from bot.app import App
from bot.channels.base import DeliveryError, Transport
from bot.storage.database import schema_is_current
from bot.storage.errors import DuplicateRow
from bot.storage.models import Base, FaqEntryRow, InboundUpdateRow
from knowledge_base.faq import load_directory
from tests.harness import FakeClock
from tests.storage.sessions import session_of


async def test_migrations_are_current_and_idempotent(app: App) -> None:
    from bot.storage.database import migrate

    assert await schema_is_current(app.database.engine)
    await migrate(app.database.engine)  # a second start migrates nothing
    assert await schema_is_current(app.database.engine)


async def test_shipped_knowledge_base_is_imported_once(app: App) -> None:
    async with app.uow() as uow:
        entries = await uow.faq.all()
    assert {e.slug for e in entries} == {e.slug for e in load_directory()}
    from bot.faq.knowledge import import_shipped_if_empty

    async with app.uow() as uow:
        assert await import_shipped_if_empty(uow, app.clock()) == 0


async def test_an_update_is_recorded_once(app: App, clock: FakeClock) -> None:
    async with app.uow() as uow:
        assert await uow.inbound.record("telegram", "42", clock())
        assert not await uow.inbound.record("telegram", "42", clock())
        assert await uow.inbound.record("zalo", "42", clock())
        await uow.commit()


async def test_a_redelivered_message_has_its_effects_once(app: App) -> None:
    from handlers.messages import IncomingMessage

    message = IncomingMessage(channel="test", chat_id="c", text="vay von", update_id="u-1")
    assert await app.processor.process(message)
    async with app.uow() as uow:
        replies = len(await uow.outbox.pending_for_chat("test", "c"))  # the greeting and the answer
    assert not await app.processor.process(message)
    async with app.uow() as uow:
        assert len(await uow.outbox.pending_for_chat("test", "c")) == replies == 2
        assert len(await uow.match_log.recent()) == 1


class FlakyTransport(Transport):
    """429 once, then a 500, then success; records the order messages arrive in."""

    def __init__(self) -> None:
        self.calls = 0
        self.delivered: list[str] = []

    async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
        self.calls += 1
        if self.calls == 1:
            raise DeliveryError("429", retry_after=3)
        if self.calls == 2:
            raise DeliveryError("500")
        self.delivered.append(f"{chat_id}:{payload['text']}")
        return ""


async def test_outbox_retries_and_keeps_order_per_chat(app: App, clock: FakeClock) -> None:
    async with app.uow() as uow:
        for i in range(3):
            await uow.outbox.add("flaky", "a", {"text": f"a{i}"}, clock())
        await uow.outbox.add("flaky", "b", {"text": "b0"}, clock())
        await uow.commit()
    transport = FlakyTransport()
    sender = app.sender({"flaky": transport})
    sender.backoff = lambda attempts: 10.0  # type: ignore[method-assign]
    for _ in range(20):
        await sender.drain()
        clock.advance(seconds=30)
    assert [d for d in transport.delivered if d.startswith("a")] == ["a:a0", "a:a1", "a:a2"]
    assert "b:b0" in transport.delivered
    async with app.uow() as uow:
        assert await uow.outbox.count("pending") == 0
        assert await uow.outbox.count("sent") == 4


async def test_a_blocked_chat_fails_for_good_and_is_marked(app: App, clock: FakeClock) -> None:
    class Blocked(Transport):
        async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
            raise DeliveryError("403 blocked", unreachable=True)

    async with app.uow() as uow:
        await uow.conversations.get_or_create("blk", "x", "x", clock())
        await uow.outbox.add("blk", "x", {"text": "hi"}, clock())
        await uow.commit()
    await app.sender({"blk": Blocked()}).drain()
    async with app.uow() as uow:
        conversation = await uow.conversations.get_for_update("blk", "x")
        assert conversation is not None and conversation.unreachable
        assert await uow.outbox.count("failed") == 1


async def test_a_crash_before_commit_leaves_nothing(app: App, clock: FakeClock) -> None:
    class Boom(Exception):
        pass

    try:
        async with app.uow() as uow:
            await uow.inbound.record("test", "crash-1", clock())
            await uow.outbox.add("test", "c", {"text": "never"}, clock())
            raise Boom
    except Boom:
        pass
    async with app.uow() as uow:
        assert await uow.outbox.count() == 0
        assert await uow.inbound.record("test", "crash-1", clock())  # the redelivery is handled afresh


async def test_several_senders_never_send_a_row_twice(app: App, clock: FakeClock) -> None:
    """Two senders at once (PostgreSQL: SKIP LOCKED; SQLite: one at a time): each row once, in order."""
    delivered: list[str] = []

    class Slow(Transport):
        async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
            await asyncio.sleep(0.005)
            delivered.append(f"{chat_id}:{payload['text']}")
            return ""

    async with app.uow() as uow:
        for chat in range(5):
            for i in range(6):
                await uow.outbox.add("slow", f"c{chat}", {"text": str(i)}, clock())
        await uow.commit()
    senders = [app.sender({"slow": Slow()}) for _ in range(2)]
    await asyncio.gather(*(s.drain() for s in senders))
    assert sorted(delivered) == sorted(f"c{c}:{i}" for c in range(5) for i in range(6))
    for chat in range(5):
        assert [d.split(":")[1] for d in delivered if d.startswith(f"c{chat}:")] == [str(i) for i in range(6)]


async def test_a_row_leased_by_a_dead_sender_is_sent_again(app: App, clock: FakeClock) -> None:
    async with app.uow() as uow:
        await uow.outbox.add("slow", "c", {"text": "hello"}, clock())
        await uow.commit()
    async with app.uow() as uow:  # a sender leases the row, then dies before recording anything
        assert len(await uow.outbox.lease_due(clock(), 10, ["slow"], timedelta(seconds=10), by="dead")) == 1
        await uow.commit()
    delivered: list[str] = []

    class Recording(Transport):
        async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
            delivered.append(payload["text"])
            return ""

    sender = app.sender({"slow": Recording()})
    await sender.recover()  # SQLite: one sender per database, so the lease is surely dead
    await sender.drain()
    if app.database.serial is None:  # PostgreSQL: other workers may be alive; the (short) lease decides
        assert delivered == []
        clock.advance(seconds=11)
        await sender.drain()
    assert delivered == ["hello"]


def _schema_differences(connection: Any, metadata: MetaData) -> list[tuple[str, str, str]]:
    """(what, table, column or index) for every change Alembic would generate from `metadata`,
    column types and nullability included."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    found: list[tuple[str, str, str]] = []
    for difference in compare_metadata(context, metadata):
        # Column changes come as a list of (kind, schema, table, column, ...) tuples; the rest as one tuple.
        for change in difference if isinstance(difference, list) else [difference]:
            if change[0].startswith("modify_"):
                found.append((change[0], change[2], change[3]))
            else:
                found.append((change[0], *(str(part) for part in change[1:3])))
    return found


async def test_the_models_match_the_migrations(app: App) -> None:
    """What Alembic would generate from the models is already in the migrations: no table, column,
    index, column type or nullability differs (on SQLite, and on PostgreSQL when it is configured)."""
    async with app.database.engine.connect() as connection:
        differences = await connection.run_sync(_schema_differences, Base.metadata)
    assert differences == []


async def test_the_schema_comparison_sees_types_and_nullability(app: App) -> None:
    """The check above is not vacuous: a column of another type, or nullable, is noticed."""
    altered = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(altered)
    altered.tables["faq_entries"].c.title.type = Text()
    altered.tables["agencies"].c.first_response_hours.type = Float()
    altered.tables["requests"].c.contact_time.nullable = True
    expected = [
        ("modify_nullable", "requests", "contact_time"),
        ("modify_type", "agencies", "first_response_hours"),
        ("modify_type", "faq_entries", "title"),
    ]
    if app.database.engine.dialect.name == "postgresql":  # SQLite keeps no time zone to compare
        altered.tables["requests"].c.created_at.type = DateTime(timezone=False)
        expected.append(("modify_type", "requests", "created_at"))
    async with app.database.engine.connect() as connection:
        differences = await connection.run_sync(_schema_differences, altered)
    assert sorted(differences) == sorted(expected)


async def test_the_web_migration_goes_down_and_up_and_makes_old_requests_searchable(app: App) -> None:
    """0004 on a database with requests: down to 0003 and up again keeps them, now searchable unaccented."""
    from alembic import command
    from sqlalchemy import text

    from bot.storage.database import _alembic_config

    async with app.database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO conversations (channel, chat_id, user_id, locale, state, unreachable, created_at,"
                " updated_at) VALUES ('web', 'old', 'old', 'vi', '{}', false, '2026-01-01', '2026-01-01')"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO requests (code, conversation_id, category, description, locality_code, phone, name,"
                " contact_time, consent_at, status, agency_code, routing, created_at, updated_at)"
                " VALUES ('YC-000001', 1, 'employment', 'Cần việc phụ hồ', 'x', '+84912345678', 'Trần Đức', '',"
                " '2026-01-01', 'new', 'a', '{}', '2026-01-01', '2026-01-01')"
            )
        )
        await connection.run_sync(lambda sync: command.downgrade(_alembic_config(sync), "0003"))
        await connection.run_sync(lambda sync: command.upgrade(_alembic_config(sync), "head"))
        found = (await connection.execute(text("SELECT search_text, agency_since FROM requests"))).one()
    assert found[0] == "yc-000001 tran duc can viec phu ho"
    assert found[1] is not None


async def test_a_duplicate_row_reaches_callers_as_the_storage_layers_error(app: App, clock: FakeClock) -> None:
    """Callers outside bot/storage catch DuplicateRow, never SQLAlchemy's IntegrityError: from a
    repository's savepoint (the transaction goes on) and from the unit of work's commit."""
    async with app.uow() as uow:
        (existing, *_) = await uow.faq.entry_rows()
        twin = FaqEntryRow(
            slug=existing.slug, title="x", status="draft", phrasings=[], keywords=[], answer="x", updated_at=clock()
        )
        with pytest.raises(DuplicateRow):
            await uow.faq.add_entry(twin)
        assert await uow.faq.entry_row(existing.slug) is existing
    with pytest.raises(DuplicateRow) as raised:
        async with app.uow() as uow:
            for _ in range(2):
                session_of(uow).add(InboundUpdateRow(channel="test", update_id="same", received_at=clock()))
            await uow.commit()
    assert isinstance(raised.value.__cause__, IntegrityError)
