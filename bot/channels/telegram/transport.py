"""Sends outbox rows through the Bot API; its refusals become DeliveryErrors that know whether to retry."""

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

from bot.channels.base import DeliveryError, Transport
from bot.channels.telegram.render import render
from handlers.messages import OutgoingMessage

log = logging.getLogger(__name__)

# The Bot API answers a sendMessage in well under a second; the client's own timeout (65 s) is sized
# for long polls. A send that hangs would hold its sender's whole round (the next lease waits for the
# round's last answer): past this, it fails as a network error and is retried with the usual backoff.
SEND_TIMEOUT_SECONDS = 15


class TelegramTransport(Transport):
    def __init__(self, bot: Bot, share_phone_label: str) -> None:
        self.bot = bot
        self.share_phone_label = share_phone_label

    async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
        message = OutgoingMessage.from_payload(payload)
        # A long message goes in pieces; a retry resends from the first piece. Telegram offers no
        # idempotency key, so a piece may then arrive twice; per-chat order still holds.
        last_id = ""
        try:
            for piece in render(message, self.share_phone_label):
                sent = await self.bot.send_message(
                    chat_id=int(chat_id),
                    text=piece.text,
                    reply_markup=piece.markup,
                    request_timeout=SEND_TIMEOUT_SECONDS,
                )
                last_id = str(sent.message_id)
        except TelegramRetryAfter as error:
            raise DeliveryError(f"429: {error.message}", retry_after=float(error.retry_after)) from error
        except TelegramForbiddenError as error:
            raise DeliveryError(f"403: {error.message}", unreachable=True) from error
        except (TelegramBadRequest, TelegramNotFound, TelegramUnauthorizedError) as error:
            raise DeliveryError(f"rejected: {error.message}", permanent=True) from error
        except (TelegramServerError, TelegramNetworkError) as error:
            raise DeliveryError(f"transient: {error.message}") from error
        except ValueError as error:
            raise DeliveryError("not a Telegram chat id", permanent=True) from error
        return last_id
