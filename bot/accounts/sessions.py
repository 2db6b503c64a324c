"""Staff and admin web sessions, kept on the server: the cookie carries a random token, the server
keeps its SHA-256 with who, since when, last seen, from where and in what browser. Logging out, a
user ending one of their sessions, a new password or disabling the user deletes the rows, so the
cookie opens nothing any more. A session ends when idle too long and at its absolute end."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import as_utc
from bot.config import Settings
from bot.storage.models import UserRow, WebSessionRow
from bot.storage.unit_of_work import UnitOfWork

TOKEN_BYTES = 32
USER_AGENT_CHARS = 200
# Last seen is written at most this often: a page view need not be a write.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    lifetime: timedelta

    @classmethod
    def of(cls, settings: Settings) -> SessionPolicy:
        return cls(timedelta(minutes=settings.session_idle_minutes), timedelta(hours=settings.session_hours))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def begin(
    uow: UnitOfWork, user: UserRow, now: datetime, policy: SessionPolicy, *, address: str, user_agent: str
) -> str:
    """A new session of the user; its token, for the cookie (never stored)."""
    await uow.web_sessions.end_stale(now - policy.idle, now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    await uow.web_sessions.add(
        token_hash(token),
        user.id,
        user.session_version,
        now,
        now + policy.lifetime,
        address=address[:64],
        user_agent=_PRINTABLE.sub("", user_agent)[:USER_AGENT_CHARS],
    )
    return token


def is_live(row: WebSessionRow, user: UserRow | None, now: datetime, policy: SessionPolicy) -> bool:
    return (
        user is not None
        and user.active
        and row.session_version == user.session_version
        and as_utc(row.expires_at) > now
        and as_utc(row.last_seen_at) + policy.idle > now
    )


async def resume(
    uow: UnitOfWork, token: str, now: datetime, policy: SessionPolicy
) -> tuple[WebSessionRow, UserRow] | None:
    """The session and its user, seen now; none for an unknown, ended or expired one (deleted)."""
    row = await uow.web_sessions.by_token_hash(token_hash(token))
    if row is None:
        return None
    user = await uow.users.get(row.user_id)
    if user is None or not is_live(row, user, now, policy):
        await uow.web_sessions.end(row.id, user_id=row.user_id)
        return None
    if now - as_utc(row.last_seen_at) >= TOUCH_EVERY:
        await uow.web_sessions.touch(row.id, now)
    return row, user


async def end(uow: UnitOfWork, token: str) -> None:
    row = await uow.web_sessions.by_token_hash(token_hash(token))
    if row is not None:
        await uow.web_sessions.end(row.id, user_id=row.user_id)


async def live_sessions(uow: UnitOfWork, user: UserRow, now: datetime, policy: SessionPolicy) -> list[WebSessionRow]:
    return [row for row in await uow.web_sessions.of_user(user.id) if is_live(row, user, now, policy)]


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("Windows", "Windows"),
    ("Mac OS", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def short_agent(user_agent: str) -> str:
    """A short name such as "Firefox · Linux" from a user-agent string: enough to tell one's own browsers apart."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    if browser or system:
        return " · ".join(part for part in (browser, system) if part)
    return _PRINTABLE.sub("", user_agent)[:40]
