"""How long a login must wait after wrong passwords or codes.

Counted three ways, each from the stored failures (so every worker process sees the same):
- per (username, client address): five in a row cost nothing, then every try waits, 30 s doubling to
  15 min. An attacker elsewhere uses up their own allowance, never the real user's.
- per address, any usernames: a ceiling within a window, against one machine spraying many names.
- overall: a ceiling within the same window, against spraying from many addresses. It is a brake for
  an attack in progress and does stop everyone's logins until the window calms, so it is set high.
A success clears its own pair only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import as_utc
from bot.config import Settings
from bot.storage.unit_of_work import UnitOfWork

FREE_FAILURES = 5
FIRST_WAIT_SECONDS = 30
MAX_WAIT_SECONDS = 15 * 60
WINDOW = timedelta(minutes=15)
# A pair's failures are remembered this long: its back-off never outlives them.
PAIR_MEMORY = timedelta(days=1)


@dataclass(frozen=True)
class Ceilings:
    per_address: int
    overall: int

    @classmethod
    def of(cls, settings: Settings) -> Ceilings:
        return cls(settings.login_failures_per_address, settings.login_failures_overall)


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def pair_wait(failures: int) -> int:
    """The back-off after this many failures of one pair in a row."""
    if failures < FREE_FAILURES:
        return 0
    return int(min(MAX_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2 ** min(failures - FREE_FAILURES, 20)))


async def wait_seconds(uow: UnitOfWork, username: str, address: str, now: datetime, ceilings: Ceilings) -> int:
    """Seconds before this username may try again from this address; 0 when it may now."""
    failures, latest = await uow.login_failures.of_pair(username, address, now - PAIR_MEMORY)
    wait = pair_wait(failures)
    if wait and latest is not None and as_utc(latest) + timedelta(seconds=wait) > now:
        return _seconds_until(as_utc(latest) + timedelta(seconds=wait), now)
    since = now - WINDOW
    for count, earliest, ceiling in (
        (*await uow.login_failures.count_from(address, since), ceilings.per_address),
        (*await uow.login_failures.count_all(since), ceilings.overall),
    ):
        if count >= ceiling and earliest is not None:
            return _seconds_until(as_utc(earliest) + WINDOW, now)
    return 0


async def record_failure(uow: UnitOfWork, username: str, address: str, now: datetime) -> None:
    await uow.login_failures.forget_before(now - PAIR_MEMORY)
    await uow.login_failures.add(username, address, now)


async def record_success(uow: UnitOfWork, username: str, address: str) -> None:
    await uow.login_failures.clear_pair(username, address)
