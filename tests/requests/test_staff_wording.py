"""The staff pages speak to staff: their own names for statuses, a language switch that keeps the
queue's filters, a 404 that leads home, and "who has seen it" counting visits, not reloads."""

from __future__ import annotations

import re
from urllib.parse import quote

from bot.app import App
from tests.harness import FakeClock
from tests.requests.test_staff_workspace import browser, new_request, staffed  # noqa: F401  (a fixture)

PERSON_FACING = "Đang chờ bạn bổ sung"
_HOME = re.compile(r'<a href="([^"]*)">Về trang chính</a>')
_LANG = re.compile(r'href="(/lang/\w+\?next=[^"]*)"')


async def test_staff_see_their_own_name_for_a_request_waiting_for_the_person(staffed: App) -> None:  # noqa: F811
    code = await new_request(staffed)
    async with browser(staffed, "vieclam") as staff:
        await staff.act(code, "status", status="waiting")
        pages = [
            await staff.get("/staff"),
            await staff.get("/staff?status=waiting"),
            await staff.get(f"/staff/requests/{code}"),
        ]
        exported = (await staff.get("/staff/export.csv?status=waiting")).content.decode("utf-8-sig")
        await staff.get("/lang/en?next=/staff")
        english = await staff.get(f"/staff/requests/{code}")
    for page in pages:
        assert PERSON_FACING not in page.text
        assert "Chờ người dân bổ sung" in page.text
    assert PERSON_FACING not in exported and "Chờ người dân bổ sung" in exported
    assert "Waiting for the person" in english.text and "from you" not in english.text


async def test_the_language_switch_keeps_the_queues_filters(staffed: App) -> None:  # noqa: F811
    await new_request(staffed)
    filtered = "/staff?status=all&category=training&q=h%C3%A0n+%26+x"
    async with browser(staffed, "vieclam") as staff:
        page = await staff.get(filtered)
        (link,) = _LANG.findall(page.text)
        assert link == "/lang/en?next=" + quote("/staff?status=all&category=training&q=h%C3%A0n+%26+x", safe="/")
        switched = await staff.get(link.replace("&amp;", "&"))
        assert switched.status_code == 303 and switched.headers["location"] == filtered
        # Elsewhere, the page's own address; and no way to be sent off the site.
        (plain,) = _LANG.findall((await staff.get("/account")).text)
        assert plain == "/lang/vi?next=/account"  # back to Vietnamese from English
        away = await staff.get("/lang/en?next=//evil.example/?x=1")
        assert away.headers["location"] == "/"


async def test_the_not_found_page_leads_to_the_users_own_home(staffed: App) -> None:  # noqa: F811
    html = {"accept": "text/html"}
    for username, home in (("vieclam", "/staff"), ("admin", "/admin"), (None, "/")):
        async with browser(staffed, username) as someone:
            # Signed out, a staff address leads to the login instead; an unknown address is a 404 for anyone.
            for path in ("/staff/requests/YC-000000", "/khong-co-trang-nay")[0 if username else 1 :]:
                page = await someone.get(path, headers=html)
                assert page.status_code == 404
                assert _HOME.findall(page.text) == [home], (username, path)


async def test_a_staff_members_reloads_are_one_view_per_session(staffed: App, clock: FakeClock) -> None:  # noqa: F811
    code = await new_request(staffed)
    async with browser(staffed, "vieclam") as staff:
        for _ in range(3):
            await staff.get(f"/staff/requests/{code}")
        await staff.act(code, "note", text="Đã gọi, hẹn thứ Hai")  # the page comes back after each action
        page = await staff.get(f"/staff/requests/{code}")
        assert "1 lần" in page.text
    clock.advance(hours=2)
    async with browser(staffed, "vieclam") as again:  # a new sign-in, later, is a new visit
        await again.get(f"/staff/requests/{code}")
    async with browser(staffed, "vieclam2") as colleague:
        page = await colleague.get(f"/staff/requests/{code}")
    async with staffed.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None
        views = await uow.request_views.of_request(row.id)
    assert sorted(v.actor for v in views) == ["vieclam", "vieclam", "vieclam2"]
    assert "2 lần" in page.text and "1 lần" in page.text
