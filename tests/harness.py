"""Drives the real pipeline (database, core, outbox, sender) as a person on a test channel would."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import App
from bot.channels.base import Transport
from handlers.messages import CHOICE, CONTACT, START, TEXT, UNSUPPORTED, IncomingMessage, OutgoingMessage

CHANNEL = "test"
_update_ids = itertools.count(1)


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class CollectingTransport(Transport):
    """Stands where a platform would: keeps what was sent, per chat, in order."""

    def __init__(self) -> None:
        self.sent: dict[str, list[OutgoingMessage]] = defaultdict(list)
        self.kinds: dict[str, list[str]] = defaultdict(list)

    async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
        self.sent[chat_id].append(OutgoingMessage.from_payload(payload))
        self.kinds[chat_id].append(kind)
        return ""


class Person:
    def __init__(
        self, app: App, chat_id: str = "p1", transport: CollectingTransport | None = None, channel: str = CHANNEL
    ) -> None:
        self.app = app
        self.chat_id = chat_id
        self.channel = channel
        self.transport = transport or CollectingTransport()
        self.sender = app.sender({channel: self.transport})
        self.replies: list[OutgoingMessage] = []

    async def _send(self, **fields: Any) -> list[OutgoingMessage]:
        message = IncomingMessage(
            channel=self.channel, chat_id=self.chat_id, user_id=self.chat_id, update_id=str(next(_update_ids)), **fields
        )
        before = len(self.transport.sent[self.chat_id])
        await self.app.processor.process(message)
        return await self.collect(before)

    async def collect(self, before: int | None = None) -> list[OutgoingMessage]:
        """What reached this chat since `before`: drains the outbox until none of it is pending.

        Other people's senders may be delivering this chat's rows at the same moment (they share the
        transport), so waiting for our own drain alone is not enough.
        """
        start = len(self.transport.sent[self.chat_id]) if before is None else before
        while True:
            await self.sender.drain()
            async with self.app.uow() as uow:
                if not await uow.outbox.pending_for_chat(self.channel, self.chat_id):
                    break
            await asyncio.sleep(0.01)
        self.replies = self.transport.sent[self.chat_id][start:]
        return self.replies

    async def start(self, parameter: str = "") -> list[OutgoingMessage]:
        """The start command; with `parameter`, as a deep link's (Telegram's /start <parameter>)."""
        return await self._send(kind=START, start=parameter)

    async def says(self, text: str) -> list[OutgoingMessage]:
        return await self._send(kind=TEXT, text=text)

    async def shares_contact(self, phone: str, own: bool = True) -> list[OutgoingMessage]:
        return await self._send(kind=CONTACT, contact_phone=phone, contact_is_own=own)

    async def sends_sticker(self) -> list[OutgoingMessage]:
        return await self._send(kind=UNSUPPORTED)

    async def presses(self, label: str) -> list[OutgoingMessage]:
        """Press the button of the last offered choices whose label contains `label` (or whose id is it)."""
        choice = self.find_choice(label)
        return await self._send(kind=CHOICE, choice=choice)

    async def presses_raw(self, choice_id: str) -> list[OutgoingMessage]:
        """Send a button press as a platform would, whether or not it was ever offered."""
        return await self._send(kind=CHOICE, choice=choice_id)

    def find_choice(self, label: str) -> str:
        for message in reversed(self.replies):
            for choice in message.choices:
                if choice.id == label or label.lower() in choice.label.lower():
                    return choice.id
        offered = [c.label for m in self.replies for c in m.choices]
        raise AssertionError(f"no choice {label!r} among {offered}")

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.replies)

    @property
    def choices(self) -> list[str]:
        return [c.label for m in self.replies for c in m.choices]

    @property
    def choice_ids(self) -> list[str]:
        return [c.id for m in self.replies for c in m.choices]
