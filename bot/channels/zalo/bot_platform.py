"""Zalo Bot Platform: `POST {base}/bot{token}/{method}`, a webhook with a secret header, or getUpdates."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Self

import httpx
from fastapi import APIRouter, Request, Response

from bot.channels.base import Transport
from bot.channels.registry import Channel, Poller, pause, register
from bot.channels.webhooks import WebhookSecret, handle_webhook, secret_header
from bot.channels.zalo.common import http_failure, pieces
from bot.clock import Sleep
from bot.messaging.pipeline import MessageProcessor
from handlers.messages import TEXT, UNSUPPORTED, IncomingMessage

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings

log = logging.getLogger(__name__)
CHANNEL = "zalo"
SECRET_HEADER = "X-Bot-Api-Secret-Token"  # noqa: S105 (a name, not a secret)
PATH = "/zalo/webhook"
SECRET_KEY = "zalo_webhook_secret"  # noqa: S105 (a name, not a secret)
# Zalo asks for at least a second between polls.
POLL_INTERVAL = 1.0


class ZaloBotError(Exception):
    def __init__(self, status: int, code: int, description: str) -> None:
        super().__init__(f"{status} {code} {description}")
        self.status, self.code, self.description = status, code, description


class ZaloBotClient:
    def __init__(self, token: str, api_base: str, client: httpx.AsyncClient | None = None) -> None:
        self._url = f"{api_base.rstrip('/')}/bot{token}/"
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(40.0, connect=10.0))

    async def call(self, method: str, **params: Any) -> Any:
        response = await self._client.post(self._url + method, json=params)
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400 or not body.get("ok"):
            # The token is part of the URL: errors name the method, never the URL.
            raise ZaloBotError(
                response.status_code,
                int(body.get("error_code") or response.status_code),
                str(body.get("description", ""))[:200],
            )
        return body.get("result")

    async def close(self) -> None:
        await self._client.aclose()


def parse_event(body: Any) -> IncomingMessage | None:
    """A webhook or getUpdates event, bare or wrapped in {ok, result}; None when it is not for us."""
    if isinstance(body, dict) and "result" in body and "event_name" not in body:
        body = body["result"]
    if not isinstance(body, dict) or not isinstance(body.get("message"), dict):
        raise ValueError("not a Zalo Bot event")
    event, message = str(body.get("event_name", "")), body["message"]
    chat = message.get("chat") or {}
    sender = message.get("from") or {}
    if not chat.get("id") or not message.get("message_id"):
        raise ValueError("event without chat or message id")
    if str(chat.get("chat_type", "PRIVATE")).upper() != "PRIVATE" or sender.get("is_bot"):
        return None  # groups and other bots are not people asking for help
    base = IncomingMessage(
        channel=CHANNEL,
        chat_id=str(chat["id"]),
        user_id=str(sender.get("id", "")),
        update_id=f"{event}:{message['message_id']}",
        display_name=str(sender.get("display_name", "")),
        kind=UNSUPPORTED,
    )
    if event == "message.text.received" and isinstance(message.get("text"), str):
        return replace(base, kind=TEXT, text=message["text"])
    # Images, stickers and the rest: a kind word about what the bot can read.
    return base


class ZaloBotTransport(Transport):
    def __init__(self, client: ZaloBotClient) -> None:
        self.client = client

    async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
        last = ""
        for piece in pieces(payload):
            try:
                result = await self.client.call("sendMessage", chat_id=chat_id, text=piece)
            except ZaloBotError as error:
                raise http_failure(None, error.status, error.description) from error
            except httpx.HTTPError as error:
                raise http_failure(error) from error
            last = str((result or {}).get("message_id", "")) if isinstance(result, dict) else ""
        return last


@register
class ZaloBotChannel(Channel):
    kind = CHANNEL

    def __init__(
        self,
        client: ZaloBotClient,
        processor: MessageProcessor,
        secret: WebhookSecret,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.client = client
        self.processor = processor
        self.secret = secret
        self.sleep = sleep
        self.transport = ZaloBotTransport(client)

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(_token(settings))

    @classmethod
    def build(cls, app: App, wake: Callable[[], None]) -> Self:
        client = ZaloBotClient(_token(app.settings), app.settings.zalo_api_base)
        return cls(client, app.processor, webhook_secret(app), app.sleep)

    def router(self) -> APIRouter:
        return webhook_router(self, self.secret)

    async def poller(self) -> Poller | None:
        # No secret, configured or registered by `set-webhook`: Zalo has no webhook of ours to call.
        return None if await self.secret() else self.poll

    async def close(self) -> None:
        await self.client.close()

    async def handle(self, body: Any) -> None:
        message = parse_event(body)
        if message is None:
            return
        # The person sees "typing…" while we work; a failure here changes nothing.
        with contextlib.suppress(ZaloBotError, httpx.HTTPError):
            await self.client.call("sendChatAction", chat_id=message.chat_id, action="typing")
        await self.processor.process(message)

    async def poll(self, stop: asyncio.Event) -> None:
        """Development mode. getUpdates hands out one event per call and forgets it: a failed one is
        retried here a few times, since Zalo will not send it again."""
        with contextlib.suppress(ZaloBotError, httpx.HTTPError):
            await self.client.call("deleteWebhook")
        while not stop.is_set():
            try:
                event = await self.client.call("getUpdates", timeout=25)
            except ZaloBotError as error:
                if error.code != 408:  # 408: the long poll ended with nothing new
                    log.warning("Zalo getUpdates failed: %s", error.code)
                    await pause(stop, 2.0, self.sleep)
                continue
            except httpx.HTTPError as error:
                log.warning("Zalo getUpdates failed: %s", type(error).__name__)
                await pause(stop, 2.0, self.sleep)
                continue
            for attempt in range(3):
                try:
                    await self.handle(event)
                    break
                except ValueError:
                    log.warning("Zalo sent an event we cannot read")
                    break
                except Exception:
                    log.exception("Zalo event failed (attempt %d)", attempt + 1)
                    await pause(stop, 1.0, self.sleep)
            await pause(stop, POLL_INTERVAL, self.sleep)


def _token(settings: Settings) -> str:
    return settings.zalo_bot_token.get_secret_value() if settings.zalo_bot_token else ""


def webhook_secret(app: App) -> WebhookSecret:
    return WebhookSecret(app.database, app.settings.zalo_webhook_secret, SECRET_KEY)


async def set_zalo_webhook(app: App, url: str) -> str:
    """Register our Zalo Bot endpoint under the configured secret, or a fresh one kept in the database
    for every worker."""
    token = _token(app.settings)
    if not token:
        raise ValueError("HOANHAP_ZALO_BOT_TOKEN is not set")
    secret = await webhook_secret(app).issue()
    target = url.rstrip("/")
    target = target if target.endswith(PATH) else target + PATH
    client = ZaloBotClient(token, app.settings.zalo_api_base)
    try:
        await client.call("setWebhook", url=target, secret_token=secret)
    finally:
        await client.close()
    return target


def _parse_body(raw: bytes) -> Any:
    data = json.loads(raw)
    parse_event(data)  # unreadable events are refused before anything is recorded
    return data


def webhook_router(channel: ZaloBotChannel, secret: Callable[[], Awaitable[str]]) -> APIRouter:
    router = APIRouter()
    authorised = secret_header(SECRET_HEADER, secret)

    @router.post(PATH)
    async def zalo_webhook(request: Request) -> Response:
        return await handle_webhook(request, authorised, _parse_body, channel.handle)

    return router
