"""Login throttling: per (username, address), so an attacker locks out only themselves; a ceiling
per address against one machine trying many usernames; an overall ceiling against spraying."""

from __future__ import annotations

from bot.accounts import throttle
from bot.app import App
from bot.clock import as_utc
from tests.accounts.logins import with_settings
from tests.admin_pages import PASSWORDS
from tests.harness import FakeClock
from tests.web_client import WebClient


async def test_the_attackers_address_waits_and_the_real_users_does_not(admin_app: App, clock: FakeClock) -> None:
    async with WebClient(admin_app, address="203.0.113.9") as attacker, WebClient(admin_app) as office:
        for _ in range(4):
            assert (await attacker.log_in("vieclam", "wrong password")).status_code == 401
        fifth = await attacker.log_in("vieclam", "wrong password")
        assert fifth.status_code == 429 and fifth.headers["retry-after"] == "30"
        # The office's own mistakes are its own count, and its right password works at once.
        assert (await office.log_in("vieclam", "typo password")).status_code == 401
        assert (await office.log_in("vieclam", PASSWORDS["vieclam"])).status_code == 303
        # The office's success cleared only its own count: the attacker still waits.
        assert (await attacker.log_in("vieclam", PASSWORDS["vieclam"])).status_code == 429
        clock.advance(seconds=31)
        assert (await attacker.log_in("vieclam", "wrong again")).headers["retry-after"] == "60"


async def test_one_address_spraying_many_usernames_hits_its_ceiling(admin_app: App) -> None:
    with_settings(admin_app, login_failures_per_address=8)
    async with WebClient(admin_app, address="203.0.113.9") as sprayer, WebClient(admin_app) as office:
        answers = [(await sprayer.log_in(f"user{n}", "Password123!")).status_code for n in range(8)]
        assert answers == [401] * 7 + [429]
        # A username it has not tried yet, even with the right password: the address waits.
        refused = await sprayer.log_in("admin", PASSWORDS["admin"])
        assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= 15 * 60
        assert (await office.log_in("admin", PASSWORDS["admin"])).status_code == 303


async def test_the_address_ceiling_calms_after_its_window(admin_app: App, clock: FakeClock) -> None:
    with_settings(admin_app, login_failures_per_address=5)
    async with WebClient(admin_app, address="203.0.113.9") as sprayer:
        for n in range(5):
            await sprayer.log_in(f"user{n}", "Password123!")
        assert (await sprayer.log_in("vieclam", PASSWORDS["vieclam"])).status_code == 429
        clock.advance(minutes=15, seconds=1)
        assert (await sprayer.log_in("vieclam", PASSWORDS["vieclam"])).status_code == 303


async def test_spraying_from_many_addresses_hits_the_overall_ceiling(admin_app: App, clock: FakeClock) -> None:
    with_settings(admin_app, login_failures_overall=10)
    for n in range(10):
        async with WebClient(admin_app, address=f"203.0.113.{n + 1}") as bot:
            assert (await bot.log_in(f"user{n}", "Password123!")).status_code == (429 if n == 9 else 401)
    async with WebClient(admin_app, address="198.51.100.1") as office:
        assert (await office.log_in("vieclam", PASSWORDS["vieclam"])).status_code == 429
        clock.advance(minutes=16)
        assert (await office.log_in("vieclam", PASSWORDS["vieclam"])).status_code == 303


async def test_failures_are_forgotten_after_a_day(admin_app: App, clock: FakeClock) -> None:
    async with WebClient(admin_app, address="203.0.113.9") as web:
        for _ in range(5):
            await web.log_in("vieclam", "wrong password")
        clock.advance(days=1, seconds=1)
        assert (await web.log_in("vieclam", "wrong password")).status_code == 401  # the count starts again
    async with admin_app.uow() as uow:
        count, earliest = await uow.login_failures.count_all(clock() - throttle.PAIR_MEMORY * 2)
    assert count == 1 and earliest is not None and as_utc(earliest) == clock()  # the old ones are deleted


def test_the_back_off_doubles_up_to_its_cap() -> None:
    assert [throttle.pair_wait(n) for n in (0, 4, 5, 6, 7)] == [0, 0, 30, 60, 120]
    assert throttle.pair_wait(10_000) == throttle.MAX_WAIT_SECONDS


async def test_bad_login_forms_are_answered_not_crashed(admin_app: App) -> None:
    async with WebClient(admin_app) as web:
        for fields in ({}, {"username": "\x00\u202e", "password": "x"}, {"username": "a" * 256, "password": "b" * 256}):
            assert (await web.post_form("/login", fields)).status_code == 401
        assert (await web.post_form("/login", {"username": "a" * 257})).status_code == 422
