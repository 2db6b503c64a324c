"""Sessions, CSRF tokens bound to a per-browser secret, the client's address, and who may see what.

A staff or admin session is a row on the server (bot/accounts/sessions.py); its cookie is the signed
random token that names it, so logging out (deleting the row) ends it for every copy of the cookie.
Between the password and the second factor, a short signed cookie names the user half signed in.
Every unsafe request carries a CSRF token, an HMAC of a random per-browser cookie; an attacker's
page can neither read that cookie nor compute the HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.accounts import sessions
from bot.accounts.sessions import SessionPolicy
from bot.app import App

SESSION_COOKIE = "hn_session"
SECOND_FACTOR_COOKIE = "hn_login2"
# Minutes between a right password and the authenticator's code.
SECOND_FACTOR_MINUTES = 5
CHAT_COOKIE = "hn_chat"
CSRF_COOKIE = "hn_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SECRET_KEY = "web_secret_key"  # noqa: S105 (a name, not a secret)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotAuthenticated(Exception):
    """Raised by a page that needs a login; answered with a redirect to the login form."""


class NeedsSecondFactor(Exception):
    """Raised for an admin without a second factor where one is required: sent to enrol first."""


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
    # The server-side session this request came with, and whether the user has a second factor.
    session_id: int = 0
    has_2fa: bool = False

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
        self._proxies = app.settings.trusted_proxy_networks()
        self.policy = SessionPolicy.of(app.settings)

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

    async def login_cookie(self, response: Response, token: str) -> None:
        value = (await self.serializer("session")).dumps(token)
        self._set_cookie(response, SESSION_COOKIE, value, self.app.settings.session_hours * 3600)
        response.delete_cookie(SECOND_FACTOR_COOKIE, path="/", httponly=True, samesite="lax")

    async def session_token(self, request: Request) -> str | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            value = (await self.serializer("session")).loads(raw, max_age=self.app.settings.session_hours * 3600)
        except BadSignature:
            return None
        return value if isinstance(value, str) and value else None

    def logout_cookie(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")

    async def second_factor_cookie(self, response: Response, user_id: int, session_version: int, next: str) -> None:
        value = (await self.serializer("second-factor")).dumps({"u": user_id, "v": session_version, "n": next})
        self._set_cookie(response, SECOND_FACTOR_COOKIE, value, SECOND_FACTOR_MINUTES * 60)

    async def half_signed_in(self, request: Request) -> tuple[int, int, str] | None:
        """(user id, session version, where to go) after a right password, until the code is given."""
        raw = request.cookies.get(SECOND_FACTOR_COOKIE)
        if not raw:
            return None
        try:
            data: Any = (await self.serializer("second-factor")).loads(raw, max_age=SECOND_FACTOR_MINUTES * 60)
            return int(data["u"]), int(data["v"]), str(data["n"])
        except (BadSignature, KeyError, TypeError, ValueError):
            return None

    def client_address(self, request: Request) -> str:
        return client_address(request, self._proxies)

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
        token = await self.session_token(request)
        if token is None:
            return None
        async with self.app.uow() as uow:
            found = await sessions.resume(uow, token, self.app.clock(), self.policy)
            await uow.commit()
        if found is None:
            return None
        session, row = found
        return WebUser(
            row.id,
            row.username,
            row.display_name,
            row.role,
            row.agency_code,
            row.is_lead,
            session_id=session.id,
            has_2fa=row.totp_secret is not None,
        )

    async def require_user(self, request: Request, *, enrolled: bool = True) -> WebUser:
        """Who is signed in; with `enrolled`, an admin without a second factor where one is required
        is sent to enrol first (the enrolment pages themselves ask without it)."""
        user = await self.current_user(request)
        if user is None:
            raise NotAuthenticated()
        if enrolled and user.is_admin and not user.has_2fa and self.app.settings.require_2fa:
            raise NeedsSecondFactor()
        return user

    # -- the web chat's conversation ------------------------------------------------------------

    async def chat_cookie(self, response: Response, chat_id: str, *, remember: bool = False) -> None:
        """The conversation's cookie: gone when the browser closes (a shared phone), unless the person
        asked this phone to remember it (then for `web_chat_days`)."""
        value = (await self.serializer("chat")).dumps([chat_id, 1 if remember else 0])
        days = self.app.settings.web_chat_days
        response.set_cookie(
            CHAT_COOKIE,
            value,
            max_age=days * 86400 if remember else None,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.app.settings.secure_cookies,
        )

    def forget_chat_cookie(self, response: Response) -> None:
        response.delete_cookie(CHAT_COOKIE, path="/", httponly=True, samesite="lax")

    async def chat_session(self, request: Request) -> ChatSession | None:
        """The conversation this browser names, and whether it is remembered; None for none, a forged
        or an expired cookie. A cookie of the older form (the id alone) reads as not remembered."""
        raw = request.cookies.get(CHAT_COOKIE)
        if not raw:
            return None
        try:
            value: Any = (await self.serializer("chat")).loads(raw, max_age=self.app.settings.web_chat_days * 86400)
        except BadSignature:
            return None
        if isinstance(value, str) and value:
            return ChatSession(value, remembered=False, legacy=True)
        if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and value[0]:
            return ChatSession(value[0], remembered=value[1] == 1)
        return None

    async def chat_id(self, request: Request) -> str | None:
        found = await self.chat_session(request)
        return found.chat_id if found else None


@dataclass(frozen=True)
class ChatSession:
    chat_id: str
    remembered: bool
    # Written before the cookie said whether to remember: re-set as a session cookie.
    legacy: bool = False


def login_redirect_target(request: Request) -> str:
    """Where the login form sends the user back to: only a path of this site."""
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    return "/login?next=" + quote(path, safe="")


def local_path(target: str | None) -> str:
    """An open redirect is refused: only local paths, never `//host` or a scheme ("" for none)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return ""
    return target


def safe_next(target: str | None, home: str = "/staff") -> str:
    return local_path(target) or home


def home_of(role: str) -> str:
    """Where a login lands without a page asked for: an admin's console, or the staff workspace."""
    return "/admin" if role == "admin" else "/staff"


def security(request: Request) -> WebSecurity:
    found: WebSecurity = request.app.state.security
    return found


def hoanhap(request: Request) -> App:
    found: App = request.app.state.hoanhap
    return found


def client_address(request: Request, proxies: list[IPv4Network | IPv6Network]) -> str:
    """The peer's address; behind a trusted proxy, the nearest address in X-Forwarded-For that is not
    itself a trusted proxy. From any other peer the header is ignored: anyone can write it."""
    peer = request.client.host if request.client else ""
    if not proxies or not _within(peer, proxies):
        return peer or "unknown"
    hops = [hop.strip() for header in request.headers.getlist("x-forwarded-for") for hop in header.split(",")]
    for hop in reversed(hops):
        if not _is_address(hop):
            break
        if not _within(hop, proxies):
            return hop
    return peer


def _is_address(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


def _within(text: str, networks: list[IPv4Network | IPv6Network]) -> bool:
    try:
        address = ip_address(text)
    except ValueError:
        return False
    return any(address in network for network in networks)


async def signed_in_user(request: Request) -> WebUser:
    """Dependency of the user's own account pages: reachable before a required second factor exists."""
    return await security(request).require_user(request, enrolled=False)


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
