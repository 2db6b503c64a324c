"""Zalo Official Account API v3: signed webhook events in, customer-service messages out.

The access token expires (error -216): the token pair lives in one database row and is refreshed
under that row's lock, so two workers never spend the same single-use refresh token. A staff reply to
someone outside the free reply window is held, visibly, until they write again, rather than dropped
or sent as a paid message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Self

import httpx
from fastapi import APIRouter, Request, Response

from bot.channels.base import DeliveryError, Transport
from bot.channels.registry import Channel, register
from bot.channels.webhooks import handle_webhook
from bot.channels.zalo.common import http_failure, pieces
from bot.messaging.pipeline import MessageProcessor
from bot.storage.database import Database
from bot.storage.unit_of_work import UnitOfWork
from handlers.messages import START, TEXT, UNSUPPORTED, IncomingMessage

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings

log = logging.getLogger(__name__)
CHANNEL = "zalo_oa"
PATH = "/zalo/oa/webhook"
SIGNATURE_HEADER = "X-ZEvent-Signature"
TOKEN_EXPIRED = -216
# Answers that mean "outside the reply window: the person must write first".
OUTSIDE_WINDOW = frozenset({-213, -230, -232})


class ZaloOAError(Exception):
    pass


@dataclass
class ZaloOAClient:
    database: Database
    app_id: str
    secret_key: str
    api_base: str
    oauth_base: str
    clock: Callable[[], datetime]
    http: httpx.AsyncClient

    async def _token(self) -> str:
        async with UnitOfWork(self.database) as uow:
            row = await uow.zalo_tokens.get()
        if row is None:
            raise ZaloOAError("no Zalo OA token: run `hoanhap zalo oa-token`")
        return row.access_token

    async def refresh(self, spent: str) -> str:
        """A fresh access token. Under the row's lock: if another worker already replaced the token
        that failed, use theirs rather than spend the refresh token a second time."""
        async with UnitOfWork(self.database) as uow:
            row = await uow.zalo_tokens.get(for_update=True)
            if row is None:
                raise ZaloOAError("no Zalo OA token: run `hoanhap zalo oa-token`")
            if row.access_token != spent:
                return row.access_token
            response = await self.http.post(
                f"{self.oauth_base.rstrip('/')}/v4/oa/access_token",
                headers={"secret_key": self.secret_key},
                data={"refresh_token": row.refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"},
            )
            body = response.json()
            if "access_token" not in body or "refresh_token" not in body:
                raise ZaloOAError(f"token refresh refused: {body.get('error')} {body.get('error_name', '')}")
            now = self.clock()
            row.access_token, row.refresh_token = body["access_token"], body["refresh_token"]
            row.expires_at = now + timedelta(seconds=int(body.get("expires_in") or 0))
            row.updated_at = now
            await uow.commit()
            log.info("Zalo OA access token refreshed")
            return str(body["access_token"])

    async def send_text(self, user_id: str, text: str) -> dict[str, Any]:
        token = await self._token()
        for attempt in range(2):
            response = await self.http.post(
                f"{self.api_base.rstrip('/')}/v3.0/oa/message/cs",
                headers={"access_token": token},
                json={"recipient": {"user_id": user_id}, "message": {"text": text}},
            )
            response.raise_for_status()
            body: dict[str, Any] = response.json()
            if body.get("error") == TOKEN_EXPIRED and attempt == 0:
                token = await self.refresh(token)
                continue
            return body
        return body


def verify_signature(raw: bytes, header: str, app_id: str, secret_key: str) -> bool:
    """`mac=` + SHA-256 of app id + raw body + the event's timestamp + the OA secret key."""
    if not header.startswith("mac=") or not secret_key:
        return False
    try:
        timestamp = str(json.loads(raw).get("timestamp", ""))
    except (ValueError, AttributeError):
        return False
    expected = hashlib.sha256((app_id + raw.decode("utf-8", "replace") + timestamp + secret_key).encode()).hexdigest()
    return hmac.compare_digest(header[4:].strip().lower(), expected)


def parse_event(body: Any) -> IncomingMessage | None:
    if not isinstance(body, dict) or not body.get("event_name"):
        raise ValueError("not a Zalo OA event")
    event = str(body["event_name"])
    user = (body.get("follower") if event in ("follow", "unfollow") else body.get("sender")) or {}
    user_id = str(user.get("id", ""))
    if not user_id:
        raise ValueError("event without a user")
    message = body.get("message") or {}
    external = str(message.get("msg_id") or f"{event}:{user_id}:{body.get('timestamp', '')}")
    base = IncomingMessage(channel=CHANNEL, chat_id=user_id, user_id=user_id, update_id=external, kind=UNSUPPORTED)
    if event == "user_send_text" and isinstance(message.get("text"), str):
        return IncomingMessage(
            channel=CHANNEL, chat_id=user_id, user_id=user_id, update_id=external, kind=TEXT, text=message["text"]
        )
    if event == "follow":
        return IncomingMessage(channel=CHANNEL, chat_id=user_id, user_id=user_id, update_id=external, kind=START)
    if event == "unfollow" or not event.startswith("user_"):
        return None  # nobody to answer (or a delivery/read receipt)
    return base


class ZaloOATransport(Transport):
    def __init__(self, client: ZaloOAClient) -> None:
        self.client = client

    async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
        last = ""
        for piece in pieces(payload):
            try:
                body = await self.client.send_text(chat_id, piece)
            except ZaloOAError as error:
                raise DeliveryError(str(error)[:300]) from error
            except httpx.HTTPStatusError as error:
                raise http_failure(None, error.response.status_code) from error
            except httpx.HTTPError as error:
                raise http_failure(error) from error
            code = int(body.get("error", 0) or 0)
            if code in OUTSIDE_WINDOW:
                raise DeliveryError(f"outside the reply window ({code})", held=True)
            if code != 0:
                raise DeliveryError(f"rejected: {code} {body.get('message', '')}"[:300], permanent=True)
            last = str((body.get("data") or {}).get("message_id", ""))
        return last


@register
class ZaloOAChannel(Channel):
    kind = CHANNEL

    def __init__(self, processor: MessageProcessor, database: Database, client: ZaloOAClient) -> None:
        self.processor = processor
        self.database = database
        self.client = client
        self.transport = ZaloOATransport(client)

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.zalo_oa_app_id and _secret_key(settings))

    @classmethod
    def build(cls, app: App, wake: Callable[[], None]) -> Self:
        settings = app.settings
        http = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0))
        client = ZaloOAClient(
            app.database,
            settings.zalo_oa_app_id,
            _secret_key(settings),
            settings.zalo_oa_api_base,
            settings.zalo_oa_oauth_base,
            app.clock,
            http,
        )
        return cls(app.processor, app.database, client)

    def router(self) -> APIRouter:
        return webhook_router(self, self.client.app_id, self.client.secret_key)

    async def close(self) -> None:
        await self.client.http.aclose()

    async def handle(self, body: Any) -> None:
        message = parse_event(body)
        if message is None:
            return
        await self.processor.process(message)
        # The person wrote: the window is open again, and replies held for them may go now.
        async with UnitOfWork(self.database) as uow:
            if await uow.outbox.release_held(CHANNEL, message.chat_id, self.processor.clock()):
                await uow.commit()
        self.processor.on_commit()


def _secret_key(settings: Settings) -> str:
    return settings.zalo_oa_secret_key.get_secret_value() if settings.zalo_oa_secret_key else ""


def _parse_body(raw: bytes) -> Any:
    data = json.loads(raw)
    parse_event(data)
    return data


def signature_present(header: str, secret_key: str) -> bool:
    """What can be told before the body is read: a key to check against, and a signature of the right
    shape (`mac=` and 64 hex digits)."""
    mac = header[4:].strip().lower() if header.startswith("mac=") else ""
    return bool(secret_key) and len(mac) == 64 and all(c in "0123456789abcdef" for c in mac)


def webhook_router(channel: ZaloOAChannel, app_id: str, secret_key: str) -> APIRouter:
    router = APIRouter()

    async def authorised(request: Request) -> bool:
        return signature_present(request.headers.get(SIGNATURE_HEADER, ""), secret_key)

    def verify(raw: bytes, request: Request) -> bool:
        return verify_signature(raw, request.headers.get(SIGNATURE_HEADER, ""), app_id, secret_key)

    @router.post(PATH)
    async def zalo_oa_webhook(request: Request) -> Response:
        return await handle_webhook(request, authorised, _parse_body, channel.handle, verify)

    return router
