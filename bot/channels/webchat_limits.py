"""The web chat's rate limits, per browser session and per client address, counted in the database
(`rate_buckets`) so that every worker process behind a load balancer counts the same.

Neither the address nor the session id is stored: each bucket's key is an HMAC of it under the app's
secret, so a copy of the table tells nobody who wrote. An IPv6 address counts by its /64, the block a
single household or phone is given.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv6Address, IPv6Network, ip_address

from bot.clock import as_utc
from bot.config import Settings
from bot.storage.unit_of_work import UnitOfWork

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    # Seconds until the window that refused ends (what Retry-After says).
    retry_after: int = 0


def bucket_key(secret: bytes, kind: str, value: str) -> str:
    return hmac.new(secret, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


def address_block(address: str) -> str:
    """What one person's traffic comes from: the address itself, or an IPv6 address's /64."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


async def count_message(
    uow: UnitOfWork, secret: bytes, chat_id: str, address: str, now: datetime, settings: Settings
) -> Verdict:
    """Count one message of this session from this address; refused past either allowance.

    The session's bucket is counted before the address's, always in that order, so two transactions
    on PostgreSQL never wait on each other's rows in a cycle.
    """
    session_count, session_began = await uow.rate_buckets.hit(bucket_key(secret, "chat-session", chat_id), now, WINDOW)
    key = bucket_key(secret, "chat-address", address_block(address))
    address_count, address_began = await uow.rate_buckets.hit(key, now, WINDOW)
    if address_count == 1:
        # A new window for this address: a good moment to forget the buckets nobody has used lately.
        await uow.rate_buckets.sweep(now - 2 * WINDOW)
    over = [
        began
        for count, began, limit in (
            (session_count, session_began, settings.web_chat_messages_per_session),
            (address_count, address_began, settings.web_chat_messages_per_address),
        )
        if count > limit
    ]
    if not over:
        return Verdict(True)
    ends = max(as_utc(began) + WINDOW for began in over)
    return Verdict(False, max(1, math.ceil((ends - now).total_seconds())))
