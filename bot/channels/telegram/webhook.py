"""Our own Telegram webhook endpoint (secret checked in constant time, 200 only after the commit), and
registering it with Telegram."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.types import Update
from fastapi import APIRouter, Request, Response

from bot.channels.webhooks import WebhookSecret, handle_webhook, secret_header

if TYPE_CHECKING:
    from bot.app import App

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a name, not a secret)
SECRET_KEY = "telegram_webhook_secret"  # noqa: S105 (a name, not a secret)
PATH = "/telegram/webhook"
ALLOWED_UPDATES = ["message", "callback_query"]


def webhook_secret(app: App) -> WebhookSecret:
    return WebhookSecret(app.database, app.settings.telegram_webhook_secret, SECRET_KEY)


def webhook_router(handle: Callable[[Update], Awaitable[None]], secret: Callable[[], Awaitable[str]]) -> APIRouter:
    router = APIRouter()
    authorised = secret_header(SECRET_HEADER, secret)

    @router.post(PATH)
    async def telegram_webhook(request: Request) -> Response:
        return await handle_webhook(request, authorised, Update.model_validate_json, handle)

    return router


async def set_telegram_webhook(app: App, bot: Bot) -> str:
    """Register our endpoint with Telegram under the configured secret, or a fresh one kept in the
    database for every worker."""
    url = app.settings.telegram_webhook_url.rstrip("/")
    if not url:
        raise ValueError("HOANHAP_TELEGRAM_WEBHOOK_URL is not set")
    secret = await webhook_secret(app).issue()
    target = url if url.endswith(PATH) else url + PATH
    await bot.set_webhook(url=target, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    return target
