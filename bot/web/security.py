"""Sessions in signed cookies, CSRF tokens bound to a per-browser secret, and who may see what.

A staff or admin session is a signed, expiring cookie holding the user id and the user's session
version: disabling a user or changing their password bumps the version and ends every session.
Every unsafe request carries a CSRF token, an HMAC of a random per-browser cookie; an attacker's
page can neither read that cookie nor compute the HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.app import App

SESSION_COOKIE = "hn_session"
CHAT_COOKIE = "hn_chat"
CSRF_COOKIE = "hn_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SECRET_KEY = "web_secret_key"  # noqa: S105 (a name, not a secret)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotAuthenticated(Exception):
    """Raised by a page that needs a login; answered with a redirect to the login form."""


class CsrfError(Exception):
    """Raised when an unsafe request lacks a valid CSRF token; answered with 403."""


@dataclass(frozen=True)
class WebUser:
    id: int
    username: str
    display_name: str
    role: str
    agency_code: str | None
    is_lead: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        return self.display_name or self.username

    def may_see_agency(self, agency_code: str) -> bool:
        return self.is_admin or self.agency_code == agency_code


class WebSecurity:
    """The signing secret (from the settings, else generated once and kept in the database)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._key: bytes | None = None

    async def key(self) -> bytes:
        if self._key is None:
            configured = self.app.settings.secret_key
            value = configured.get_secret_value() if configured is not None else ""
            if not value:
                async with self.app.uow() as uow:
                    value = await uow.meta.get(SECRET_KEY) or ""
                    if not value:
                        value = secrets.token_urlsafe(48)
                        await uow.meta.set(SECRET_KEY, value)
                        await uow.commit()
            self._key = value.encode()
        return self._key

    async def serializer(self, salt: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(await self.key(), salt=salt)

    # -- CSRF -----------------------------------------------------------------------------------

    async def csrf_token(self, seed: str) -> str:
        return hmac.new(await self.key(), seed.encode(), hashlib.sha256).hexdigest()

    async def check_csrf(self, request: Request) -> None:
        seed = request.cookies.get(CSRF_COOKIE, "")
        given = request.headers.get(CSRF_HEADER, "")
        form = None
        if not given:
            content_type = request.headers.get("content-type", "")
            if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                form = await request.form()
                value = form.get(CSRF_FIELD)
                given = value if isinstance(value, str) else ""
        if not seed or not given or not hmac.compare_digest(given, await self.csrf_token(seed)):
            if form is not None:
                # A refused upload's spooled temporary files go now: no route will read them.
                await form.close()
            raise CsrfError()

    # -- staff and admin sessions ---------------------------------------------------------------

    async def login_cookie(self, response: Response, user_id: int, session_version: int) -> None:
        value = (await self.serializer("session")).dumps({"u": user_id, "v": session_version})
        self._set_cookie(response, SESSION_COOKIE, value, self.app.settings.session_hours * 3600)

    def logout_cookie(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")

    def _set_cookie(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.app.settings.secure_cookies,
        )

    async def current_user(self, request: Request) -> WebUser | None:
        """Who is signed in, read once per request (a page rendered while the route's unit of work
        is open must not need another one: with SQLite they queue on one lock)."""
        if hasattr(request.state, "user"):
            cached: WebUser | None = request.state.user
            return cached
        user = await self._session_user(request)
        request.state.user = user
        return user

    async def _session_user(self, request: Request) -> WebUser | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data: Any = (await self.serializer("session")).loads(raw, max_age=self.app.settings.session_hours * 3600)
            user_id, version = int(data["u"]), int(data["v"])
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        async with self.app.uow() as uow:
            row = await uow.users.get(user_id)
            if row is None or not row.active or row.session_version != version:
                return None
            return WebUser(row.id, row.username, row.display_name, row.role, row.agency_code, row.is_lead)

    async def require_user(self, request: Request) -> WebUser:
        user = await self.current_user(request)
        if user is None:
            raise NotAuthenticated()
        return user

    # -- the web chat's conversation ------------------------------------------------------------

    async def chat_cookie(self, response: Response, chat_id: str) -> None:
        value = (await self.serializer("chat")).dumps(chat_id)
        self._set_cookie(response, CHAT_COOKIE, value, self.app.settings.web_chat_days * 86400)

    async def chat_id(self, request: Request) -> str | None:
        raw = request.cookies.get(CHAT_COOKIE)
        if not raw:
            return None
        try:
            value = (await self.serializer("chat")).loads(raw, max_age=self.app.settings.web_chat_days * 86400)
        except BadSignature:
            return None
        return value if isinstance(value, str) and value else None


def login_redirect_target(request: Request) -> str:
    """Where the login form sends the user back to: only a path of this site."""
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    return "/login?next=" + quote(path, safe="")


def safe_next(target: str | None) -> str:
    """An open redirect is refused: only local paths, never `//host` or a scheme."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/staff"
    return target


def security(request: Request) -> WebSecurity:
    found: WebSecurity = request.app.state.security
    return found


def hoanhap(request: Request) -> App:
    found: App = request.app.state.hoanhap
    return found


async def staff_user(request: Request) -> WebUser:
    """Dependency of every staff page: a signed-in staff member or admin."""
    return await security(request).require_user(request)


async def admin_user(request: Request) -> WebUser:
    """Dependency of every admin page: anyone else gets 404, as if the page did not exist."""
    user = await security(request).require_user(request)
    if not user.is_admin:
        raise HTTPException(status_code=404)
    return user


async def csrf_protect(request: Request) -> None:
    """Router dependency: every unsafe request needs the CSRF token."""
    if request.method in UNSAFE_METHODS:
        await security(request).check_csrf(request)
