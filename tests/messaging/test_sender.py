"""The outbox sender survives: outcomes recorded as each platform answers, leases named and renewed,
a stop that finishes the row in hand, and webhooks refused while the outbox is behind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.app import App, compose, create_app
from bot.channels.base import DeliveryError, Transport
from bot.clock import as_utc
from bot.config import Settings
from bot.messaging.backpressure import RETRY_AFTER_SECONDS, OutboxPressure
from bot.messaging.outbox import OutboxSender, reclaim_sender
from tests.harness import FakeClock


class Recording(Transport):
    """Keeps what was sent, in order; runs `during` (a check made mid-batch) before each send."""

    def __init__(self, during: Callable[[str, dict[str, Any]], Any] | None = None) -> None:
        self.sent: list[str] = []
        self.during = during

    async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
        if self.during is not None:
            await self.during(chat_id, payload)
        self.sent.append(f"{chat_id}:{payload['text']}")
        return f"m{len(self.sent)}"


async def _rows(app: App, clock: FakeClock, chats: int, each: int, channel: str = "rec") -> list[int]:
    """`each` rows for each of `chats` chats, interleaved the way replies to several people arrive."""
    ids: list[int] = []
    async with app.uow() as uow:
        for i in range(each):
            for chat in range(chats):
                ids.append((await uow.outbox.add(channel, f"c{chat}", {"text": str(i)}, clock())).id)
        await uow.commit()
    return ids


async def _status(app: App, row_id: int) -> tuple[str, str | None]:
    async with app.uow() as uow:
        row = await uow.outbox.get(row_id)
        assert row is not None
        return row.status, row.leased_by


async def test_each_outcome_is_recorded_as_soon_as_the_platform_answers(app: App, clock: FakeClock) -> None:
    """A round's rows go side by side; the first to be answered is recorded as sent while the others
    are still with their platform: a crash now would send again only the rows in hand (not the
    whole round, as when outcomes were recorded after the batch)."""
    ids = await _rows(app, clock, chats=3, each=1)
    seen: dict[str, list[tuple[str, str | None]]] = {}

    async def first_answers_first(chat: str, _payload: dict[str, Any]) -> None:
        if chat == "c0":
            return
        for _ in range(500):  # until the sender has recorded c0's answer
            if await _status(app, ids[0]) == ("sent", None):
                break
            await asyncio.sleep(0.01)
        seen[chat] = [await _status(app, ids[0]), await _status(app, ids[int(chat[1:])])]

    sender = app.sender({"rec": Recording(first_answers_first)})
    assert await sender.run_once() == 3
    assert seen == {chat: [("sent", None), ("sending", sender.id)] for chat in ("c1", "c2")}
    async with app.uow() as uow:
        for row_id in ids:
            assert [a.outcome for a in await uow.outbox.attempts(row_id)] == ["sent"]
            assert (await uow.outbox.get(row_id)) is not None


async def test_answers_that_arrive_together_are_recorded_in_one_statement(app: App, clock: FakeClock) -> None:
    """Ten chats answered at once cost one recording transaction, not ten (on PostgreSQL a single
    statement), and each row gets its own attempt and its platform id."""
    ids = await _rows(app, clock, chats=10, each=1)
    transactions: list[int] = []
    sender = app.sender({"rec": Recording()})
    recording = sender._record

    async def counted(answered: list[Any]) -> None:
        transactions.append(len(answered))
        await recording(answered)

    sender._record = counted  # type: ignore[method-assign]
    assert await sender.run_once() == 10
    assert transactions == [10]
    async with app.uow() as uow:
        external = set()
        for row_id in ids:
            row = await uow.outbox.get(row_id)
            assert row is not None and row.status == "sent" and row.leased_by is None
            external.add(row.external_id)
            assert [(a.attempt, a.outcome) for a in await uow.outbox.attempts(row_id)] == [(1, "sent")]
    assert external == {f"m{n}" for n in range(1, 11)}


async def test_a_stopped_sender_finishes_the_rows_in_hand_and_hands_back_the_rest(app: App, clock: FakeClock) -> None:
    ids = await _rows(app, clock, chats=4, each=1)
    stop = asyncio.Event()

    async def stop_now(_chat: str, _payload: dict[str, Any]) -> None:
        stop.set()  # SIGTERM arrives while the first rows are with the platform

    transport = Recording(stop_now)
    sender = app.sender({"rec": transport})
    sender.concurrency = 2
    assert await sender.run_once(stop) == 2
    assert sorted(transport.sent) == ["c0:0", "c1:0"]
    for row_id in ids[:2]:
        assert await _status(app, row_id) == ("sent", None)
    for row_id in ids[2:]:
        assert await _status(app, row_id) == ("pending", None)
    other = app.sender({"rec": Recording()})  # due at once for any sender, not after the lease
    assert await other.run_once() == 2


async def test_a_dead_senders_rows_return_when_its_short_lease_runs_out(app: App, clock: FakeClock) -> None:
    """A sender leases a batch and dies. On PostgreSQL other senders may be alive, so the lease
    decides: its rows are taken again after the settings' short lease, not minutes later."""
    ids = await _rows(app, clock, chats=2, each=1)
    dead = app.sender({"rec": Recording()})
    async with app.uow() as uow:
        assert len(await uow.outbox.lease_due(clock(), 10, ["rec"], dead.lease, by=dead.id)) == 2
        await uow.commit()
    assert dead.lease == timedelta(seconds=app.settings.outbox_lease_seconds) == timedelta(seconds=6)
    transport = Recording()
    alive = app.sender({"rec": transport})
    assert alive.id != dead.id
    clock.advance(seconds=5)
    assert await alive.run_once() == 0  # still the dead one's, for all this sender can know
    clock.advance(seconds=2)
    assert await alive.drain() == 2
    assert sorted(transport.sent) == ["c0:0", "c1:0"]
    assert [await _status(app, i) for i in ids] == [("sent", None), ("sent", None)]


async def test_a_replacement_takes_back_the_dead_senders_rows_at_once(app: App, clock: FakeClock) -> None:
    """`serve --workers` restarts a dead child with the dead sender's name: its rows go out now,
    not after the lease; a live sender's rows stay with it (on PostgreSQL, where several run)."""
    ids = await _rows(app, clock, chats=3, each=1)
    dead, alive = app.sender({"rec": Recording()}), app.sender({"rec": Recording()})
    async with app.uow() as uow:
        assert len(await uow.outbox.lease_due(clock(), 2, ["rec"], dead.lease, by=dead.id)) == 2
        assert len(await uow.outbox.lease_due(clock(), 1, ["rec"], alive.lease, by=alive.id)) == 1
        await uow.commit()
    transport = Recording()
    replacement = OutboxSender(app.database, {"rec": transport}, clock, reclaim=(dead.id,))
    serial = app.database.serial is not None
    assert await replacement.recover() == (3 if serial else 2)
    assert await replacement.drain() == (3 if serial else 2)
    assert sorted(transport.sent) == (["c0:0", "c1:0", "c2:0"] if serial else ["c0:0", "c1:0"])
    assert await _status(app, ids[2]) == (("sent", None) if serial else ("sending", alive.id))


async def test_a_sender_reclaims_nothing_on_postgresql_unless_told_whose(app: App, clock: FakeClock) -> None:
    await _rows(app, clock, chats=1, each=1)
    other = app.sender({"rec": Recording()})
    async with app.uow() as uow:
        await uow.outbox.lease_due(clock(), 1, ["rec"], other.lease, by=other.id)
        await uow.commit()
    fresh = app.sender({"rec": Recording()})
    assert await fresh.recover() == (1 if app.database.serial is not None else 0)


async def test_the_lease_is_renewed_while_sending(app: App, clock: FakeClock) -> None:
    """A send that outlasts the lease keeps its row: the heartbeat renews it, so no other sender
    takes (and sends again) a row in hand."""
    [row_id] = await _rows(app, clock, chats=1, each=1)
    other = app.sender({"rec": Recording()})
    taken: list[int] = []

    async def slow_platform(_chat: str, _payload: dict[str, Any]) -> None:
        async with app.uow() as uow:
            first = await uow.outbox.get(row_id)
            assert first is not None
            leased_until = as_utc(first.next_attempt_at)
        clock.advance(seconds=8)
        for _ in range(500):  # until the heartbeat has renewed the lease from the new time
            async with app.uow() as uow:
                row = await uow.outbox.get(row_id)
                assert row is not None
                if as_utc(row.next_attempt_at) > leased_until:
                    break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the lease was never renewed")
        clock.advance(seconds=8)  # past the first lease: without the renewal the row would be free
        taken.append(await other.run_once())

    sender = OutboxSender(app.database, {"rec": Recording(slow_platform)}, clock, heartbeat_seconds=0.02)
    assert await sender.run_once() == 1
    assert taken == [0]
    assert await _status(app, row_id) == ("sent", None)


async def test_a_sender_that_lost_its_lease_does_not_overwrite_the_new_holder(app: App, clock: FakeClock) -> None:
    [row_id] = await _rows(app, clock, chats=1, each=1)

    async def stall(_chat: str, _payload: dict[str, Any]) -> None:
        # This sender stalls past its lease (no heartbeat got through) and another takes the row.
        clock.advance(seconds=11)
        async with app.uow() as uow:
            assert len(await uow.outbox.lease_due(clock(), 10, ["rec"], timedelta(seconds=10), by="newer")) == 1
            await uow.commit()

    stalled = OutboxSender(app.database, {"rec": Recording(stall)}, clock, heartbeat_seconds=3600)
    assert await stalled.run_once() == 1
    assert await _status(app, row_id) == ("sending", "newer")
    async with app.uow() as uow:
        assert await uow.outbox.attempts(row_id) == []


async def test_per_chat_order_holds_across_batches_and_retries(app: App, clock: FakeClock) -> None:
    await _rows(app, clock, chats=3, each=4)
    failures = {"c1:1": 1}

    async def flaky(chat: str, payload: dict[str, Any]) -> None:
        key = f"{chat}:{payload['text']}"
        if failures.get(key):
            failures[key] -= 1
            raise DeliveryError("502 bad gateway", retry_after=5)

    transport = Recording(flaky)
    sender = app.sender({"rec": transport})
    for _ in range(10):
        await sender.drain()
        clock.advance(seconds=6)
    for chat in range(3):
        assert [s.split(":")[1] for s in transport.sent if s.startswith(f"c{chat}:")] == ["0", "1", "2", "3"]


async def test_pressure_counts_only_rows_a_sender_could_take(app: App, clock: FakeClock) -> None:
    now = [0.0]
    pressure = OutboxPressure(app.database, clock, ["rec"], timedelta(seconds=30), monotonic=lambda: now[0])
    assert await pressure.retry_after() is None  # an empty outbox
    await _rows(app, clock, chats=1, each=2)
    async with app.uow() as uow:  # a row for a channel no sender here serves, and a held one
        await uow.outbox.add("elsewhere", "x", {"text": "later"}, clock())
        await uow.outbox.add("rec", "h", {"text": "held"}, clock(), status="held")
        await uow.commit()
    clock.advance(seconds=20)
    now[0] += 2
    assert await pressure.retry_after() is None  # waiting 20 s, under the bound
    clock.advance(seconds=20)
    assert await pressure.retry_after() is None  # the answer is kept for a second
    now[0] += 2
    assert await pressure.retry_after() == RETRY_AFTER_SECONDS

    class Failing(Transport):
        async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
            raise DeliveryError("502", retry_after=300)

    # The chat's first row now waits out a retry: the row behind it is not due, so not "behind".
    await app.sender({"rec": Failing()}).run_once()
    now[0] += 2
    assert await pressure.retry_after() is None


@pytest.fixture
async def webhook_app(database_url: str, tmp_path: Path, clock: FakeClock) -> AsyncIterator[App]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        data_dir=tmp_path,
        telegram_token=SecretStr("123456:TEST-token"),
        telegram_api_base="http://127.0.0.1:9",  # never called: nothing is sent in these tests
        telegram_webhook_url="http://127.0.0.1:8080",
        telegram_webhook_secret=SecretStr("tg-secret-0123456789"),
        zalo_bot_token=SecretStr("zalo-token"),
        zalo_api_base="http://127.0.0.1:9",
        zalo_webhook_secret=SecretStr("zalo-secret-0123456789"),
    )
    application = await create_app(settings, clock)
    yield application
    await application.close()


@pytest.mark.parametrize(
    ("path", "header", "secret"),
    [
        ("/telegram/webhook", "X-Telegram-Bot-Api-Secret-Token", "tg-secret-0123456789"),
        ("/zalo/webhook", "X-Bot-Api-Secret-Token", "zalo-secret-0123456789"),
    ],
)
async def test_webhooks_answer_503_while_the_outbox_is_behind(
    webhook_app: App, clock: FakeClock, path: str, header: str, secret: str
) -> None:
    app = webhook_app
    services = compose(app)
    pressure = services.web.state.outbox_pressure
    assert isinstance(pressure, OutboxPressure) and set(pressure.channels) == {"telegram", "zalo"}
    pressure.cache_seconds = 0  # every request asks afresh, for the test
    async with app.uow() as uow:
        row = await uow.outbox.add("telegram", "5001", {"text": "late"}, clock())
        await uow.commit()
    clock.advance(seconds=app.settings.outbox_backpressure_seconds + 1)
    transport = httpx.ASGITransport(app=services.web)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://hoanhap") as client:
            assert (await client.post(path, content=b"{}", headers={header: "wrong"})).status_code == 401
            refused = await client.post(path, content=b"{not json", headers={header: secret})
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
            async with app.uow() as uow:
                late = await uow.outbox.get(row.id)
                assert late is not None
                late.status = "sent"  # the senders caught up
                await uow.commit()
            assert (await client.post(path, content=b"{not json", headers={header: secret})).status_code == 400
    finally:
        await services.close()


async def test_reclaiming_a_dead_sender_frees_its_rows_only(app: App, clock: FakeClock) -> None:
    ids = await _rows(app, clock, chats=3, each=1)
    async with app.uow() as uow:
        assert len(await uow.outbox.lease_due(clock(), 2, ["rec"], timedelta(seconds=6), by="dead")) == 2
        assert len(await uow.outbox.lease_due(clock(), 1, ["rec"], timedelta(seconds=6), by="alive")) == 1
        assert await uow.outbox.mark_started(ids[1], "dead")  # a notice it was handing over
        await uow.commit()
    assert await reclaim_sender(app.database, clock(), "dead") == 2
    assert await _status(app, ids[0]) == ("pending", None)  # due now for any sender
    async with app.uow() as uow:
        notice = await uow.outbox.get(ids[1])
        assert notice is not None and notice.status == "failed"  # may have gone: never sent twice
    assert await _status(app, ids[2]) == ("sending", "alive")


async def test_webhooks_holding_every_pooled_connection_do_not_hold_the_replies_back(
    app: App, clock: FakeClock
) -> None:
    """On PostgreSQL the sender has connections of its own: with every connection of the messages'
    pool (and its overflow) taken, a round still leases, sends and records."""
    if app.sender_database is None:
        pytest.skip("SQLite: one process, one writer; the sender shares its database")
    ids = await _rows(app, clock, chats=2, each=1)
    engine = app.database.engine
    held = [await engine.connect() for _ in range(engine.pool.size() + app.database.engine.pool._max_overflow)]  # type: ignore[attr-defined]
    try:
        transport = Recording()
        sender = app.sender({"rec": transport})
        assert await asyncio.wait_for(sender.run_once(), 10) == 2
    finally:
        for connection in held:
            await connection.close()
    assert transport.sent == ["c0:0", "c1:0"]
    assert [(await _status(app, row_id))[0] for row_id in ids] == ["sent", "sent"]
