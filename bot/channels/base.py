"""What every channel's transport is: one outbox row sent, or a DeliveryError saying whether to try again.

As healthchecks' transports do: `send` returns when the platform took the message and raises when it
did not, and the error knows whether it is permanent. The outbox sender turns either into a
`Delivery`, which it records as one attempt.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Self

if TYPE_CHECKING:
    from bot.config import Settings


class DeliveryError(Exception):
    """A message that did not go. Not permanent: tried again later (after `retry_after` seconds when
    the platform asked for that). `unreachable`: the person blocked the bot, so no message will ever
    reach them. `held`: it may only go once the person writes again (a reply window), so it waits,
    visibly, neither retried nor failed."""

    def __init__(
        self,
        error: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        unreachable: bool = False,
        held: bool = False,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.permanent = permanent or unreachable
        self.retry_after = retry_after
        self.unreachable = unreachable
        self.held = held


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    HELD = "held"


@dataclass(frozen=True)
class Delivery:
    """What came of one attempt, as recorded."""

    outcome: Outcome
    error: str = ""
    # Seconds until the next attempt (a retry): the platform's retry_after, else the back-off.
    retry_after: float | None = None
    # The platform's id of what was sent (the last part, when split): replies to it can be traced.
    external_id: str = ""
    unreachable: bool = False


class Transport(ABC):
    @abstractmethod
    async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
        """Deliver one outbox row; the platform's id of what was sent ("" when it gives none).

        Raises DeliveryError when the message did not go."""


class Notifier(ABC):
    """Where a person is reached when their chat cannot reach them (bot/channels/notifiers.py)."""

    kind: ClassVar[str]

    @staticmethod
    @abstractmethod
    def configured(settings: Settings) -> bool:
        """Whether the settings turn this notifier on (its channel's own settings, usually)."""

    @classmethod
    @abstractmethod
    def build(cls, settings: Settings) -> Self: ...

    @abstractmethod
    def link(self, token: str) -> str:
        """Where the person goes to hand `token` back on this channel; "" while that is not known
        yet (the option is then not shown)."""

    def ready(self) -> bool:
        """Whether a link can be made now."""
        return bool(self.link("probe"))
