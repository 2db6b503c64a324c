"""What channels hand to the core and what the core hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from handlers.choices import ChoiceData

TEXT = "text"
CHOICE = "choice"
CONTACT = "contact"
UNSUPPORTED = "unsupported"
START = "start"


@dataclass(frozen=True)
class Choice:
    """A button: `id` is short and opaque (it travels as Telegram callback data), `label` is shown."""

    id: str
    label: str

    @classmethod
    def of(cls, choice: ChoiceData, label: str) -> Choice:
        return cls(choice.pack(), label)


@dataclass(frozen=True)
class IncomingMessage:
    channel: str
    chat_id: str
    user_id: str = ""
    kind: str = TEXT
    text: str = ""
    choice: str = ""
    contact_phone: str = ""
    # True when the platform says the shared contact is the sender's own.
    contact_is_own: bool = False
    update_id: str = ""
    display_name: str = ""
    # What the person's own screen shows they sent (the text, or the label of the button they
    # pressed), for channels whose transcript we keep and serve back (the web chat).
    echo: str = ""
    # A start command's parameter (Telegram's deep link `?start=...`), as sent: the core validates it.
    start: str = ""
    # The language the person chose in their client before writing (the web page's switch): a new
    # conversation starts in it. Never the phone's own language (see handlers.core).
    locale: str = ""


@dataclass(frozen=True)
class OutgoingMessage:
    text: str
    choices: tuple[Choice, ...] = ()
    ask_phone: bool = False
    link: str = ""
    # The phone question is over: channels that showed a "share my number" keyboard take it away.
    remove_keyboard: bool = False

    def to_payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "choices": [[c.id, c.label] for c in self.choices],
            "ask_phone": self.ask_phone,
            "link": self.link,
            "remove_keyboard": self.remove_keyboard,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> OutgoingMessage:
        return cls(
            text=str(payload.get("text", "")),
            choices=tuple(Choice(str(i), str(label)) for i, label in payload.get("choices") or []),
            ask_phone=bool(payload.get("ask_phone")),
            link=str(payload.get("link") or ""),
            remove_keyboard=bool(payload.get("remove_keyboard")),
        )


@dataclass
class Notification:
    """A message for an agency's queue (not for the person), written to the outbox with the reply."""

    agency_code: str
    request_code: str
    event: str
    data: dict[str, Any] = field(default_factory=dict)
