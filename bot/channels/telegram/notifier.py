"""Telegram as a notifier (bot/channels/notifiers.py): a deep link https://t.me/<bot>?start=<token>
opens the bot, and Telegram sends "/start <token>" from the person's chat when they tap Start.

No aiogram here: the web side builds links without loading the Telegram client. The bot's username
comes from the settings, or from getMe when the Telegram channel starts (TelegramChannel.start).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Self
from urllib.parse import quote

from bot.channels.base import Notifier

if TYPE_CHECKING:
    from bot.config import Settings

# Telegram usernames: 5-32 of letters, digits and underscores; what getMe or the settings give is
# checked against it before it goes into a link.
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


class TelegramNotifier(Notifier):
    # bot.channels.telegram.updates.CHANNEL, not imported: that module loads aiogram.
    kind = "telegram"

    def __init__(self, username: str = "") -> None:
        self.username = ""
        self.learn(username)

    @staticmethod
    def configured(settings: Settings) -> bool:
        return settings.telegram_token is not None and bool(settings.telegram_token.get_secret_value())

    @classmethod
    def build(cls, settings: Settings) -> Self:
        return cls(settings.telegram_bot_username)

    def learn(self, username: str) -> None:
        """The bot's username (from getMe), unless the settings gave one; a malformed one is ignored."""
        name = username.strip().removeprefix("@")
        if not self.username and _USERNAME.fullmatch(name):
            self.username = name

    def link(self, token: str) -> str:
        if not self.username:
            return ""
        return f"https://t.me/{self.username}?start={quote(token, safe='')}"
