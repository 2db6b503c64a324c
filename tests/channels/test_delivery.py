"""Every delivery attempt is recorded with the row's new state: what came of it, its error, its wait."""

from __future__ import annotations

from typing import Any

from bot.app import App
from bot.channels.base import DeliveryError, Transport
from bot.clock import as_utc
from tests.harness import FakeClock


class Scripted(Transport):
    """Answers each send with the next of `answers`: a platform id (sent) or an error (raised)."""

    def __init__(self, *answers: str | DeliveryError) -> None:
        self.answers = list(answers)

    async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
        answer = self.answers.pop(0)
        if isinstance(answer, DeliveryError):
            raise answer
        return answer


async def _deliver(app: App, clock: FakeClock, transport: Transport, rounds: int = 3) -> list[Any]:
    async with app.uow() as uow:
        row = await uow.outbox.add("scripted", "c1", {"text": "xin chào"}, clock())
        await uow.commit()
    sender = app.sender({"scripted": transport})
    for _ in range(rounds):
        await sender.drain()
        clock.advance(seconds=30)
    async with app.uow() as uow:
        sent = await uow.outbox.get(row.id)
        assert sent is not None
        return [sent.status, sent.attempts, await uow.outbox.attempts(row.id)]


async def test_a_transient_failure_then_a_success_leaves_two_attempts(app: App, clock: FakeClock) -> None:
    started = clock()
    status, attempts, rows = await _deliver(app, clock, Scripted(DeliveryError("429: slow down", retry_after=7), "m-9"))
    assert (status, attempts) == ("sent", 2)
    assert [(a.attempt, a.outcome, a.error, a.retry_after) for a in rows] == [
        (1, "retry", "429: slow down", 7.0),
        (2, "sent", "", None),
    ]
    assert as_utc(rows[0].at) == started


async def test_a_permanent_failure_leaves_one_attempt(app: App, clock: FakeClock) -> None:
    status, attempts, rows = await _deliver(
        app, clock, Scripted(DeliveryError("rejected: " + "x" * 900, permanent=True))
    )
    assert (status, attempts) == ("failed", 1)
    [only] = rows
    assert (only.attempt, only.outcome, only.retry_after) == (1, "failed", None)
    assert len(only.error) == 500  # cut short


async def test_a_held_reply_and_a_transport_bug_are_recorded(app: App, clock: FakeClock) -> None:
    status, _, rows = await _deliver(app, clock, Scripted(DeliveryError("outside the reply window", held=True)))
    assert status == "held" and [a.outcome for a in rows] == ["held"]

    class Broken(Transport):
        async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
            raise KeyError("a bug")

    status, _, rows = await _deliver(app, clock, Broken(), rounds=1)
    assert status == "pending" and [(a.outcome, a.error) for a in rows] == [("retry", "KeyError")]
    assert rows[0].retry_after is not None and rows[0].retry_after > 0
