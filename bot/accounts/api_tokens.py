"""Bearer tokens for agencies' own case systems (the `/api/v1` API).

A token is shown once, when it is made; the database keeps only its SHA-256. Looking a token up by
its hash means no comparison ever runs over the secret itself, so timing tells an attacker nothing,
and a stolen database dump holds no usable token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from bot.clock import as_utc
from bot.storage.models import ApiTokenRow
from bot.storage.unit_of_work import UnitOfWork

# Marks the string as ours, so secret scanners and people reading a config file can tell what it is.
TOKEN_PREFIX = "hn_"  # noqa: S105 (the public marker of a token, not a secret)
# How much of the token lists and logs may show: enough to tell tokens apart, far too little to use.
SHOWN_CHARS = 8
MAX_LABEL_CHARS = 100
# Longer than any token we make; anything longer is refused before it costs a hash and a query.
_MAX_TOKEN_CHARS = 200
# last_used_at is for an operator's eye ("is this integration still alive?"): minute precision is
# plenty, and it spares a write on every call of a busy integration.
_LAST_USED_PRECISION = timedelta(minutes=1)


class ApiTokenError(ValueError):
    pass


class UnknownAgencyError(ApiTokenError):
    pass


class UnknownTokenError(ApiTokenError):
    pass


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def create_token(uow: UnitOfWork, agency_code: str, label: str, actor: str, now: datetime) -> str:
    """A new token for an agency; the caller shows it once, then it exists only as a hash."""
    if await uow.agencies.get(agency_code) is None:
        raise UnknownAgencyError(f"no agency {agency_code}")
    label = " ".join(label.split())
    if len(label) > MAX_LABEL_CHARS:
        raise ApiTokenError(f"the label is longer than {MAX_LABEL_CHARS} characters")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    prefix = raw[:SHOWN_CHARS]
    token_id = await uow.api_tokens.add(agency_code, hash_token(raw), prefix, label, actor, now)
    await uow.audit.add(
        actor,
        "token.create",
        f"api_token:{token_id}",
        now,
        after={"agency": agency_code, "prefix": prefix, "label": label},
    )
    return raw


async def revoke_token(uow: UnitOfWork, token_id: int, actor: str, now: datetime) -> ApiTokenRow:
    """Stop a token working at once; revoking twice keeps the first time."""
    row = await uow.api_tokens.get(token_id)
    if row is None:
        raise UnknownTokenError(f"no API token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = now
        await uow.flush()
        await uow.audit.add(
            actor, "token.revoke", f"api_token:{token_id}", now, after={"agency": row.agency_code, "prefix": row.prefix}
        )
    return row


async def verify_token(uow: UnitOfWork, raw: str, now: datetime) -> ApiTokenRow | None:
    """The live token row for a presented secret, or None (unknown, revoked, or malformed)."""
    if not raw or len(raw) > _MAX_TOKEN_CHARS:
        return None
    row = await uow.api_tokens.by_hash(hash_token(raw))
    if row is None or row.revoked_at is not None:
        return None
    if row.last_used_at is None or now - as_utc(row.last_used_at) >= _LAST_USED_PRECISION:
        row.last_used_at = now
    return row
