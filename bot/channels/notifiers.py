"""Where a person is reached when the chat they wrote in cannot reach them: the notifiers.

The web chat only answers while its page is open. A notifier is a channel that can write to the
person first (Telegram; an SMS gateway or Zalo could be next), together with the way the person
proves that a chat there is theirs: a one-time token, offered in the web chat as a link, that comes
back on the notifier's channel as a start command's parameter. bot/messaging/handover.py issues and
checks the tokens and moves the conversation; a notifier only says whether it can be offered now and
what the link looks like. Delivery afterwards is its channel's transport, as for any other message.

Adding one (docs/notifiers.md): a subclass of bot.channels.base.Notifier with `kind` (the channel kind its conversations
have), `configured`, `build` and `link`, one line in NOTIFIERS, and its texts (handover_offer_<kind>,
handover_link_<kind>, handover_moved_away_<kind>) in knowledge_base/content/texts/*.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.channels.base import Notifier
from bot.channels.telegram.notifier import TelegramNotifier

if TYPE_CHECKING:
    from bot.config import Settings

# Telegram's rule for a deep link's start parameter, which the tokens follow for every notifier:
# 1 to 64 characters of A-Z, a-z, 0-9, _ and -.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Chats whose replies wait for the person to come back: only from these is moving offered.
PULL_CHANNELS = frozenset({"web"})


# One line per notifier.
NOTIFIERS: tuple[type[Notifier], ...] = (TelegramNotifier,)


class Notifiers:
    """The notifiers the settings turn on, by kind."""

    def __init__(self, notifiers: Iterable[Notifier] = ()) -> None:
        self._by_kind = {n.kind: n for n in notifiers}

    @classmethod
    def configured(cls, settings: Settings) -> Notifiers:
        return cls(n.build(settings) for n in NOTIFIERS if n.configured(settings))

    def get(self, kind: str) -> Notifier | None:
        return self._by_kind.get(kind)

    def destinations(self, channel: str) -> list[str]:
        """The kinds a conversation on `channel` may move to now."""
        if channel not in PULL_CHANNELS:
            return []
        return [kind for kind, n in self._by_kind.items() if kind != channel and n.ready()]
