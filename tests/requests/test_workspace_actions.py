"""The workspace's new actions over HTTP (in process): sorting by column, saved filters per account,
canned replies (admins write them, staff of the agency use them), reply and resolve in one step, and
bulk actions on picked rows; each with other agencies' staff, tampered forms and unknown values."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from bot.app import App
from bot.storage.models import AuditLogRow, CannedReplyRow, RequestEventRow, SavedFilterRow
from tests.requests.test_staff_workspace import (
    _CSRF,
    COMMUNE,
    JOBS,
    Browser,
    browser,
    codes_in,
    events_of,
    new_request,
    outbox_to,
    staffed,
)
from tests.storage.sessions import session_of

__all__ = ["staffed"]


async def token(client: Browser, page: str = "/staff") -> str:
    found = _CSRF.search((await client.get(page)).text)
    assert found is not None, page
    return found.group(1)


async def bulk(client: Browser, codes: list[str], action: str, **fields: str) -> httpx.Response:
    data: dict[str, Any] = {"csrf_token": await token(client), "action": action, "code": codes, **fields}
    return await client.http.post("/staff/bulk", data=data)


async def rows_of(app: App, model: Any) -> list[Any]:
    async with app.uow() as uow:
        return list((await session_of(uow).execute(select(model).order_by(model.id))).scalars())


# -- sorting -------------------------------------------------------------------------------------


async def test_the_queue_sorts_by_column_and_reads_an_unknown_sort_as_its_own_order(staffed: App) -> None:
    first = await new_request(staffed, locality="mh-an-hoa", chat_id="c1")
    second = await new_request(staffed, locality="mh-cat-tuong", chat_id="c2")
    third = await new_request(staffed, locality="mh-an-hoa", chat_id="c3")
    async with browser(staffed, "vieclam") as staff:
        assert (await staff.act(second, "status", status="in_progress")).status_code == 303
        own = codes_in(await staff.get("/staff"))
        assert codes_in(await staff.get("/staff?sort=code")) == sorted([first, second, third])
        assert codes_in(await staff.get("/staff?sort=-code")) == sorted([first, second, third], reverse=True)
        assert codes_in(await staff.get("/staff?sort=-created")) == [third, second, first]
        by_status = codes_in(await staff.get("/staff?sort=status"))
        assert by_status[-1] == second  # new before in progress
        by_commune = codes_in(await staff.get("/staff?sort=commune"))
        assert by_commune.index(second) in (0, 2) and set(by_commune) == {first, second, third}
        page = await staff.get("/staff?sort=code")
        assert 'aria-sort="ascending"><a href="/staff?sort=-code">' in page.text and "sort=-code" in page.text
        for bad in ("phone", "code;drop", "-", "--code", "x" * 500):
            response = await staff.get("/staff", params={"sort": bad})
            assert response.status_code == 200 and codes_in(response) == own, bad


# -- saved filters -------------------------------------------------------------------------------


async def test_a_saved_filter_is_the_queues_own_reading_and_only_its_owners(staffed: App) -> None:
    await new_request(staffed)
    async with browser(staffed, "vieclam") as staff:
        saved = await staff.post(
            "/staff/filters", {"name": "  Hẹn   tuần này ", "query": "status=needs_reply&assigned=me&bogus=1&sort=nope"}
        )
        assert saved.status_code == 303
        assert saved.headers["location"] == "/staff?status=needs_reply&assigned=me&done=filter_saved"
        page = await staff.get(saved.headers["location"])
        assert "Đã lưu bộ lọc." in page.text
        assert (
            '<a href="/staff?status=needs_reply&amp;assigned=me" aria-current="page" class="current">Hẹn tuần này</a>'
            in page.text
        )
        # the same name again points it at the new view: still one filter
        await staff.post("/staff/filters", {"name": "Hẹn tuần này", "query": "sort=-created"})
        for refused, text in (
            ({"name": "   ", "query": ""}, "Cần đặt tên cho bộ lọc."),
            ({"name": "x" * 81, "query": ""}, "tối đa 80 ký tự"),
        ):
            response = await staff.post("/staff/filters", refused)
            assert response.status_code == 303
            assert text in (await staff.get(response.headers["location"])).text
    filters = await rows_of(staffed, SavedFilterRow)
    assert [(f.name, f.query) for f in filters] == [("Hẹn tuần này", "sort=-created")]
    async with browser(staffed, "vieclam2") as colleague:
        page = await colleague.get("/staff")
        assert "Hẹn tuần này" not in page.text
        response = await colleague.post(f"/staff/filters/{filters[0].id}/delete", {})
        assert "Không có bộ lọc này" in (await colleague.get(response.headers["location"])).text
        for bad in ("abc", "0", "-1", "99999999999999999999"):
            response = await colleague.post(f"/staff/filters/{bad}/delete", {})
            assert response.status_code == 303, bad
        assert (await colleague.post("/staff/filters", {"name": "x", "query": ""}, csrf=False)).status_code == 403
    assert [f.name for f in await rows_of(staffed, SavedFilterRow)] == ["Hẹn tuần này"]
    async with browser(staffed, "vieclam") as staff:
        assert (await staff.post(f"/staff/filters/{filters[0].id}/delete", {})).status_code == 303
    assert await rows_of(staffed, SavedFilterRow) == []


# -- canned replies ------------------------------------------------------------------------------


async def add_canned(client: Browser, agency: str, title: str, body: str) -> httpx.Response:
    return await client.post(
        "/admin/canned-replies", {"agency": agency, "title": title, "body": body}, page="/admin/canned-replies"
    )


async def test_admins_keep_canned_replies_and_staff_use_their_agencys_only(staffed: App) -> None:
    code = await new_request(staffed, name="Anh Minh")
    async with browser(staffed, "admin") as admin:
        assert (await add_canned(admin, JOBS, "Hẹn gặp", "Chào {name}, mời anh đến với mã {code}.")).status_code == 303
        assert (await add_canned(admin, "", "Cảm ơn", "Cảm ơn {name} đã liên hệ.")).status_code == 303
        assert (await add_canned(admin, COMMUNE, "Của xã", "Việc của xã {code}.")).status_code == 303
        for agency, title, body, text in (
            (JOBS, "", "x", "Cần đặt tên"),
            (JOBS, "Trống", "  ", "đang trống"),
            (JOBS, "Sai", "Chào {ten} {code}", "Không có chỗ điền {ten}"),
            ("khong-co", "Lạ", "x", "Không có cơ quan mã khong-co"),
        ):
            response = await add_canned(admin, agency, title, body)
            assert response.status_code == 400 and text in response.text, title
        replies = await rows_of(staffed, CannedReplyRow)
        assert [r.title for r in replies] == ["Hẹn gặp", "Cảm ơn", "Của xã"]
        jobs, common, commune = replies
        page = await admin.get(f"/admin/canned-replies/{jobs.id}")
        assert page.status_code == 200 and "Chào {name}" in page.text
        edited = await admin.post(
            f"/admin/canned-replies/{jobs.id}",
            {"agency": JOBS, "title": "Hẹn gặp", "body": "Chào {name}, mời đến trụ sở ({code})."},
            page="/admin/canned-replies",
        )
        assert edited.status_code == 303
        assert (await admin.get("/admin/canned-replies/999999")).status_code == 404
        assert (await admin.get("/admin/canned-replies/abc")).status_code == 404
    async with browser(staffed, "vieclam") as staff:
        assert (await staff.get("/admin/canned-replies")).status_code == 404
        sneaked = {"csrf_token": await token(staff), "agency": JOBS, "title": "Lén", "body": "x"}
        assert (await staff.http.post("/admin/canned-replies", data=sneaked)).status_code == 404
        page = await staff.get(f"/staff/requests/{code}")
        assert f'data-body="Chào Anh Minh, mời đến trụ sở ({code})."' in page.text
        assert 'data-body="Cảm ơn Anh Minh đã liên hệ."' in page.text
        assert "Của xã" not in page.text
        # without the script: the select's button fills the box; another agency's reply fills nothing
        filled = await staff.get(f"/staff/requests/{code}?canned={jobs.id}")
        assert f">Chào Anh Minh, mời đến trụ sở ({code}).</textarea>" in filled.text
        other = await staff.get(f"/staff/requests/{code}?canned={commune.id}")
        assert "data-send-with-ctrl-enter></textarea>" in other.text and "Việc của xã" not in other.text
    async with browser(staffed, "admin") as admin:
        assert (
            await admin.post(f"/admin/canned-replies/{common.id}/delete", {}, page="/admin/canned-replies")
        ).status_code == 303
        assert (
            await admin.post("/admin/canned-replies/999999/delete", {}, page="/admin/canned-replies")
        ).status_code == 404
    assert [r.title for r in await rows_of(staffed, CannedReplyRow)] == ["Hẹn gặp", "Của xã"]
    actions = [r.action for r in await rows_of(staffed, AuditLogRow) if r.action.startswith("canned.")]
    assert actions == ["canned.create"] * 3 + ["canned.update", "canned.delete"]


async def test_reply_and_resolve_is_one_step_and_a_refused_reply_resolves_nothing(staffed: App) -> None:
    code = await new_request(staffed, chat_id="rr")
    async with browser(staffed, "vieclam") as staff:
        empty = await staff.act(code, "reply", text="   ", then="resolve")
        assert empty.status_code == 400 and "Tin trả lời đang trống." in empty.text
        assert [e.type for e in await events_of(staffed, code)] == ["created", "routed"]
        done = await staff.act(code, "reply", text="Đã xếp lịch cho anh, hẹn thứ Hai.", then="resolve")
        assert done.status_code == 303 and done.headers["location"].endswith("?done=resolved")
        page = await staff.get(done.headers["location"])
        assert "Đã gửi trả lời và đánh dấu đã giải quyết." in page.text and "Trả lời và đóng" not in page.text
    events = await events_of(staffed, code)
    assert [(e.type, e.data.get("to")) for e in events[2:]] == [
        ("replied", None),
        ("status", "in_progress"),
        ("status", "resolved"),
    ]
    sent = [row.payload["text"] for row in await outbox_to(staffed, "web", "rr")]
    assert any("Đã xếp lịch cho anh" in text for text in sent) and len(sent) == 2


# -- bulk actions --------------------------------------------------------------------------------


async def test_bulk_actions_go_through_each_requests_own_checks(staffed: App) -> None:
    ours = [await new_request(staffed, chat_id=f"b{i}") for i in range(3)]
    theirs = await new_request(staffed, category="social", description="Xin hỗ trợ xã hội", chat_id="b9")
    async with browser(staffed, "vieclam") as staff:
        assigned = await bulk(staff, [*ours[:2], theirs, "YC-000000", ours[0]], "assign", assignee="vieclam2")
        assert assigned.status_code == 303
        location = assigned.headers["location"]
        assert location == "/staff?done=bulk&changed=2&unchanged=0&refused=2"
        page = await staff.get(location)
        assert "Xong: 2 yêu cầu đã đổi, 0 không cần đổi, 2 không làm được" in page.text
        again = await bulk(staff, ours, "assign", assignee="vieclam2", back="status=all&sort=code")
        assert again.headers["location"] == "/staff?status=all&sort=code&done=bulk&changed=1&unchanged=2&refused=0"
        # a colleague of another agency is refused for each request, as on the request's page
        assert (await bulk(staff, ours, "assign", assignee="ubnd")).headers["location"].endswith("refused=3")
        moved = await bulk(staff, ours[:2], "status", status="waiting")
        assert moved.headers["location"].endswith("changed=2&unchanged=0&refused=0")
        assert (await bulk(staff, ours, "status", status="lost")).headers["location"].endswith("refused=3")
        closed = await bulk(staff, ours, "close")
        assert closed.headers["location"].endswith("changed=3&unchanged=0&refused=0")
        for codes, action, notice in (
            ([], "close", "bulk_empty"),
            (["   "], "close", "bulk_empty"),
            (ours, "erase", "bulk_unknown"),
            ([f"YC-{i:06d}" for i in range(101)], "close", "bulk_unknown"),
        ):
            response = await bulk(staff, codes, action)
            assert response.headers["location"] == f"/staff?done={notice}", action
        tampered = await staff.http.post(
            "/staff/bulk", data={"csrf_token": "0" * 64, "action": "close", "code": [theirs]}
        )
        assert tampered.status_code == 403
    for code in ours:
        events = await events_of(staffed, code)
        assert [e.actor for e in events if e.type in ("assigned", "status")] == ["vieclam"] * len(
            [e for e in events if e.type in ("assigned", "status")]
        )
        assert events[-1].type == "status" and events[-1].data["to"] == "closed"
    untouched = await events_of(staffed, theirs)
    assert [e.type for e in untouched] == ["created", "routed"]
    # the person heard of each change, as from the request's own page
    assert any(
        "Đã đóng" in r.payload["text"] or "đóng" in r.payload["text"] for r in await outbox_to(staffed, "web", "b0")
    )


async def test_an_agency_b_staff_member_cannot_bulk_close_agency_as_requests(staffed: App) -> None:
    ours = [await new_request(staffed, chat_id=f"x{i}") for i in range(2)]
    async with browser(staffed, "ubnd") as other:
        response = await bulk(other, ours, "close")
        assert response.headers["location"].endswith("changed=0&unchanged=0&refused=2")
    async with staffed.uow() as uow:
        statement = select(RequestEventRow.type).where(RequestEventRow.type.in_(("status", "assigned")))
        assert list((await session_of(uow).execute(statement)).scalars()) == []
