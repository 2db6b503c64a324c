"""A person reading the bot through a channel's own renderer: Telegram's HTML and inline buttons,
Zalo's numbered lists (no buttons: a choice is typed as its number), the web chat's JSON. Tables of
(what the person does, what they read) run the same on each."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from bot.channels.rendering import numbered
from bot.channels.telegram.render import render as telegram_render
from bot.channels.zalo.common import pieces as zalo_pieces
from handlers.messages import Choice, OutgoingMessage
from tests.harness import CollectingTransport, FakeClock, Person

# Channels whose person presses buttons, and those where the choices are a numbered list to type from.
BUTTONS = ("telegram", "web")
NUMBERED = ("zalo", "console")
CHANNELS = BUTTONS + NUMBERED
_NUMBERED_LINE = re.compile(r"^\s+(\d+)\. (.*)$")


def as_read(channel: str, payload: dict[str, Any]) -> OutgoingMessage:
    """What the person sees of one outbox row on `channel`: text and the buttons they can press."""
    message = OutgoingMessage.from_payload(payload)
    if channel == "telegram":
        rendered = telegram_render(message, "📱")
        text = "\n".join(html.unescape(piece.text) for piece in rendered)
        markup = rendered[-1].markup
        rows = getattr(markup, "inline_keyboard", None) or []
        buttons = tuple(Choice(str(b.callback_data), b.text) for row in rows for b in row)
        return OutgoingMessage(text, buttons)
    if channel == "zalo":
        return OutgoingMessage("\n".join(zalo_pieces(payload)))
    if channel == "console":
        return OutgoingMessage(numbered(message))
    return message  # the web chat sends the choices as they are (bot/channels/webchat.py message_json)


class RenderingTransport(CollectingTransport):
    def __init__(self, channel: str) -> None:
        super().__init__()
        self.channel = channel

    async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
        self.sent[chat_id].append(as_read(self.channel, payload))
        self.kinds[chat_id].append(kind)
        return ""


@dataclass(frozen=True)
class Press:
    """Press the button whose label holds `label`; on a numbered channel, type its number."""

    label: str


Row = tuple[str | Press, tuple[str, ...]]


class Reader:
    def __init__(self, person: Person, channel: str, clock: FakeClock | None = None) -> None:
        self.person, self.channel, self.clock = person, channel, clock

    @property
    def shown(self) -> str:
        """Every text and button label the person has on screen from the last turn."""
        return "\n".join([self.person.text, *self.person.choices])

    async def press(self, label: str) -> None:
        if self.channel in BUTTONS:
            await self.person.presses(label)
            return
        last = next(
            (m.text for m in reversed(self.person.replies) if _NUMBERED_LINE.search(m.text.split("\n")[-1])), ""
        )
        for line in last.split("\n"):
            found = _NUMBERED_LINE.match(line)
            if found and label.lower() in found.group(2).lower():
                await self.person.says(found.group(1))
                return
        raise AssertionError(f"no numbered choice {label!r} in {last!r}")

    async def talk(self, rows: list[Row]) -> None:
        for number, (action, expected) in enumerate(rows, 1):
            if self.clock is not None:
                self.clock.advance(seconds=5)  # as people read and tap: under the flood limit
            if isinstance(action, Press):
                await self.press(action.label)
            else:
                await self.person.says(action)
            for fragment in expected:
                if fragment.startswith("!"):
                    assert fragment[1:] not in self.shown, (
                        f"{self.channel} row {number}: {fragment!r} in {self.shown!r}"
                    )
                else:
                    assert fragment in self.shown, f"{self.channel} row {number}: {fragment!r} not in {self.shown!r}"


def reader(app: Any, channel: str, chat_id: str = "p1", clock: FakeClock | None = None) -> Reader:
    return Reader(Person(app, chat_id, transport=RenderingTransport(channel), channel=channel), channel, clock)
