"""Agency groups, channel-agnostic: linking, replies to posts, claim / resolve / transfer, isolation."""

from __future__ import annotations

import itertools
from datetime import timedelta

from bot.app import App
from bot.messaging.agency_desk import AgencyDesk, StaffMessage, create_link_code
from bot.requests import service
from tests.handlers.test_conversation_intake import at_step
from tests.harness import FakeClock, Person

_ids = itertools.count(1)
GROUP_A, GROUP_B = "-1001", "-1002"
# Not the people's test channel: the harness delivers that one, and these posts are read from the outbox.
STAFF_CHANNEL = "staffnet"


def staff(chat_id: str, text: str = "", reply_to: str = "", action: str = "") -> StaffMessage:
    return StaffMessage(
        STAFF_CHANNEL, chat_id, f"s{next(_ids)}", "Chị Lan", text=text, reply_to=reply_to, action=action
    )


async def link(app: App, desk: AgencyDesk, agency: str, chat_id: str) -> None:
    async with app.uow() as uow:
        code = await create_link_code(uow, agency, app.clock(), timedelta(hours=1))
        await uow.commit()
    assert await desk.handle(staff(chat_id, f"/lienket {code}"))


async def group_texts(app: App, chat_id: str) -> list[str]:
    async with app.uow() as uow:
        return [row.payload["text"] for row in await uow.outbox.pending_for_chat(STAFF_CHANNEL, chat_id)]


async def test_link_codes_are_one_time_and_expire(demo_app: App, clock: FakeClock) -> None:
    desk = AgencyDesk(demo_app.database, demo_app.texts, demo_app.clock)
    async with demo_app.uow() as uow:
        code = await create_link_code(uow, "demo-vieclam", clock(), timedelta(hours=1))
        old = await create_link_code(uow, "demo-vieclam", clock(), timedelta(hours=1))
        await uow.commit()
    await desk.handle(staff(GROUP_A, "/lienket WRONGCODE1"))
    await desk.handle(staff(GROUP_A, f"/lienket {code.lower()}"))  # typed in lower case still works
    await desk.handle(staff(GROUP_B, f"/lienket {code}"))  # used already
    clock.advance(hours=2)
    await desk.handle(staff(GROUP_B, f"/lienket {old}"))  # expired
    assert [t[:14] for t in await group_texts(demo_app, GROUP_A)] == ["Mã liên kết kh", "✅ Nhóm này đã "]
    assert all("không đúng" in t for t in await group_texts(demo_app, GROUP_B))


async def test_posts_wait_for_a_group_then_arrive_in_order(demo_app: App) -> None:
    person = await at_step(demo_app, "confirm")
    await person.presses("form:confirm")
    desk = AgencyDesk(demo_app.database, demo_app.texts, demo_app.clock)
    await link(demo_app, desk, "demo-vieclam", GROUP_A)
    texts = await group_texts(demo_app, GROUP_A)
    assert texts[0].startswith("📨 Yêu cầu mới YC-") and "03xx xxx 012" in texts[0]
    assert texts[1].startswith("✅ Nhóm này đã được liên kết")


async def test_reply_claim_resolve_and_isolation(demo_app: App) -> None:
    desk = AgencyDesk(demo_app.database, demo_app.texts, demo_app.clock)
    await link(demo_app, desk, "demo-vieclam", GROUP_A)
    await link(demo_app, desk, "demo-ubnd", GROUP_B)
    person: Person = await at_step(demo_app, "confirm")
    await person.presses("form:confirm")
    code = person.text.split("Mã của bạn: ")[1].split()[0]

    async with demo_app.uow() as uow:
        (post,) = [r for r in await uow.outbox.pending_for_chat(STAFF_CHANNEL, GROUP_A) if r.request_id]
        post.status, post.external_id = "sent", "777"  # as the sender records it after Telegram's answer
        await uow.commit()

    # another agency's group can neither resolve, claim nor reply to this request
    await desk.handle(staff(GROUP_B, f"/xong {code}"))
    await desk.handle(staff(GROUP_B, action=f"staff:claim:{code}"))
    await desk.handle(staff(GROUP_B, "xin chào", reply_to="777"))
    assert all(f"Không có yêu cầu {code}" in t for t in (await group_texts(demo_app, GROUP_B))[1:])

    await desk.handle(staff(GROUP_A, "Mời anh đến Trung tâm sáng mai.", reply_to="777"))
    await desk.handle(staff(GROUP_A, action=f"staff:claim:{code}"))
    await desk.handle(staff(GROUP_A, "chuyện phiếm trong nhóm"))  # ignored
    await desk.handle(staff(GROUP_A, f"/xong {code}"))
    texts = await group_texts(demo_app, GROUP_A)
    assert texts[-3:] == [
        f"Đã gửi trả lời cho người gửi {code}.",
        f"✋ Chị Lan đã nhận xử lý {code}.",
        f"✅ {code} đã được đánh dấu giải quyết.",
    ]
    replies = await person.collect()
    assert "Mời anh đến Trung tâm sáng mai." in replies[0].text
    assert f"req:add:{code}" in [c.id for c in replies[0].choices]  # answer back
    assert any("Đã giải quyết" in r.text for r in replies)
    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.status == "resolved"
        events = [(e.type, e.actor) for e in await uow.requests.events(row.id)]
    assert ("replied", "Chị Lan") in events and ("claimed", "Chị Lan") in events


async def test_transfer_from_a_group(demo_app: App) -> None:
    desk = AgencyDesk(demo_app.database, demo_app.texts, demo_app.clock)
    await link(demo_app, desk, "demo-vieclam", GROUP_A)
    await link(demo_app, desk, "demo-ubnd", GROUP_B)
    person = await at_step(demo_app, "confirm")
    await person.presses("form:confirm")
    code = person.text.split("Mã của bạn: ")[1].split()[0]
    await desk.handle(staff(GROUP_A, f"/chuyen {code}"))
    await desk.handle(staff(GROUP_A, f"/chuyen {code} khong-co lý do"))
    await desk.handle(staff(GROUP_A, f"/chuyen {code} demo-ubnd việc của xã"))
    texts = await group_texts(demo_app, GROUP_A)
    assert texts[-3].startswith("Cách dùng") and "Không có cơ quan" in texts[-2] and "đã chuyển sang" in texts[-1]
    assert any(t.startswith(f"↪️ Yêu cầu {code} được chuyển đến") for t in await group_texts(demo_app, GROUP_B))


async def _linked_request(app: App, desk: AgencyDesk) -> str:
    await link(app, desk, "demo-vieclam", GROUP_A)
    person = await at_step(app, "confirm")
    await person.presses("form:confirm")
    return person.text.split("Mã của bạn: ")[1].split()[0]


async def test_a_group_cannot_transfer_to_an_inactive_agency(demo_app: App) -> None:
    desk = AgencyDesk(demo_app.database, demo_app.texts, demo_app.clock)
    code = await _linked_request(demo_app, desk)
    async with demo_app.uow() as uow:
        closed = await uow.agencies.get_row("demo-ubnd")
        assert closed is not None
        closed.active = False
        await uow.commit()
    await desk.handle(staff(GROUP_A, f"/chuyen {code} demo-ubnd việc của xã"))
    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.agency_code == "demo-vieclam"
    assert "đã chuyển sang" not in (await group_texts(demo_app, GROUP_A))[-1]


async def test_a_claim_from_a_group_assigns_as_the_web_does(demo_app: App) -> None:
    desk = AgencyDesk(demo_app.database, demo_app.texts, demo_app.clock)
    code = await _linked_request(demo_app, desk)
    await desk.handle(staff(GROUP_A, action=f"staff:claim:{code}"))
    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.assignee == "Chị Lan"
        claims = [e.data for e in await uow.requests.events(row.id) if e.type == "claimed"]
    assert claims == [{"from": None, "to": "Chị Lan"}]  # the same timeline entry as a claim on the web


async def test_refusals_reach_a_group_in_vietnamese(demo_app: App) -> None:
    desk = AgencyDesk(demo_app.database, demo_app.texts, demo_app.clock)
    code = await _linked_request(demo_app, desk)
    await desk.handle(staff(GROUP_A, f"/chuyen {code} demo-vieclam vẫn ở đây"))  # already there
    await desk.handle(staff(GROUP_A, f"/chuyen {code} demo-ubnd"))  # no reason
    refused = (await group_texts(demo_app, GROUP_A))[-2:]
    assert refused == [
        "Yêu cầu đã ở cơ quan này. Chọn một cơ quan khác.",
        "Cần ghi lý do chuyển (chỉ cán bộ thấy).",
    ]


async def test_linking_a_group_does_not_push_posts_of_requests_already_closed(demo_app: App) -> None:
    person = await at_step(demo_app, "confirm")
    await person.presses("form:confirm")
    code = person.text.split("Mã của bạn: ")[1].split()[0]
    # resolved (by phone, say) before the agency has any group: its details need not reach one
    async with demo_app.uow() as uow:
        await service.change_status(uow, demo_app.texts, code, "resolved", "lan", demo_app.clock())
        await uow.commit()
    desk = AgencyDesk(demo_app.database, demo_app.texts, demo_app.clock)
    await link(demo_app, desk, "demo-vieclam", GROUP_A)
    texts = await group_texts(demo_app, GROUP_A)
    assert not any(t.startswith("📨 Yêu cầu mới") or "0356 789 012" in t for t in texts), texts
    assert texts[-1].startswith("✅ Nhóm này đã được liên kết")
