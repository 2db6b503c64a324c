"""A send the Bot API does not answer fails in bounded time, as a retryable network error: it would
otherwise hold its sender's whole round (the next lease waits for the round's last answer)."""

from __future__ import annotations

import time

import pytest

import bot.channels.telegram.transport as transport_module
from bot.channels.base import DeliveryError
from bot.channels.telegram.client import make_bot
from bot.channels.telegram.transport import TelegramTransport
from tests.fakes.telegram_api import FakeTelegram


async def test_a_send_that_is_not_answered_is_retried_later(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport_module, "SEND_TIMEOUT_SECONDS", 1)
    async with FakeTelegram() as fake:
        fake.send_delay = 3.0  # Telegram does not answer in time
        bot = make_bot(fake.token, fake.base_url)
        try:
            transport = TelegramTransport(bot, "share")
            began = time.monotonic()
            with pytest.raises(DeliveryError) as failed:
                await transport.send("42", {"text": "xin chào"}, "message")
            assert time.monotonic() - began < 2.5
            assert not failed.value.permanent and failed.value.retry_after is None
            assert failed.value.args[0].startswith("transient")
            fake.send_delay = 0.0
            assert await transport.send("42", {"text": "xin chào"}, "message")  # and goes on the next try
        finally:
            await bot.session.close()
