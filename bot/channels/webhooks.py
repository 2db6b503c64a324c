"""The shape every channel webhook shares: authenticate, parse, handle, and answer 2xx only after commit."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request, Response
from pydantic import SecretStr

from bot import metrics
from bot.messaging.backpressure import OutboxPressure
from bot.storage.database import Database
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000
T = TypeVar("T")


@dataclass(frozen=True)
class WebhookSecret:
    """A webhook's shared secret: the configured one, else the one `set-webhook` generated and kept in
    the database (under `key`) for every worker."""

    database: Database
    configured: SecretStr | None
    key: str

    async def __call__(self) -> str:
        return self._configured() or await self.registered()

    async def registered(self) -> str:
        """The secret `set-webhook` kept in the database ("" when it never ran)."""
        async with UnitOfWork(self.database) as uow:
            return await uow.meta.get(self.key) or ""

    async def issue(self) -> str:
        """The secret to register with the platform: the configured one, else a fresh one; kept."""
        secret = self._configured() or secrets.token_urlsafe(32)
        async with UnitOfWork(self.database) as uow:
            await uow.meta.set(self.key, secret)
            await uow.commit()
        return secret

    def _configured(self) -> str:
        return self.configured.get_secret_value() if self.configured is not None else ""


def secret_header(name: str, secret: Callable[[], Awaitable[str]]) -> Callable[[Request], Awaitable[bool]]:
    """A check of a shared-secret header, in constant time; no secret configured means no entry."""

    async def check(request: Request) -> bool:
        expected = await secret()
        given = request.headers.get(name, "")
        return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())

    return check


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes | None:
    """The body, read as it arrives and given up on past `limit` bytes (None), declared or not."""
    declared = request.headers.get("content-length", "")
    if declared and (not declared.isascii() or not declared.isdigit() or int(declared) > limit):
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def handle_webhook(
    request: Request,
    authorised: Callable[[Request], Awaitable[bool]],
    parse: Callable[[bytes], T],
    handle: Callable[[T], Awaitable[None]],
    verify: Callable[[bytes, Request], bool] = lambda _raw, _request: True,
) -> Response:
    """The webhook's answer (see `_answer`), counted by channel and status."""
    response = await _answer(request, authorised, parse, handle, verify)
    # Labelled by the route's own fixed path (/telegram/webhook, /zalo/oa/webhook), never by anything
    # the caller chose: each distinct label value is a time series kept for good.
    route = getattr(request.scope.get("route"), "path", "other")
    metrics.webhook_responses.labels(route, str(response.status_code)).inc()
    return response


async def _answer(
    request: Request,
    authorised: Callable[[Request], Awaitable[bool]],
    parse: Callable[[bytes], T],
    handle: Callable[[T], Awaitable[None]],
    verify: Callable[[bytes, Request], bool],
) -> Response:
    """401 unauthenticated, 400 unreadable, 413 too large (nothing recorded for any of them); 503 with
    Retry-After while the outbox is behind (back-pressure: the platform keeps the update and delivers
    it again later); 500 when handling failed, so the platform delivers again; 200 once the effects
    are committed.

    `authorised` looks at the headers only and runs before a byte of the body is read: a caller
    without the secret costs no memory. `verify` checks what needs the body (a signature over it)."""
    if not await authorised(request):
        return Response(status_code=401)
    pressure: OutboxPressure | None = getattr(request.app.state, "outbox_pressure", None)
    if pressure is not None and (wait := await pressure.retry_after()) is not None:
        return Response(status_code=503, headers={"Retry-After": str(wait)})
    raw = await read_body(request)
    if raw is None:
        return Response(status_code=413, headers={"Connection": "close"})
    if not verify(raw, request):
        return Response(status_code=401)
    try:
        item = parse(raw)
    except ValueError:  # pydantic's ValidationError and json's JSONDecodeError are ValueErrors
        return Response(status_code=400)
    try:
        await handle(item)
    except Exception:
        log.exception("webhook %s failed", request.url.path)
        return Response(status_code=500)
    return Response(status_code=200, content=b"{}", media_type="application/json")
