"""A published listing's notices: each matching subscriber told once, through the outbox, whatever
crashes or runs twice; nobody who erased their data or stopped the alerts; nothing for a closed listing."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.app import App
from bot.listings.alerts.broadcast import broadcast_batch, broadcast_round
from bot.listings.service import close_listing, create_listing, publish_listing
from bot.privacy.retention import retention_round
from bot.storage.repos.listing_alerts import ALERT_KIND
from handlers.messages import CHOICE, IncomingMessage
from tests.harness import CHANNEL, CollectingTransport, FakeClock, Person
from tests.listings.helpers import TODAY, typed

TZ = "Asia/Ho_Chi_Minh"


async def _subscribe(app: App, chat_id: str, kind: str, commune: str, trade: str = "") -> int:
    async with app.uow() as uow:
        conversation = await uow.conversations.get_or_create(CHANNEL, chat_id, chat_id, app.clock())
        done = await uow.listing_alerts.subscribe(conversation.id, kind, commune, trade, app.clock())
        assert done is not None
        await uow.commit()
    return done[0].id


async def _listing(app: App, *, publish: bool = True, **changes: object) -> int:
    async with app.uow() as uow:
        row = await create_listing(
            uow, typed(**changes), agency_code="demo-vieclam", actor="t", now=app.clock(), today=TODAY, publish=publish
        )
        await uow.commit()
    return row.id


async def test_each_matching_subscriber_is_told_once(demo_app: App) -> None:
    # a welding job in Gia Lộc: who matches and who does not
    await _subscribe(demo_app, "same-commune", "job", "mh-gia-loc")
    await _subscribe(demo_app, "same-trade", "any", "mh-gia-loc", "HÀN")
    await _subscribe(demo_app, "whole-province", "job", "")
    await _subscribe(demo_app, "twice", "job", "mh-gia-loc")
    await _subscribe(demo_app, "twice", "any", "")  # two subscriptions, one notice
    await _subscribe(demo_app, "other-commune", "job", "mh-an-hoa")
    await _subscribe(demo_app, "other-kind", "course", "mh-gia-loc")
    await _subscribe(demo_app, "other-trade", "job", "mh-gia-loc", "may")
    listing = await _listing(demo_app)
    # small batches: the cursor walks the subscriptions across several transactions
    written = await broadcast_round(demo_app.database, demo_app.texts, demo_app.clock, TZ, batch=2)
    assert written == 4
    assert await broadcast_round(demo_app.database, demo_app.texts, demo_app.clock, TZ, batch=2) == 0
    transport = CollectingTransport()
    await demo_app.sender({CHANNEL: transport}).drain()
    got = {chat: len(messages) for chat, messages in transport.sent.items()}
    assert got == {"same-commune": 1, "same-trade": 1, "whole-province": 1, "twice": 1}
    notice = transport.sent["same-commune"][0]
    assert "Việc làm mới: Thợ hàn khung thép" in notice.text
    assert "Nhận người có tiền án" in notice.text and "Xã Gia Lộc" in notice.text
    assert [c.id.split(":")[:2] for c in notice.choices] == [["alert", "stop"]]
    async with demo_app.uow() as uow:
        assert await uow.listing_alerts.delivered(listing) == 4


async def test_a_listing_for_the_whole_province_reaches_every_commune(demo_app: App) -> None:
    await _subscribe(demo_app, "a", "job", "mh-gia-loc")
    await _subscribe(demo_app, "b", "job", "mh-an-hoa")
    await _subscribe(demo_app, "c", "course", "mh-an-hoa")
    await _listing(demo_app, locality="")
    assert await broadcast_round(demo_app.database, demo_app.texts, demo_app.clock, TZ) == 2


async def test_publishing_a_draft_queues_it_and_a_closed_one_tells_nobody(demo_app: App, clock: FakeClock) -> None:
    await _subscribe(demo_app, "a", "job", "mh-gia-loc")
    draft = await _listing(demo_app, publish=False)
    assert await broadcast_round(demo_app.database, demo_app.texts, demo_app.clock, TZ) == 0
    async with demo_app.uow() as uow:
        await publish_listing(uow, draft, actor="t", now=clock(), today=TODAY)
        await uow.commit()
    other = await _listing(demo_app, title="Thợ hàn thứ hai")
    async with demo_app.uow() as uow:
        await close_listing(uow, other, actor="t", now=clock())
        await uow.commit()
    assert await broadcast_round(demo_app.database, demo_app.texts, demo_app.clock, TZ) == 1
    async with demo_app.uow() as uow:
        assert await uow.listing_alerts.delivered(draft) == 1
        assert await uow.listing_alerts.delivered(other) == 0


async def test_a_crash_mid_broadcast_and_a_rerun_tell_nobody_twice(demo_app: App) -> None:
    for n in range(7):
        await _subscribe(demo_app, f"p{n}", "job", "mh-gia-loc")
    listing = await _listing(demo_app)
    # the first batch is committed; the second crashes before its commit
    async with demo_app.uow() as uow:
        assert await broadcast_batch(uow, demo_app.texts, listing, now=demo_app.clock(), tz_name=TZ, batch=3) == 3
        await uow.commit()
    with pytest.raises(RuntimeError):
        async with demo_app.uow() as uow:
            assert await broadcast_batch(uow, demo_app.texts, listing, now=demo_app.clock(), tz_name=TZ, batch=3) == 3
            raise RuntimeError("killed")
    # and a cursor lost (a round that ran from the start again): the UNIQUE key holds
    async with demo_app.uow() as uow:
        await uow.listing_alerts.advance(listing, 0, None)
        await uow.commit()
    assert await broadcast_round(demo_app.database, demo_app.texts, demo_app.clock, TZ, batch=3) == 4
    transport = CollectingTransport()
    await demo_app.sender({CHANNEL: transport}).drain()
    assert {chat: len(m) for chat, m in transport.sent.items()} == {f"p{n}": 1 for n in range(7)}


async def test_people_who_erased_their_data_get_nothing(demo_app: App) -> None:
    person = Person(demo_app, "erased")
    await person.start()
    await _subscribe(demo_app, "erased", "job", "mh-gia-loc")
    await _subscribe(demo_app, "erased-later", "job", "mh-gia-loc")
    await _subscribe(demo_app, "kept", "job", "mh-gia-loc")
    await person.says("/xoadulieu")
    await person.presses("data:eraseyes")
    first = await _listing(demo_app)
    assert await broadcast_round(demo_app.database, demo_app.texts, demo_app.clock, TZ) == 2
    # erased after the notice was written but before it went: it does not go
    for n, fields in enumerate(({"text": "/xoadulieu"}, {"kind": CHOICE, "choice": "data:eraseyes"})):
        message = IncomingMessage(CHANNEL, "erased-later", "erased-later", update_id=f"later-{n}", **fields)
        await demo_app.processor.process(message)  # no sender runs meanwhile
    transport = CollectingTransport()
    await demo_app.sender({CHANNEL: transport}).drain()
    # (the people's own senders share the channel: what either delivered counts)
    alerts = Counter(
        chat for t in (transport, person.transport) for chat, kinds in t.kinds.items() for k in kinds if k == ALERT_KIND
    )
    assert alerts == {"kept": 1}
    async with demo_app.uow() as uow:
        for chat in ("erased", "erased-later"):
            conversation = await uow.conversations.get_for_update(CHANNEL, chat)
            assert conversation is not None
            assert await uow.listing_alerts.of(conversation.id) == []
        assert await uow.listing_alerts.delivered(first) == 1


async def test_the_stop_button_stops_the_next_notice(demo_app: App, clock: FakeClock) -> None:
    person = Person(demo_app, "p1")
    await person.start()
    await _subscribe(demo_app, "p1", "job", "mh-gia-loc")
    await _listing(demo_app)
    await broadcast_round(demo_app.database, demo_app.texts, demo_app.clock, TZ)
    notices = await person.collect()
    assert len(notices) == 1 and "Thợ hàn khung thép" in notices[0].text
    await person.presses("Hủy nhận tin")
    assert "Đã hủy đăng ký này" in person.text
    await person.presses_raw(notices[0].choices[0].id)  # pressed again: already gone
    assert "đã được hủy từ trước" in person.text
    clock.advance(minutes=1)
    await _listing(demo_app, title="Thợ hàn ca đêm")
    assert await broadcast_round(demo_app.database, demo_app.texts, demo_app.clock, TZ) == 0
    assert await person.collect() == []


async def test_unsubscribing_drops_the_notices_not_sent_yet(demo_app: App) -> None:
    person = Person(demo_app, "p1")
    await person.start()
    await _subscribe(demo_app, "p1", "job", "mh-gia-loc")
    await _listing(demo_app)
    await broadcast_round(demo_app.database, demo_app.texts, demo_app.clock, TZ)
    async with demo_app.uow() as uow:
        conversation = await uow.conversations.get_for_update(CHANNEL, "p1")
        assert conversation is not None
        assert await uow.listing_alerts.remove(conversation.id) == 1
        await uow.commit()
    transport = CollectingTransport()
    await demo_app.sender({CHANNEL: transport}).drain()
    assert transport.sent == {}


async def test_a_standing_subscription_outlives_the_idle_conversation_round(demo_app: App, clock: FakeClock) -> None:
    """Retention forgets conversations silent for months, but not one whose person asked to be told
    of new listings until they say stop: that silence is the subscription working."""
    await _subscribe(demo_app, "quiet-subscriber", "job", "mh-gia-loc")
    async with demo_app.uow() as uow:
        await uow.conversations.get_or_create(CHANNEL, "quiet-other", "quiet-other", clock())
        await uow.commit()
    clock.advance(days=demo_app.settings.retention_transcript_days + 1)
    report = await retention_round(demo_app.database, demo_app.settings, clock())
    assert report.conversations == 1
    async with demo_app.uow() as uow:
        kept = await uow.conversations.find(CHANNEL, "quiet-subscriber")
        other = await uow.conversations.find(CHANNEL, "quiet-other")
        assert kept is not None and kept.user_id == "quiet-subscriber"
        assert len(await uow.listing_alerts.of(kept.id)) == 1
        assert other is not None and other.user_id == ""
