"""Staff and admin accounts: argon2 password hashes, and checking a password (throttled: throttle.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.accounts import throttle
from bot.accounts.throttle import Ceilings
from bot.storage.models import UserRow
from bot.storage.unit_of_work import UnitOfWork

STAFF = "staff"
ADMIN = "admin"
ROLES = (STAFF, ADMIN)
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 256
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def production_hasher() -> PasswordHasher:
    """argon2-cffi's defaults (RFC 9106's low-memory profile: 3 passes over 64 MiB, 4 lanes)."""
    return PasswordHasher()


_hasher = production_hasher()
# Verified against when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    check_password(password)
    return _hasher.hash(password)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"the password may have at most {MAX_PASSWORD_CHARS} characters")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_username(username: str) -> str:
    # Control characters go: no username has them, and PostgreSQL refuses a NUL in any text.
    return "".join(ch for ch in username if ch.isprintable()).strip().lower()


async def create_user(
    uow: UnitOfWork,
    username: str,
    password: str,
    role: str,
    now: datetime,
    *,
    actor: str,
    agency_code: str | None = None,
    display_name: str = "",
    is_lead: bool = False,
) -> UserRow:
    username = normalise_username(username)
    if not USERNAME.match(username):
        raise AccountError("a username is 2-64 characters: letters a-z, digits, dot, dash, underscore")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if role == STAFF and not agency_code:
        raise AccountError("a staff user belongs to an agency: give --agency")
    if agency_code and await uow.agencies.get(agency_code) is None:
        raise AccountError(f"no agency {agency_code}")
    if await uow.users.by_username(username) is not None:
        raise AccountError(f"the username {username} is taken")
    row = await uow.users.add(
        username,
        hash_password(password),
        role,
        now,
        agency_code=agency_code or None,
        display_name=display_name.strip()[:200],
        is_lead=is_lead,
    )
    await uow.audit.add(actor, "user.create", username, now, after=user_summary(row))
    return row


def user_summary(row: UserRow) -> dict[str, object]:
    """What the audit log keeps of a user: never the hash."""
    return {
        "username": row.username,
        "display_name": row.display_name,
        "role": row.role,
        "agency_code": row.agency_code,
        "is_lead": row.is_lead,
        "active": row.active,
    }


async def set_password(
    uow: UnitOfWork, user: UserRow, password: str, now: datetime, *, actor: str, keep_session: int | None = None
) -> None:
    """A new password ends every session of the user (but `keep_session`, the one of a user changing
    their own password)."""
    user.password_hash = hash_password(password)
    await uow.web_sessions.end_all_of(user.id, keep=keep_session)
    if keep_session is None:
        user.session_version += 1
    user.updated_at = now
    await uow.audit.add(actor, "user.password", user.username, now)


@dataclass(frozen=True)
class LoginResult:
    user: UserRow | None
    # Seconds the next attempt must wait (after too many wrong passwords); 0 when it need not.
    wait_seconds: int = 0


async def authenticate(
    uow: UnitOfWork, username: str, password: str, now: datetime, address: str, ceilings: Ceilings
) -> LoginResult:
    """The user for a right password; otherwise none, and a wait after too many wrong ones.

    Attempts are counted per username and client address whether or not the username exists (so the
    answer never tells which usernames are real), per address and overall (bot/accounts/throttle.py);
    a waiting attempt is refused without looking at the password.
    """
    username = normalise_username(username)[:120]
    wait = await throttle.wait_seconds(uow, username, address, now, ceilings)
    if wait:
        return LoginResult(None, wait)
    user = await uow.users.by_username(username) if username else None
    ok = _verify(user.password_hash if user else _DUMMY_HASH, password[:MAX_PASSWORD_CHARS]) and user is not None
    if ok and user is not None and user.active:
        await throttle.record_success(uow, username, address)
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        user.last_login_at = now
        return LoginResult(user)
    await throttle.record_failure(uow, username, address, now)
    return LoginResult(None, await throttle.wait_seconds(uow, username, address, now, ceilings))


async def change_own_password(
    uow: UnitOfWork, user: UserRow, current: str, new: str, repeated: str, now: datetime, *, keep_session: int
) -> str | None:
    """The user's own new password, after the current one: their other sessions end, this one stays.
    A refusal is the key of its text; a wrong current password counts as a failed login would."""
    if not _verify(user.password_hash, current[:MAX_PASSWORD_CHARS]):
        return "account_password_wrong"
    if new != repeated:
        return "account_password_differ"
    if not MIN_PASSWORD_CHARS <= len(new) <= MAX_PASSWORD_CHARS:
        return "account_password_length"
    await set_password(uow, user, new, now, actor=user.username, keep_session=keep_session)
    user.updated_at = now
    return None
