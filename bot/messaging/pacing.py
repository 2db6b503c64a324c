"""How fast the outbox sender may send: an overall rate per channel for broadcasts, and a gap per chat
for notices.

Telegram's ~30 messages a second concern bulk notifications (a Telegram developer says so; the Bot
FAQ gives ~1 a second in one chat): a person waiting for an answer is not a broadcast, and a reply
that meets a 429 waits its retry_after like any other row. So a reply goes at once and only counts
towards its channel's rate; a `gapped` kind (a listing's notice to thousands) waits for the share of
the rate that replies left, and until `chat_gap` seconds after the last message its chat was sent.
Replies may run the channel's budget at most `_REPLY_DEBT_SECONDS` ahead: past that, a burst of
replies holds notices back no longer.

The pace is this process's: each sender process keeps its own (`hoanhap serve --workers N` runs N
senders, so the rate set is for one of them).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.clock import Sleep

# Chats remembered for their gap: past this many, those sent longer than the gap ago are forgotten.
_REMEMBERED_CHATS = 10_000
# How far ahead of now replies may spend a channel's rate (notices wait at most this long for them).
_REPLY_DEBT_SECONDS = 1.0


@dataclass
class Pacer:
    # Messages a second per channel kind ("telegram", "zalo"...); a channel not named is not paced.
    rates: Mapping[str, float]
    gapped: frozenset[str] = frozenset()
    chat_gap: float = 1.0
    clock: Callable[[], float] = time.monotonic
    sleep: Sleep = asyncio.sleep
    _next: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    _last: dict[tuple[str, str], float] = field(default_factory=dict, init=False, repr=False)

    def delay(self, channel: str, chat_id: str, kind: str) -> float:
        """Seconds to wait before this row may go (0: now; a reply never waits)."""
        if kind not in self.gapped:
            return 0.0
        now = self.clock()
        at = self._next.get(channel, now)
        if (last := self._last.get((channel, chat_id))) is not None:
            at = max(at, last + self.chat_gap)
        return max(0.0, at - now)

    async def wait(self, channel: str, chat_id: str, kind: str) -> None:
        """Wait for this row's turn, and count it as sent at that moment."""
        delay = self.delay(channel, chat_id, kind)
        if delay > 0:
            await self.sleep(delay)
        now = self.clock()
        rate = self.rates.get(channel)
        if rate:
            spent = max(now, self._next.get(channel, now)) + 1.0 / rate
            self._next[channel] = spent if kind in self.gapped else min(spent, now + _REPLY_DEBT_SECONDS)
        self._last[(channel, chat_id)] = now
        if len(self._last) > _REMEMBERED_CHATS:
            self._last = {key: at for key, at in self._last.items() if at > now - self.chat_gap}
