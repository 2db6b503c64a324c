"""Notices go at most once: a sender that dies while a notice is with the platform leaves it failed
(it may have gone), never sent again; other rows are sent again as before."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.storage.repos.listing_alerts import ALERT_KIND
from bot.storage.repos.outbox import ABANDONED
from tests.harness import CHANNEL, CollectingTransport, FakeClock


async def _dies_while_sending(app: App, kinds: list[str]) -> list[int]:
    """Rows leased and started by a sender that then dies (nothing recorded); their ids."""
    async with app.uow() as uow:
        ids = [
            (await uow.outbox.add(CHANNEL, f"c{n}", {"text": f"t{n}"}, app.clock(), kind=k)).id
            for n, k in enumerate(kinds)
        ]
        await uow.commit()
    async with app.uow() as uow:
        await uow.outbox.lease_due(app.clock(), 10, [CHANNEL], timedelta(seconds=6), by="dead")
        for row_id, kind in zip(ids, kinds, strict=True):
            if kind == ALERT_KIND:
                assert await uow.outbox.mark_started(row_id, "dead")
        await uow.commit()
    return ids


async def test_a_started_notice_is_not_sent_again_after_its_sender_died(app: App, clock: FakeClock) -> None:
    notice, reply = await _dies_while_sending(app, [ALERT_KIND, "message"])
    clock.advance(seconds=7)  # the dead sender's lease ran out (PostgreSQL's way; SQLite's start is sooner)
    transport = CollectingTransport()
    sender = app.sender({CHANNEL: transport})
    await sender.recover()
    await sender.drain()
    assert dict(transport.kinds) == {"c1": ["message"]}
    async with app.uow() as uow:
        row = await uow.outbox.get(notice)
        assert row is not None and (row.status, row.last_error) == ("failed", ABANDONED)
        sent = await uow.outbox.get(reply)
        assert sent is not None and sent.status == "sent"


async def test_a_live_sender_keeps_its_started_notice(app: App, clock: FakeClock) -> None:
    (notice,) = await _dies_while_sending(app, [ALERT_KIND])
    async with app.uow() as uow:
        assert await uow.outbox.renew_leases("dead", clock() + timedelta(seconds=6)) == 1  # still alive, in fact
        await uow.commit()
    clock.advance(seconds=3)
    async with app.uow() as uow:
        assert await uow.outbox.lease_due(clock(), 10, [CHANNEL], timedelta(seconds=6), by="other") == []
        await uow.commit()
    async with app.uow() as uow:
        row = await uow.outbox.get(notice)
        assert row is not None and row.status == "started"


async def test_notices_go_once_through_the_sender(app: App) -> None:
    async with app.uow() as uow:
        for n in range(5):
            await uow.outbox.add(CHANNEL, f"c{n}", {"text": "new job"}, app.clock(), kind=ALERT_KIND)
        await uow.commit()
    transport = CollectingTransport()
    assert await app.sender({CHANNEL: transport}).drain() == 5
    assert {chat: kinds for chat, kinds in transport.kinds.items()} == {f"c{n}": [ALERT_KIND] for n in range(5)}
    async with app.uow() as uow:
        assert await uow.outbox.count("sent") == 5


async def test_a_sender_known_dead_has_its_started_notice_failed_at_once(app: App) -> None:
    # (no clock moved: a supervisor's restarted child names the dead one, on PostgreSQL too)
    notice, _ = await _dies_while_sending(app, [ALERT_KIND, "message"])
    transport = CollectingTransport()
    sender = app.sender({CHANNEL: transport})
    sender.reclaim = ("dead",)
    await sender.recover()
    await sender.drain()
    assert dict(transport.kinds) == {"c1": ["message"]}
    async with app.uow() as uow:
        row = await uow.outbox.get(notice)
        assert row is not None and row.status == "failed"
