"""What every request is held to (a body of bounded size, counted as it streams in) and what every
response carries: the per-browser CSRF secret, headers that keep pages to themselves, and the
request's id. All pure ASGI (no BaseHTTPMiddleware: see BrowserSecurityMiddleware)."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable

from fastapi import Request, Response
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.logging_setup import request_id
from bot.reference.uploads import MAX_UPLOAD_BYTES
from bot.web.security import CSRF_COOKIE

# Scripts and styles only from this site (no CDN, no inline script); pages never framed elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


# No form of ours needs more, but for an admin's upload of reference data: three CSV files of at most
# MAX_UPLOAD_BYTES each, and the form's own fields.
MAX_REQUEST_BYTES = 4 * 1024 * 1024
UPLOAD_PATH = "/admin/data/"
MAX_UPLOAD_REQUEST_BYTES = 3 * MAX_UPLOAD_BYTES + 64 * 1024


def request_limit(path: str) -> int:
    return MAX_UPLOAD_REQUEST_BYTES if path.startswith(UPLOAD_PATH) else MAX_REQUEST_BYTES


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a body passes its limit. An HTTPException, so FastAPI's body parsing
    lets it through as it is and the application answers 413."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


class BodyLimitMiddleware:
    """Pure ASGI, outermost: a declared Content-Length over the limit is refused before the
    application runs; any body (chunked, or longer than it declared) is counted as the application
    reads it, and reading past the limit ends the request with 413. Nothing buffers the body here, so
    a flood costs at most one limit's worth of memory (BaseHTTPMiddleware would not allow this)."""

    def __init__(self, app: ASGIApp, limit: Callable[[str], int] = request_limit) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        declared = [v for k, v in scope["headers"] if k == b"content-length"]
        if declared and not all(v.isdigit() and len(v) < 19 and int(v) <= limit for v in declared):
            await _too_large(send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            # Read outside FastAPI's body parsing (a route reading the stream itself): answered here.
            if not started:
                await _too_large(send)


async def _too_large(send: Send) -> None:
    # Connection: close: the rest of the body is never read, so the connection cannot serve another.
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close"), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


class BrowserSecurityMiddleware:
    """The per-browser CSRF seed (read from its cookie, or a fresh one set on the response) and the
    headers every response carries. Pure ASGI: BaseHTTPMiddleware runs the application in a task
    group, which would wrap BodyLimitMiddleware's 413 in an ExceptionGroup (answered 400)."""

    def __init__(self, app: ASGIApp, secure_cookies: bool) -> None:
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seed = Request(scope).cookies.get(CSRF_COOKIE, "")
        fresh = not seed or len(seed) > 100
        if fresh:
            seed = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_seed"] = seed
        set_cookie = fresh and not scope["path"].startswith(("/api/", "/telegram/", "/zalo/", "/static/", "/metrics"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if set_cookie:
                    cookie = Response()
                    cookie.set_cookie(
                        CSRF_COOKIE, seed, path="/", httponly=True, samesite="lax", secure=self.secure_cookies
                    )
                    headers.append("set-cookie", cookie.headers["set-cookie"])
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


REQUEST_ID_HEADER = b"x-request-id"
# What a proxy's or a client's id may look like to be kept (nginx's $request_id, a UUID, ...):
# anything else (too long, spaces, control characters, a header injection) is replaced by our own.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The first X-Request-ID if it is sane, else a fresh one."""
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            if _SANE_REQUEST_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Outermost: every request gets an id (the proxy's X-Request-ID when sane, else a new one),
    held in `bot.logging_setup.request_id` for every log record written while it is served and
    echoed in the response's X-Request-ID."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        value = incoming_request_id(scope["headers"])
        scope.setdefault("state", {})["request_id"] = value

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = value
            await send(message)

        token = request_id.set(value)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
