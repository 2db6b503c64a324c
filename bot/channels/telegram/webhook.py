"""Our own webhook endpoint: secret checked in constant time, 200 only after the commit."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from aiogram.types import Update
from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from bot.channels.telegram.channel import TelegramChannel

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/telegram/webhook"
MAX_BODY = 1_000_000


def webhook_router(channel: TelegramChannel, secret: Callable[[], Awaitable[str]]) -> APIRouter:
    router = APIRouter()

    @router.post(PATH)
    async def telegram_webhook(request: Request) -> Response:
        expected = await secret()
        given = request.headers.get(SECRET_HEADER, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            return Response(status_code=401)
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response(status_code=413)
        try:
            update = Update.model_validate_json(body)
        except ValidationError:
            return Response(status_code=400)
        try:
            await channel.handle(update)
        except Exception:
            # Nothing was committed: a non-2xx answer makes Telegram deliver the update again.
            log.exception("webhook update failed")
            return Response(status_code=500)
        return Response(status_code=200, content=b"{}", media_type="application/json")

    return router
