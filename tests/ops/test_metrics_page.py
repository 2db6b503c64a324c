"""/metrics on the web app: what it lists, who may read it, and the figures it reads from the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from bot.app import App
from bot.metrics.exposition import CONTENT_TYPE
from handlers.domain import NewRequest, RoutingDecision
from tests.harness import FakeClock
from tests.ops.scrape import families, samples, value
from tests.storage.sessions import session_of
from tests.web_client import WebClient

TOKEN = "scrape-token-0123456789abcdef"
COUNTERS = {
    "hoanhap_updates_received",
    "hoanhap_updates_duplicate",
    "hoanhap_matcher_decisions",
    "hoanhap_webhook_responses",
    "hoanhap_deliveries",
    "hoanhap_delivery_failures",
}
GAUGES = {
    "hoanhap_database_up",
    "hoanhap_outbox_depth",
    "hoanhap_outbox_oldest_due_age_seconds",
    "hoanhap_requests_open",
    "hoanhap_requests_overdue",
}


def configure(app: App, **changes: object) -> None:
    app.settings = app.settings.model_copy(update=changes)


async def scrape(app: App, address: str = "127.0.0.1", **headers: str) -> tuple[int, str]:
    async with WebClient(app, address=address, headers=headers) as client:
        response = await client.http.get("/metrics")
    if response.status_code == 200:
        assert response.headers["content-type"] == CONTENT_TYPE
        assert "set-cookie" not in response.headers  # a scraper is not a browser
    return response.status_code, response.text


async def test_the_page_lists_every_family_and_parses(app: App) -> None:
    status, page = await scrape(app)
    assert status == 200
    names = families(page)
    assert names >= COUNTERS | GAUGES | {"hoanhap_gc_pause_seconds"}
    assert value(samples(page), "hoanhap_database_up") == 1.0


@pytest.mark.parametrize(
    ("address", "networks", "headers", "allowed"),
    [
        ("127.0.0.1", "", {}, True),
        ("::1", "", {}, True),
        ("::ffff:127.0.0.1", "", {}, True),
        ("10.0.0.7", "", {}, False),
        ("10.0.0.7", "10.0.0.0/24", {}, True),
        ("10.0.1.7", "10.0.0.0/24", {}, False),
        ("203.0.113.5", "", {"Authorization": f"Bearer {TOKEN}"}, True),
        ("203.0.113.5", "", {"Authorization": f"bearer {TOKEN}"}, True),
        ("203.0.113.5", "", {"Authorization": "Bearer wrong-token-0123456789abcdef"}, False),
        ("203.0.113.5", "", {"Authorization": f"Basic {TOKEN}"}, False),
        ("203.0.113.5", "", {"Authorization": "Bearer "}, False),
        ("203.0.113.5", "", {"Authorization": "Bearer " + "x" * 10_000}, False),
        # a proxy on the same host forwards the world's requests from 127.0.0.1: not local then
        ("127.0.0.1", "", {"X-Forwarded-For": "203.0.113.5"}, False),
        ("127.0.0.1", "", {"X-Real-IP": "203.0.113.5"}, False),
        ("127.0.0.1", "", {"Forwarded": "for=203.0.113.5"}, False),
        # ... but a forged header cannot open the page from outside either
        ("203.0.113.5", "", {"X-Forwarded-For": "127.0.0.1"}, False),
        ("unknown", "", {}, False),
    ],
)
async def test_who_may_read_it(app: App, address: str, networks: str, headers: dict[str, str], allowed: bool) -> None:
    configure(app, metrics_networks=networks, metrics_token=SecretStr(TOKEN))
    status, page = await scrape(app, address, **headers)
    assert status == (200 if allowed else 404)
    assert ("hoanhap_database_up" in page) is allowed


async def test_a_trusted_proxy_tells_who_the_client_is(app: App) -> None:
    configure(app, trusted_proxies="127.0.0.1", metrics_networks="10.0.0.0/8")
    assert (await scrape(app, "127.0.0.1", **{"X-Forwarded-For": "10.2.3.4"}))[0] == 200
    assert (await scrape(app, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.5"}))[0] == 404
    assert (await scrape(app, "127.0.0.1", **{"X-Forwarded-For": "not-an-address"}))[0] == 200  # the proxy itself


async def test_no_token_configured_opens_nothing(app: App) -> None:
    configure(app, metrics_token=None)
    assert (await scrape(app, "203.0.113.5", Authorization="Bearer "))[0] == 404
    assert (await scrape(app, "203.0.113.5", Authorization="Bearer None"))[0] == 404


async def _request(app: App, agency: str, chat: str) -> str:
    async with app.uow() as uow:
        now = app.clock()
        conversation = await uow.conversations.get_or_create("test", chat, chat, now)
        code = await uow.requests.create(
            NewRequest(
                conversation_id=conversation.id,
                category="employment",
                description="Tôi cần tìm việc làm",
                locality_code="mh-an-hoa",
                phone="0356789012",
                name="",
                contact_time="any",
                consent_at=now,
                routing=RoutingDecision(agency, None, "test", "test"),
            ),
            now,
        )
        await uow.commit()
    return code


async def test_gauges_are_read_from_the_rows(demo_app: App, clock: FakeClock) -> None:
    app = demo_app
    await _request(app, "demo-vieclam", "p1")
    await _request(app, "demo-vieclam", "p2")
    await _request(app, "demo-ubnd", "p3")
    closed = await _request(app, "demo-ubnd", "p4")
    async with app.uow() as uow:
        await uow.requests.set_status(closed, "resolved", clock())
        await uow.outbox.add("telegram", "7", {"text": "due long ago"}, clock())
        await uow.outbox.add("telegram", "8", {"text": "sent"}, clock(), status="sent")
        await uow.outbox.add("zalo", "9", {"text": "due now"}, clock())
        await uow.commit()
    clock.advance(days=5)  # well past 8 working hours: the three open requests are overdue
    await _request(app, "demo-vieclam", "p5")  # new now: open, not overdue
    async with app.uow() as uow:
        await uow.outbox.add("zalo", "9", {"text": "queued behind the first"}, clock())
        later = await uow.outbox.add("telegram", "10", {"text": "a retry, later"}, clock())
        later.next_attempt_at = clock() + timedelta(minutes=5)
        await uow.commit()

    status, page = await scrape(app)
    assert status == 200
    found = samples(page)
    assert value(found, "hoanhap_database_up") == 1
    assert value(found, "hoanhap_outbox_depth", channel="telegram") == 2
    assert value(found, "hoanhap_outbox_depth", channel="zalo") == 2
    assert value(found, "hoanhap_outbox_oldest_due_age_seconds", channel="telegram") == 5 * 86400
    assert value(found, "hoanhap_outbox_oldest_due_age_seconds", channel="zalo") == 5 * 86400
    assert value(found, "hoanhap_requests_open", agency="demo-vieclam") == 3
    assert value(found, "hoanhap_requests_overdue", agency="demo-vieclam") == 2
    assert value(found, "hoanhap_requests_open", agency="demo-ubnd") == 1
    assert value(found, "hoanhap_requests_overdue", agency="demo-ubnd") == 1
    # agencies with nothing open have no line; no request code or chat appears anywhere
    assert value(found, "hoanhap_requests_open", agency="demo-congan") == 0
    assert closed not in page and "0356789012" not in page


async def test_a_slow_database_does_not_hang_the_scrape(app: App) -> None:
    """The database held by another transaction: the scrape answers in its timeout, database_up 0."""
    configure(app, metrics_db_timeout_seconds=0.5)
    async with app.uow() as holder:
        if app.database.serial is None:
            # PostgreSQL: an exclusive lock on the outbox makes the scrape's read wait.
            await session_of(holder).execute(text("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE"))
        # SQLite: the open unit of work holds the one connection's lock the scrape must wait for.
        status, page = await scrape(app)
        await holder.rollback()
    assert status == 200
    found = samples(page)
    assert value(found, "hoanhap_database_up") == 0
    assert "hoanhap_outbox_depth" not in families(page)
    assert families(page) >= COUNTERS  # the process's own counters are still there
    # and once the database is free again, so is the scrape
    assert value(samples((await scrape(app))[1]), "hoanhap_database_up") == 1
