"""Our own Telegram webhook endpoint: secret checked in constant time, 200 only after the commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram.types import Update
from fastapi import APIRouter, Request, Response

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.webhooks import handle_webhook, secret_header

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/telegram/webhook"


def webhook_router(channel: TelegramChannel, secret: Callable[[], Awaitable[str]]) -> APIRouter:
    router = APIRouter()
    authorised = secret_header(SECRET_HEADER, secret)

    @router.post(PATH)
    async def telegram_webhook(request: Request) -> Response:
        return await handle_webhook(request, authorised, Update.model_validate_json, channel.handle)

    return router
