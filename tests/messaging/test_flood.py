"""Flood control per chat: a burst allowance, one notice, silence until the chat calms down; the
others served all the while. On SQLite and PostgreSQL (the counts live on the conversation row)."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from sqlalchemy import func, select

from bot.app import App, create_app
from bot.config import Settings
from bot.storage.models import ConversationRow, MatchLogRow, OutboxRow
from handlers.messages import TEXT, IncomingMessage
from tests.harness import CHANNEL, CollectingTransport, FakeClock, Person
from tests.storage.sessions import session_of

NOTICE_START = "Bạn đang gửi tin nhắn quá nhanh"
FLOOD = 1000
ALLOWANCE = 20  # Settings.flood_messages, the default
_ids = itertools.count(1)


def message(chat_id: str, text: str = "vay von", channel: str = CHANNEL, update_id: str = "") -> IncomingMessage:
    return IncomingMessage(channel, chat_id, chat_id, kind=TEXT, text=text, update_id=update_id or f"f{next(_ids)}")


async def texts_to(app: App, chat_id: str, channel: str = CHANNEL) -> list[str]:
    async with app.uow() as uow:
        rows = await session_of(uow).execute(
            select(OutboxRow.payload)
            .where(OutboxRow.channel == channel, OutboxRow.chat_id == chat_id, OutboxRow.kind == "message")
            .order_by(OutboxRow.id)
        )
        return [str(payload["text"]) for payload in rows.scalars()]


async def replies_to(app: App, count: int) -> int:
    """How many messages the bot answers `count` such messages with, from a fresh chat that stays within
    its allowance (the first message of a chat is greeted too)."""
    chat_id = f"reference-{next(_ids)}"
    for _ in range(count):
        await app.processor.process(message(chat_id))
    return len(await texts_to(app, chat_id))


async def test_a_flood_from_one_chat_leaves_the_others_served(demo_app: App, clock: FakeClock) -> None:
    allowed = await replies_to(demo_app, ALLOWANCE)
    transport = CollectingTransport()
    others = [Person(demo_app, f"other-{n}", transport) for n in range(5)]
    questions = ["lam sao de vay von lam an", "toi muon hoc nghe", "xin phieu ly lich tu phap o dau"]

    async def flood() -> None:
        for _ in range(FLOOD):
            assert await demo_app.processor.process(message("flooder"))
            clock.advance(seconds=59 / FLOOD)  # a thousand messages within the minute

    async def ask(person: Person) -> list[str]:
        answers = []
        for question in questions:
            replies = await person.says(question)
            answers.append(" ".join(r.text for r in replies))
        return answers

    _, *answers = await asyncio.gather(flood(), *(ask(p) for p in others))

    # every other chat got an answer to every question, and no notice
    for person, answered in zip(others, answers, strict=True):
        assert all(text and NOTICE_START not in text for text in answered), (person.chat_id, answered)
    # the flooder: replies to the allowance, then exactly one notice, then nothing
    sent = await texts_to(demo_app, "flooder")
    assert [t.startswith(NOTICE_START) for t in sent].count(True) == 1
    assert sent[-1].startswith(NOTICE_START)
    assert len(sent) == allowed + 1
    async with demo_app.uow() as uow:
        # every message counted (all 1,000 recorded as seen), only the allowance reached the matcher
        logged = await session_of(uow).scalar(select(func.count()).select_from(MatchLogRow))
        flooder = (
            await session_of(uow).execute(select(ConversationRow).where(ConversationRow.chat_id == "flooder"))
        ).scalar_one()
    assert logged == 2 * ALLOWANCE + len(others) * len(questions)
    assert flooder.burst_count == FLOOD and flooder.flood_notice_at is not None


@pytest.mark.parametrize(
    ("pause_seconds", "then_answered"),
    [
        (61, False),  # the next window, right after a flooded one: still held (and counted)
        (3600, True),  # an hour of quiet: let go at once
    ],
)
async def test_a_held_chat_is_let_go_once_it_calms_down(
    demo_app: App, clock: FakeClock, pause_seconds: int, then_answered: bool
) -> None:
    allowed = await replies_to(demo_app, ALLOWANCE)
    for _ in range(ALLOWANCE + 5):
        await demo_app.processor.process(message("burst"))
    assert len(await texts_to(demo_app, "burst")) == allowed + 1
    clock.advance(seconds=pause_seconds)
    await demo_app.processor.process(message("burst"))
    answered = len(await texts_to(demo_app, "burst")) > allowed + 1
    assert answered is then_answered
    if not then_answered:
        # a calm window (one message in it) and the chat is answered again, with no second notice
        clock.advance(seconds=61)
        await demo_app.processor.process(message("burst"))
        sent = await texts_to(demo_app, "burst")
        assert len(sent) > allowed + 1
        assert [t.startswith(NOTICE_START) for t in sent].count(True) == 1


async def test_a_steady_pace_is_never_held(demo_app: App, clock: FakeClock) -> None:
    for _ in range(3 * ALLOWANCE):
        await demo_app.processor.process(message("steady"))
        clock.advance(seconds=60 / ALLOWANCE)  # exactly the allowance per window, for three windows
    sent = await texts_to(demo_app, "steady")
    # every message answered (the first one greeted too)
    assert len(sent) == 3 * ALLOWANCE + 1 and not any(t.startswith(NOTICE_START) for t in sent)


async def test_redelivered_updates_are_not_counted_twice(demo_app: App) -> None:
    for _ in range(5 * ALLOWANCE):
        await demo_app.processor.process(message("redelivered", update_id="same-update"))
    sent = await texts_to(demo_app, "redelivered")
    assert sent and not any(t.startswith(NOTICE_START) for t in sent)


async def test_the_console_is_exempt(demo_app: App) -> None:
    for _ in range(ALLOWANCE + 10):
        await demo_app.processor.process(message("console", channel="console"))
    sent = await texts_to(demo_app, "console", channel="console")
    # as a chat within its allowance is answered: every message, the first one greeted too
    assert len(sent) == ALLOWANCE + 10 + 1 and not any(t.startswith(NOTICE_START) for t in sent)


async def test_the_notice_is_in_the_chats_language(demo_app: App) -> None:
    person = Person(demo_app, "english")
    await person.says("/lang")
    assert "English" in person.text or "english" in person.text.lower()
    for _ in range(ALLOWANCE + 1):
        await demo_app.processor.process(message("english"))
    assert (await texts_to(demo_app, "english"))[-1].startswith("You are sending messages very fast")


async def test_the_count_holds_across_worker_processes(demo_app: App, settings: Settings, clock: FakeClock) -> None:
    """Two processes (two engines, two connection pools) take turns with one chat: one burst, one notice."""
    allowed = await replies_to(demo_app, ALLOWANCE)
    other = await create_app(settings, clock, prepare=False)
    try:
        for number in range(ALLOWANCE + 10):
            worker = demo_app if number % 2 == 0 else other
            await worker.processor.process(message("two-workers"))
    finally:
        await other.close()
    sent = await texts_to(demo_app, "two-workers")
    assert len(sent) == allowed + 1
    assert sent[-1].startswith(NOTICE_START)
