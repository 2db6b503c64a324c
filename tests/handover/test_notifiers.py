"""The notifiers' registry and the Telegram notifier: which are on, what a link looks like, and the
start parameter as the Telegram channel reads it."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.types import Update

from bot.channels.notifiers import NOTIFIERS, TOKEN_PATTERN, Notifiers
from bot.channels.telegram import updates
from bot.channels.telegram.notifier import TelegramNotifier
from bot.config import Settings
from handlers.messages import START, TEXT


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_telegram_is_on_with_its_token_and_offered_once_its_username_is_known() -> None:
    assert Notifiers.configured(_settings()).destinations("web") == []
    assert Notifiers.configured(_settings(telegram_token="")).destinations("web") == []
    unnamed = Notifiers.configured(_settings(telegram_token="1:abc"))
    assert unnamed.get("telegram") is not None and unnamed.destinations("web") == []
    named = Notifiers.configured(_settings(telegram_token="1:abc", telegram_bot_username="@hoanhap_bot"))
    assert named.destinations("web") == ["telegram"]
    # only from chats that cannot reach the person by themselves
    assert [named.destinations(c) for c in ("telegram", "zalo", "console", "test")] == [[], [], [], []]


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("hoanhap_bot", "hoanhap_bot"),
        ("@hoanhap_bot", "hoanhap_bot"),
        ("", ""),
        ("abc", ""),  # too short for Telegram
        ("x" * 33, ""),
        ("bad/../name", ""),
        ("evil.com?start=", ""),
        ("1starts_with_digit", ""),
    ],
)
def test_only_a_telegram_username_goes_into_a_link(given: str, kept: str) -> None:
    notifier = TelegramNotifier(given)
    assert notifier.username == kept
    assert notifier.link("tok_en-1") == (f"https://t.me/{kept}?start=tok_en-1" if kept else "")


def test_the_settings_name_wins_over_get_me() -> None:
    notifier = TelegramNotifier("from_settings")
    notifier.learn("from_get_me")
    assert notifier.username == "from_settings"
    learnt = TelegramNotifier()
    learnt.learn("from_get_me")
    assert learnt.username == "from_get_me"


def test_every_notifier_is_a_channel_kind_with_tokens_telegram_accepts() -> None:
    assert TelegramNotifier.kind == updates.CHANNEL
    assert len({n.kind for n in NOTIFIERS}) == len(NOTIFIERS)
    assert TOKEN_PATTERN.fullmatch("A" * 64) and not TOKEN_PATTERN.fullmatch("A" * 65)
    assert not TOKEN_PATTERN.fullmatch("") and not TOKEN_PATTERN.fullmatch("a b")


def _private(text: str) -> Update:
    chat = {"id": 5, "type": "private"}
    user = {"id": 5, "is_bot": False, "first_name": "An"}
    message = {"message_id": 1, "date": 0, "chat": chat, "from": user, "text": text}
    return Update.model_validate({"update_id": 9, "message": message})


@pytest.mark.parametrize(
    ("text", "kind", "start"),
    [
        ("/start", START, ""),
        ("/start abc_DEF-123", START, "abc_DEF-123"),
        ("/start@hoanhap_bot abc", START, "abc"),
        ("/start a b c", START, "a"),
        ("/start " + "x" * 500, START, "x" * updates.START_LIMIT),  # kept just long enough to be refused
        ("/starter abc", TEXT, ""),
    ],
)
def test_the_start_parameter_as_telegram_sends_it(text: str, kind: str, start: str) -> None:
    person = updates.parse(_private(text)).person
    assert person is not None and person.kind == kind and person.start == start
