"""A second factor for staff and admins: TOTP (RFC 6238, the codes of any authenticator app) and ten
one-time recovery codes, kept only as SHA-256 (they are random, so a fast hash is enough).

Enrolment keeps the new secret aside until a first code from it is given, so a mistyped secret never
locks the user out. A code opens one login only: the time step it was made for is remembered.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import segno

from bot.storage.models import UserRow
from bot.storage.unit_of_work import UnitOfWork

# The name authenticator apps show beside the account (a product name, not a sentence).
ISSUER = "Hòa Nhập"
STEP_SECONDS = 30
# A code of the step before or after is accepted too: phones' clocks drift.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_HALF = 5
_SEPARATORS = re.compile(r"[\s-]+")


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code, drawn here (no network, no script)."""
    svg: str = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return svg


def _normalise(code: str) -> str:
    return _SEPARATORS.sub("", code).lower()[:32]


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def new_recovery_code() -> str:
    letters = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(2 * _RECOVERY_HALF))
    return f"{letters[:_RECOVERY_HALF]}-{letters[_RECOVERY_HALF:]}"


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step the six-digit code was made for, within the allowed drift; none if it fits none."""
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def start(user: UserRow) -> str:
    """A new secret set aside for the user until confirmed (a new start replaces an unconfirmed one)."""
    user.totp_pending = pyotp.random_base32()
    return user.totp_pending


async def confirm(
    uow: UnitOfWork, user: UserRow, code: str, now: datetime, *, actor: str, keep_session: int | None
) -> list[str] | None:
    """The second factor switched on by a first right code: the recovery codes, to show once.

    Every other session of the user ends: whoever was in with the password alone is out."""
    if user.totp_pending is None:
        return None
    step = matching_step(user.totp_pending, code, now)
    if step is None:
        return None
    user.totp_secret, user.totp_pending, user.totp_last_step = user.totp_pending, None, step
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    await uow.recovery_codes.replace(user.id, [_recovery_hash(c) for c in codes], now)
    await uow.web_sessions.end_all_of(user.id, keep=keep_session)
    user.updated_at = now
    await uow.audit.add(actor, "user.2fa_on", user.username, now)
    return codes


async def verify(uow: UnitOfWork, user: UserRow, code: str, now: datetime) -> bool:
    """A right code from the app (not one used already), or an unused recovery code (used up now)."""
    if user.totp_secret is None:
        return False
    step = matching_step(user.totp_secret, code, now)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return False
        user.totp_last_step = step
        return True
    if len(_normalise(code)) != 2 * _RECOVERY_HALF:
        return False
    return await uow.recovery_codes.use(user.id, _recovery_hash(code), now)


async def switch_off(uow: UnitOfWork, user: UserRow, now: datetime, *, actor: str) -> None:
    """No second factor any more (the user's choice, or an admin's reset for a lost phone)."""
    user.totp_secret = user.totp_pending = None
    user.totp_last_step = None
    await uow.recovery_codes.remove_all(user.id)
    user.updated_at = now
    await uow.audit.add(actor, "user.2fa_off", user.username, now)
