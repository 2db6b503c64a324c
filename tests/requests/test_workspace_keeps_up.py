"""A workspace that keeps up (over HTTP, in process): the person's typed answer rings the bell and
marks the queue's row and the request's timeline until the staff member opens it; the "needs reply"
view and the count in the tab's title; sorting by column; saved filters per account."""

from __future__ import annotations

import re

import httpx

from bot.app import App
from tests.harness import Person
from tests.requests.test_staff_workspace import browser, codes_in, new_request, person_request, staffed

__all__ = ["staffed"]

_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def title(page: httpx.Response) -> str:
    found = _TITLE.search(page.text)
    assert found is not None
    return found.group(1).strip()


def unread_rows(page: httpx.Response) -> list[str]:
    return re.findall(r'data-code="(YC-\d+)" data-unread', page.text)


def bell(page: httpx.Response) -> int:
    found = re.search(r'class="ws-bell[^"]*"[^>]*>\s*[^<]*<span class="badge count"[^>]*>(\d+)</span>', page.text)
    assert found is not None
    return int(found.group(1))


async def answered_request(app: App) -> tuple[Person, str]:
    """A request the jobs centre answered (unassigned), whose person then typed an answer."""
    person, code = await person_request(app)
    async with browser(app, "vieclam") as staff:
        assert (await staff.act(code, "reply", text="Mời anh đến trụ sở sáng thứ Hai.")).status_code == 303
    await person.collect()
    await person.says("Dạ em cảm ơn, mai 9h em đến")
    return person, code


async def test_the_persons_answer_rings_the_bell_and_marks_the_row_until_opened(staffed: App) -> None:
    _, code = await answered_request(staffed)
    async with browser(staffed, "vieclam2") as colleague:
        queue = await colleague.get("/staff")
        assert unread_rows(queue) == [code] and bell(queue) == 1
        assert f"{code}: người gửi đã bổ sung / trả lời" in queue.text
        assert title(queue).startswith("(1) Hàng chờ yêu cầu")
        page = await colleague.get(f"/staff/requests/{code}")
        assert page.text.count("Tin mới") == 1 and 'class="person unread"' in page.text
        queue = await colleague.get("/staff")
        assert unread_rows(queue) == [] and bell(queue) == 0
        # still the person's turn to be answered: the count stays until someone replies
        assert title(queue).startswith("(1) ") and "Cần trả lời" in queue.text
        assert "Tin mới" not in (await colleague.get(f"/staff/requests/{code}")).text
    # each colleague has their own marker: the one who replied has not opened it since either
    async with browser(staffed, "vieclam") as replier:
        assert unread_rows(await replier.get("/staff")) == [code]
    async with browser(staffed, "ubnd") as other:
        queue = await other.get("/staff")
        assert code not in queue.text and bell(queue) == 0


async def test_an_assigned_request_rings_only_its_assignees_bell(staffed: App) -> None:
    person, code = await person_request(staffed)
    async with browser(staffed, "vieclam") as lead:
        assert (await lead.act(code, "assign", assignee="vieclam2")).status_code == 303
        assert (await lead.act(code, "reply", text="Anh gửi thêm ảnh CCCD nhé.")).status_code == 303
    await person.collect()
    await person.says("Dạ em gửi rồi ạ")
    async with browser(staffed, "vieclam") as lead:
        assert unread_rows(await lead.get("/staff")) == []
    async with browser(staffed, "vieclam2") as assignee:
        assert unread_rows(await assignee.get("/staff")) == [code]


async def test_needs_reply_is_the_persons_turn_unanswered(staffed: App) -> None:
    _, answered_then_asked = await answered_request(staffed)
    never_answered = await new_request(staffed, chat_id="c2")
    done = await new_request(staffed, chat_id="c3")
    async with browser(staffed, "vieclam") as staff:
        assert (await staff.act(done, "reply", text="Đã có lịch hẹn.")).status_code == 303
        waiting = await new_request(staffed, chat_id="c4")
        assert (await staff.act(waiting, "status", status="waiting")).status_code == 303
        page = await staff.get("/staff?status=needs_reply")
        assert sorted(codes_in(page)) == sorted([answered_then_asked, never_answered])
        assert "Cần trả lời: 2" in page.text and title(page).startswith("(2) ")
        assert (await staff.act(answered_then_asked, "reply", text="Hẹn anh 9h.")).status_code == 303
        page = await staff.get("/staff?status=needs_reply")
        assert codes_in(page) == [never_answered] and title(page).startswith("(1) ")
        # a needs-reply view keeps its filters and its sort through the language switch
        page = await staff.get("/staff?status=needs_reply&sort=-code")
        assert "/lang/en?next=/staff%3Fstatus%3Dneeds_reply%26sort%3D-code" in page.text
