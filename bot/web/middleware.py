"""What every response carries: the per-browser CSRF secret, and headers that keep pages to themselves."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from starlette.middleware.base import BaseHTTPMiddleware

from bot.web.security import CSRF_COOKIE

# Scripts and styles only from this site (no CDN, no inline script); pages never framed elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


# No form of ours needs more (the largest is an admin's upload of the knowledge base or reference data).
MAX_REQUEST_BYTES = 4 * 1024 * 1024


class BrowserSecurityMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: object, secure_cookies: bool) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.secure_cookies = secure_cookies

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # Refused before any form is parsed: FastAPI would otherwise read the whole body first.
        length = request.headers.get("content-length", "")
        if length and (not length.isdigit() or int(length) > MAX_REQUEST_BYTES):
            return Response(status_code=413)
        seed = request.cookies.get(CSRF_COOKIE, "")
        fresh = not seed or len(seed) > 100
        if fresh:
            seed = secrets.token_urlsafe(32)
        request.state.csrf_seed = seed
        response = await call_next(request)
        if fresh and not request.url.path.startswith(("/api/", "/telegram/", "/zalo/", "/static/")):
            response.set_cookie(CSRF_COOKIE, seed, path="/", httponly=True, samesite="lax", secure=self.secure_cookies)
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if headers.get("content-type", "").startswith("text/html"):
            headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            headers.setdefault("Cache-Control", "no-store")
        return response
