"""The sender's pace: a channel's overall rate, a notice's gap per chat, on a clock the test moves."""

from __future__ import annotations

from bot.messaging.pacing import Pacer


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _max_in_a_second(times: list[float]) -> int:
    best, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        best = max(best, last - first + 1)
    return best


async def test_a_broadcast_never_goes_past_its_channels_rate() -> None:
    clock = _Clock()
    pacer = Pacer({"telegram": 28.0}, gapped=frozenset({"listing_alert"}), clock=clock, sleep=clock.sleep)
    sent = []
    for n in range(200):
        await pacer.wait("telegram", f"chat-{n}", "listing_alert")
        sent.append(clock.now)
        clock.now += 0.001  # the platform answers in a millisecond
    assert _max_in_a_second(sent) == 28
    assert 200 / 28 - 1 < sent[-1] - sent[0] < 200 / 28 + 1


async def test_an_unpaced_channel_and_a_quiet_one_wait_for_nothing() -> None:
    clock = _Clock()
    pacer = Pacer({"telegram": 28.0}, clock=clock, sleep=clock.sleep)
    for n in range(50):
        await pacer.wait("test", f"chat-{n}", "message")
    await pacer.wait("telegram", "a", "message")
    clock.now += 5
    await pacer.wait("telegram", "b", "message")
    assert clock.slept == []


async def test_a_notice_waits_a_second_after_its_chat_was_last_sent_to() -> None:
    clock = _Clock()
    pacer = Pacer({"telegram": 28.0}, gapped=frozenset({"listing_alert"}), chat_gap=1.0, clock=clock, sleep=clock.sleep)
    await pacer.wait("telegram", "a", "message")  # a reply to the person
    clock.now += 0.2
    await pacer.wait("telegram", "a", "listing_alert")
    assert clock.now == 101.0
    # replies are never held back by the gap; other chats only by the rate
    await pacer.wait("telegram", "a", "message")
    await pacer.wait("telegram", "b", "listing_alert")
    assert clock.now < 101.1


async def test_replies_go_at_once_past_the_rate_and_hold_notices_back_a_second_at_most() -> None:
    clock = _Clock()
    pacer = Pacer({"telegram": 28.0}, gapped=frozenset({"listing_alert"}), clock=clock, sleep=clock.sleep)
    for n in range(300):  # 300 people answered within a second: none of them waits
        await pacer.wait("telegram", f"person-{n}", "message")
        clock.now += 0.003
    assert clock.slept == []
    began = clock.now
    await pacer.wait("telegram", "subscriber", "listing_alert")
    assert 0 < clock.now - began <= 1.0 + 1 / 28
