"""What every response carries: the per-browser CSRF secret, and headers that keep pages to themselves."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from starlette.middleware.base import BaseHTTPMiddleware

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


class BrowserSecurityMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: object, secure_cookies: bool) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.secure_cookies = secure_cookies

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # Refused before any form is parsed: FastAPI would otherwise read the whole body first.
        length = request.headers.get("content-length", "")
        if length and (not length.isdigit() or int(length) > request_limit(request.url.path)):
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
