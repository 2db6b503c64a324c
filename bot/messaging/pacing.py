"""How fast the outbox sender may send: an overall rate per channel, and a gap per chat for notices.

Telegram takes about 30 messages a second from a bot overall and about one a second in one chat
(past that it answers 429 with retry_after); Zalo's platforms limit a sender too. Replies to a
person are few and go at once; a broadcast (a listing's notices to thousands) is what would break
the limits, so every row of a channel counts towards its rate, and a notice (a `gapped` kind) waits
until `chat_gap` seconds after the last message its chat was sent.

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
        """Seconds to wait before this row may go (0: now)."""
        now = self.clock()
        at = self._next.get(channel, now)
        if kind in self.gapped and (last := self._last.get((channel, chat_id))) is not None:
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
            self._next[channel] = max(now, self._next.get(channel, now)) + 1.0 / rate
        self._last[(channel, chat_id)] = now
        if len(self._last) > _REMEMBERED_CHATS:
            self._last = {key: at for key, at in self._last.items() if at > now - self.chat_gap}
