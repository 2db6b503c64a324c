"""Sends outbox rows through the Bot API and turns its answers into what the outbox sender needs."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from bot.channels.telegram.render import render
from bot.messaging.outbox import SendResult
from handlers.messages import OutgoingMessage

log = logging.getLogger(__name__)


class TelegramTransport:
    def __init__(self, bot: Bot, share_phone_label: str) -> None:
        self.bot = bot
        self.share_phone_label = share_phone_label

    async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> SendResult:
        message = OutgoingMessage.from_payload(payload)
        # A long message goes in pieces; a retry resends from the first piece. Telegram offers no
        # idempotency key, so a piece may then arrive twice; per-chat order still holds.
        last_id = ""
        try:
            for piece in render(message, self.share_phone_label):
                sent = await self.bot.send_message(chat_id=int(chat_id), text=piece.text, reply_markup=piece.markup)
                last_id = str(sent.message_id)
        except TelegramRetryAfter as error:
            return SendResult(ok=False, retry_after=float(error.retry_after), error=f"429: {error.message}")
        except TelegramForbiddenError as error:
            return SendResult(ok=False, permanent=True, unreachable=True, error=f"403: {error.message}")
        except (TelegramBadRequest, TelegramNotFound, TelegramUnauthorizedError) as error:
            return SendResult(ok=False, permanent=True, error=f"rejected: {error.message}")
        except (TelegramServerError, TelegramNetworkError) as error:
            return SendResult(ok=False, error=f"transient: {error.message}")
        except ValueError:
            return SendResult(ok=False, permanent=True, error="not a Telegram chat id")
        return SendResult(ok=True, external_id=last_id)
