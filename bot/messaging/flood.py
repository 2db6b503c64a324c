"""A chat that floods is held back: a burst allowance, then one polite notice, then silence until it
calms down.

The counts live on the conversation row, which the message's transaction has already locked: every
worker process counts the same burst, and two messages of one chat are counted one after the other.
The rule, in fixed windows of `window` from the first message of a burst:
- up to `messages` in a window are handled as usual;
- the first past the allowance gets the notice (in the chat's language) and the chat is held;
- while held, every message is recorded as seen (its update id, against redelivery) and nothing else:
  no reply, nothing for the matcher's log or the unanswered inbox;
- a held chat is let go by the first message after a window with no more than the allowance in it
  (a window of normal pace, or a quiet one).
The console is someone at the machine itself, never held back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import as_utc
from bot.storage.models import ConversationRow
from bot.storage.unit_of_work import UnitOfWork
from handlers.messages import OutgoingMessage
from handlers.texts import Texts

NOTICE = "flood_notice"
EXEMPT_CHANNELS = frozenset({"console"})


@dataclass(frozen=True)
class FloodLimits:
    messages: int = 20
    window_seconds: float = 60.0
    exempt: frozenset[str] = EXEMPT_CHANNELS

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.window_seconds)


def _count(conversation: ConversationRow, now: datetime, limits: FloodLimits) -> bool:
    """Counts this message on the row; True when the chat is held (the notice not sent yet or sent)."""
    held = conversation.flood_notice_at is not None
    began = as_utc(conversation.burst_started_at) if conversation.burst_started_at is not None else None
    if began is None or now - began >= limits.window or now < began:
        # The previous window is over (a clock set back counts as over too). A held chat stays held only
        # if that window was flooded too and ended just now, not a quiet window ago.
        flooded = began is not None and conversation.burst_count > limits.messages
        still_flooding = held and flooded and began is not None and now - began < 2 * limits.window
        conversation.burst_started_at = now
        conversation.burst_count = 1
        if not still_flooding:
            conversation.flood_notice_at = None
        return still_flooding
    conversation.burst_count = (conversation.burst_count or 0) + 1
    return held or conversation.burst_count > limits.messages


async def hold_back(
    uow: UnitOfWork, conversation: ConversationRow, now: datetime, limits: FloodLimits, texts: Texts
) -> bool:
    """Count the message; True when it must go no further (the caller commits and stops)."""
    if conversation.channel in limits.exempt or limits.messages <= 0:
        return False
    if not _count(conversation, now, limits):
        return False
    if conversation.flood_notice_at is None:
        conversation.flood_notice_at = now
        locale = conversation.locale if texts.supports(conversation.locale) else texts.default_locale
        notice = OutgoingMessage(texts.get(locale, NOTICE, minutes=str(_minutes(limits))))
        await uow.outbox.add(conversation.channel, conversation.chat_id, notice.to_payload(), now)
    return True


def _minutes(limits: FloodLimits) -> int:
    return max(1, round(limits.window_seconds / 60))
