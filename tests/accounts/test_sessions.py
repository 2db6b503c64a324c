"""Staff and admin sessions on the server: listed and ended by their user, expiring when idle and at
their absolute end, ended by a new password; the client address through trusted proxies only."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from bot.accounts.service import set_password
from bot.accounts.sessions import short_agent
from bot.app import App
from bot.config import Settings
from bot.storage.models import WebSessionRow
from tests.accounts.logins import current_session, session_ids, with_settings
from tests.admin_pages import PASSWORDS, audit_rows, said, signed_in
from tests.harness import FakeClock
from tests.storage.sessions import session_of
from tests.web_client import WebClient

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PHONE = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"


async def _sessions_in_db(app: App) -> list[WebSessionRow]:
    async with app.uow() as uow:
        return list((await session_of(uow).execute(select(WebSessionRow).order_by(WebSessionRow.id))).scalars())


async def test_the_cookie_names_a_session_the_database_keeps_only_hashed(admin_app: App) -> None:
    async with await signed_in(admin_app, "vieclam") as web:
        (row,) = await _sessions_in_db(admin_app)
        cookie = web.http.cookies["hn_session"]
        assert row.token_hash not in cookie and len(row.token_hash) == 64
        assert row.address == "127.0.0.1"


async def test_a_user_sees_their_sessions_and_ends_another(admin_app: App) -> None:
    laptop = WebClient(admin_app, headers={"user-agent": FIREFOX})
    phone = WebClient(admin_app, address="198.51.100.7", headers={"user-agent": PHONE})
    async with laptop, phone:
        assert (await laptop.log_in("vieclam", PASSWORDS["vieclam"])).status_code == 303
        assert (await phone.log_in("vieclam", PASSWORDS["vieclam"])).status_code == 303
        page = await laptop.http.get("/account")
        assert page.status_code == 200
        assert "Firefox · Linux" in page.text and "Chrome · Android" in page.text and "198.51.100.7" in page.text
        mine, other = current_session(await phone.http.get("/account")), current_session(page)
        assert mine != other and sorted(session_ids(page)) == sorted([mine, other])
        ended = await laptop.post_form(f"/account/sessions/{mine}/end", {})
        assert ended.status_code == 303 and ended.headers["location"] == "/account"
        assert (await phone.http.get("/staff")).status_code == 303
        assert (await laptop.http.get("/staff")).status_code == 200
        assert session_ids(await laptop.http.get("/account")) == [other]


async def test_a_session_of_someone_else_cannot_be_ended(admin_app: App) -> None:
    async with await signed_in(admin_app, "admin") as admin, await signed_in(admin_app, "vieclam") as staff:
        (theirs,) = session_ids(await staff.http.get("/account"))
        assert (await admin.post_form(f"/account/sessions/{theirs}/end", {})).status_code == 404
        assert (await admin.post_form("/account/sessions/999999/end", {})).status_code == 404
        assert (await admin.post_form("/account/sessions/abc/end", {})).status_code == 422
        assert (await staff.http.get("/staff")).status_code == 200


async def test_ending_this_session_or_all_others(admin_app: App) -> None:
    first, second, third = [await signed_in(admin_app, "vieclam") for _ in range(3)]
    async with first, second, third:
        assert (await first.post_form("/account/sessions/end-others", {})).status_code == 303
        assert (await second.http.get("/staff")).status_code == 303
        assert (await third.http.get("/staff")).status_code == 303
        (own,) = session_ids(await first.http.get("/account"))
        response = await first.post_form(f"/account/sessions/{own}/end", {})
        assert response.headers["location"] == "/login"
        assert (await first.http.get("/staff")).status_code == 303
    assert await _sessions_in_db(admin_app) == []


async def test_an_idle_session_expires_and_a_busy_one_lasts_to_its_end(admin_app: App, clock: FakeClock) -> None:
    with_settings(admin_app, session_idle_minutes=60, session_hours=3)
    async with await signed_in(admin_app, "vieclam") as idle, await signed_in(admin_app, "vieclam") as busy:
        for _ in range(3):
            clock.advance(minutes=50)
            assert (await busy.http.get("/staff")).status_code == 200
        # 150 minutes since the idle one was last seen; the busy one was seen 0 minutes ago.
        assert (await idle.http.get("/staff")).status_code == 303
        clock.advance(minutes=31)  # past the absolute end of 3 hours, though seen 31 minutes ago
        assert (await busy.http.get("/staff")).status_code == 303
    assert await _sessions_in_db(admin_app) == []


async def test_a_new_password_ends_the_users_sessions_on_the_server(admin_app: App) -> None:
    async with await signed_in(admin_app, "vieclam"), await signed_in(admin_app, "admin"):
        async with admin_app.uow() as uow:
            row = await uow.users.by_username("vieclam")
            assert row is not None
            await set_password(uow, row, "another long password", admin_app.clock(), actor="test")
            await uow.commit()
        remaining = await _sessions_in_db(admin_app)
        assert [r.user_id for r in remaining] == [1]  # the admin's own only


async def test_an_admin_reset_ends_the_users_sessions(admin_app: App, admin: WebClient) -> None:
    async with await signed_in(admin_app, "vieclam") as staff:
        assert (await admin.post_form("/admin/users/3/password", {})).status_code == 200
        assert (await staff.http.get("/staff")).status_code == 303
        async with admin_app.uow() as uow:
            count = (await session_of(uow).execute(select(func.count()).select_from(WebSessionRow))).scalar_one()
        assert count == 1


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "seen"),
    [
        ("", "10.0.0.2", "203.0.113.5", "10.0.0.2"),  # no proxy trusted: the header is anyone's words
        ("10.0.0.2", "10.0.0.2", "203.0.113.5", "203.0.113.5"),
        ("10.0.0.0/8", "10.0.0.2", "203.0.113.5, 10.0.0.9", "203.0.113.5"),  # two proxies in a row
        ("10.0.0.2", "10.0.0.2", "198.51.100.1, 203.0.113.5", "203.0.113.5"),  # the client's own claim ignored
        ("10.0.0.2", "192.0.2.44", "203.0.113.5", "192.0.2.44"),  # not from the proxy
        ("10.0.0.2", "10.0.0.2", "not-an-address", "10.0.0.2"),
        ("10.0.0.2", "10.0.0.2", "", "10.0.0.2"),
    ],
)
async def test_the_client_address_comes_through_trusted_proxies_only(
    admin_app: App, trusted: str, peer: str, forwarded: str, seen: str
) -> None:
    with_settings(admin_app, trusted_proxies=trusted)
    headers = {"x-forwarded-for": forwarded} if forwarded else {}
    async with WebClient(admin_app, address=peer, headers=headers) as web:
        assert (await web.log_in("vieclam", PASSWORDS["vieclam"])).status_code == 303
    assert [r.address for r in await _sessions_in_db(admin_app)] == [seen]


def test_a_trusted_proxy_that_is_no_address_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="not an address"):
        Settings(trusted_proxies="10.0.0.1, proxy.example", _env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("agent", "short"),
    [(FIREFOX, "Firefox · Linux"), (PHONE, "Chrome · Android"), ("", ""), ("curl/8.5\x00\u202e", "curl/8.5")],
)
def test_user_agents_are_shortened(agent: str, short: str) -> None:
    assert short_agent(agent) == short


async def test_changing_ones_own_password_ends_the_other_sessions_only(admin_app: App) -> None:
    async with await signed_in(admin_app, "vieclam") as web, await signed_in(admin_app, "vieclam") as other:
        new = "a fresh long password"
        changed = await web.post_form(
            "/account/password", {"current": PASSWORDS["vieclam"], "new": new, "repeated": new}
        )
        assert changed.status_code == 303 and changed.headers["location"] == "/account?done=password"
        assert said(await web.http.get(changed.headers["location"]), "account_password_changed")
        assert (await web.http.get("/staff")).status_code == 200
        assert (await other.http.get("/staff")).status_code == 303
    async with WebClient(admin_app) as web:
        assert (await web.log_in("vieclam", PASSWORDS["vieclam"])).status_code == 401
        assert (await web.log_in("vieclam", new)).status_code == 303
    assert [r.action for r in await audit_rows(admin_app, "user.password")] == ["user.password"]


@pytest.mark.parametrize(
    ("current", "new", "repeated", "key"),
    [
        ("not my password", "a fresh long password", "a fresh long password", "account_password_wrong"),
        (PASSWORDS["vieclam"], "a fresh long password", "a fresh long passwore", "account_password_differ"),
        (PASSWORDS["vieclam"], "short", "short", "account_password_length"),
        ("", "", "", "account_password_wrong"),
    ],
)
async def test_a_refused_password_change_changes_nothing(
    admin_app: App, current: str, new: str, repeated: str, key: str
) -> None:
    async with await signed_in(admin_app, "vieclam") as web, await signed_in(admin_app, "vieclam") as other:
        refused = await web.post_form("/account/password", {"current": current, "new": new, "repeated": repeated})
        assert refused.status_code == 400 and said(refused, key, min=10)
        assert (await other.http.get("/staff")).status_code == 200


async def test_guessing_the_current_password_from_a_session_is_throttled(admin_app: App) -> None:
    async with await signed_in(admin_app, "vieclam") as web:
        answers = [
            (await web.post_form("/account/password", {"current": f"guess {n}", "new": "x" * 12, "repeated": "x" * 12}))
            for n in range(6)
        ]
        assert [a.status_code for a in answers] == [400] * 5 + [429]
        assert said(answers[-1], "account_password_wait")
