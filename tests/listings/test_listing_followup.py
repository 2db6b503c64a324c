"""What became of it: `listing_followup_days` after a registration the bot asks once "have you
started?" (through the outbox, by the worker's round), never a person who deleted their data; "not
yet, I still need help" reopens the request for the agency; staff record an outcome on the request
page too."""

from __future__ import annotations

import asyncio

from bot.app import App
from bot.listings.followup import followup_round, run_followup_rounds
from bot.messaging.notify import AGENCY_CHANNEL
from bot.requests import service
from bot.storage.models import ListingPersonRow
from tests.admin_pages import signed_in
from tests.handlers.conversation import Press, PressRaw, talk
from tests.harness import FakeClock, Person
from tests.listings.chat_helpers import code_in, registered, with_listings

DAYS = 30
ANSWERS = ("lst:fu:1:working", "lst:fu:1:studying", "lst:fu:1:need_help", "lst:fu:1:no_answer")


async def ask(app: App) -> int:
    return await followup_round(app.database, app.clock, app.texts, DAYS)


async def registration(app: App, code: str) -> ListingPersonRow:
    async with app.uow() as uow:
        request = await uow.requests.get_row(code)
        assert request is not None
        found = await uow.listing_people.of_request(request.id)
        assert found is not None
        return found


async def status_of(app: App, code: str) -> str:
    async with app.uow() as uow:
        request = await uow.requests.get_row(code)
        assert request is not None
        return request.status


async def test_asked_once_after_the_days_and_the_answer_kept(demo_app: App, clock: FakeClock) -> None:
    made = await with_listings(demo_app)
    person = await registered(demo_app, made["Thợ hàn khung thép"].id)
    code = code_in(person)
    clock.advance(days=DAYS - 1)
    assert await ask(demo_app) == 0
    clock.advance(days=1)
    assert await ask(demo_app) == 1
    assert await ask(demo_app) == 0  # once: the next rounds find nothing
    await person.collect()
    assert len(person.replies) == 1 and "Bạn đã đi làm / đi học chưa?" in person.text
    assert "Thợ hàn khung thép" in person.text and code in person.text
    assert person.choice_ids == list(ANSWERS)
    assert person.choices == ["💼 Đã đi làm", "🎓 Đang học", "🙋 Chưa, vẫn cần giúp", "🤐 Không muốn trả lời"]
    await talk(person, [(Press("Đã đi làm"), ("followup_thanks", "#menu:jobs"))])
    kept = await registration(demo_app, code)
    assert (kept.outcome, kept.outcome_by, kept.followup_asked_at is not None) == ("working", "person", True)
    # A second answer (an old message's button) changes nothing and does not reopen.
    await talk(person, [(PressRaw("lst:fu:1:need_help"), "followup_already")])
    assert (await registration(demo_app, code)).outcome == "working"
    assert await status_of(demo_app, code) == "new"


async def test_still_needing_help_reopens_the_request_for_its_agency(admin_app: App, clock: FakeClock) -> None:
    made = await with_listings(admin_app)
    person = await registered(admin_app, made["Công nhân may"].id)
    code = code_in(person)
    async with admin_app.uow() as uow:
        await service.change_status(uow, admin_app.texts, code, "resolved", "vieclam", clock())
        await uow.commit()
    clock.advance(days=DAYS)
    assert await ask(admin_app) == 1
    await person.collect()
    await talk(person, [(Press("vẫn cần giúp"), ("followup_reopened", code, "#menu:mine"))])
    assert await status_of(admin_app, code) == "new"
    async with admin_app.uow() as uow:
        posts = await uow.outbox.pending_for_chat(AGENCY_CHANNEL, "demo-vieclam")
        assert [p.payload["event"] for p in posts][-1] == "reopened"
        assert "vẫn cần giúp" in posts[-1].payload["text"] and code in posts[-1].payload["text"]
    assert (await registration(admin_app, code)).outcome == "need_help"
    async with await signed_in(admin_app, "vieclam") as staff:
        page = await staff.http.get(f"/staff/requests/{code}")
    assert "Kết quả đăng ký quan tâm: Chưa, vẫn cần giúp" in page.text
    assert "người đăng ký tự trả lời" in page.text and "Đã hỏi người đăng ký" in page.text


async def test_people_who_deleted_their_data_are_never_asked(demo_app: App, clock: FakeClock) -> None:
    made = await with_listings(demo_app)
    gone = await registered(demo_app, made["Thợ hàn khung thép"].id, chat_id="gone")
    kept = await registered(demo_app, made["Công nhân may"].id, chat_id="kept")
    await talk(gone, [("/xoadulieu", "privacy_erase_confirm"), (Press("data:eraseyes"), "privacy_erased")])
    clock.advance(days=DAYS)
    assert await ask(demo_app) == 1
    await kept.collect()
    await gone.collect()
    assert "Bạn đã đi làm" in kept.text and not gone.replies


async def test_an_answer_after_an_erasure_or_from_another_chat_is_refused(demo_app: App, clock: FakeClock) -> None:
    made = await with_listings(demo_app)
    person = await registered(demo_app, made["Thợ hàn khung thép"].id)
    code = code_in(person)
    clock.advance(days=DAYS)
    assert await ask(demo_app) == 1
    other = Person(demo_app, "someone-else")
    await other.start()
    await talk(other, [(PressRaw("lst:fu:1:working"), "stale_button")])
    assert (await registration(demo_app, code)).outcome is None
    await talk(person, [("/xoadulieu", "privacy_erase_confirm"), (Press("data:eraseyes"), "privacy_erased")])
    await talk(person, [(PressRaw("lst:fu:1:need_help"), "stale_button")])
    assert (await registration(demo_app, code)).outcome is None


async def test_staff_record_an_outcome_on_the_request_page(admin_app: App) -> None:
    made = await with_listings(admin_app)
    code = code_in(await registered(admin_app, made["Thợ hàn khung thép"].id))
    async with await signed_in(admin_app, "vieclam") as staff:
        page = await staff.http.get(f"/staff/requests/{code}")
        assert "Thợ hàn khung thép" in page.text and "Chưa có kết quả" in page.text
        done = await staff.post_form(f"/staff/requests/{code}/outcome", {"outcome": "studying", "nonce": "n1"})
        assert done.status_code == 303 and done.headers["location"].endswith("done=outcome")
        page = await staff.http.get(done.headers["location"])
        assert "Đã ghi kết quả." in page.text and "<strong>Đang học</strong>" in page.text
        bad = await staff.post_form(f"/staff/requests/{code}/outcome", {"outcome": "hired" * 100, "nonce": "n2"})
        assert bad.status_code == 400 and "không hợp lệ" in bad.text
        missing = await staff.post_form("/staff/requests/YC-000000/outcome", {"outcome": "working", "nonce": "n3"})
        assert missing.status_code == 404
    kept = await registration(admin_app, code)
    assert (kept.outcome, kept.outcome_by) == ("studying", "vieclam")


async def test_a_request_not_from_a_listing_takes_no_outcome(admin_app: App) -> None:
    person = Person(admin_app)
    await person.start()
    for step in ("menu:request", "form:cat:employment"):
        await person.presses_raw(step)
    await person.says("Tôi cần tìm việc làm phụ hồ gần nhà")
    await person.presses_raw("form:loc:mh-an-hoa")
    await person.says("0356 789 012")
    for step in ("form:skip", "form:time:morning", "form:yes", "form:confirm"):
        await person.presses_raw(step)
    code = code_in(person)
    async with await signed_in(admin_app, "vieclam") as staff:
        page = await staff.http.get(f"/staff/requests/{code}")
        assert 'id="listing"' not in page.text
        refused = await staff.post_form(f"/staff/requests/{code}/outcome", {"outcome": "working", "nonce": "n1"})
    assert refused.status_code == 400 and "không phải là đăng ký quan tâm" in refused.text


async def test_the_worker_round_asks_and_wakes_the_sender(demo_app: App, clock: FakeClock) -> None:
    made = await with_listings(demo_app)
    person = await registered(demo_app, made["Lớp hàn điện cơ bản 3 tháng"].id)
    clock.advance(days=DAYS)
    stop, woken = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        run_followup_rounds(demo_app.database, clock, demo_app.texts, DAYS, stop, woken.set, interval=0.05)
    )
    await asyncio.wait_for(woken.wait(), 10)
    stop.set()
    await task
    await person.collect()
    assert "Bạn đã đi làm / đi học chưa?" in person.text and "Lớp hàn điện cơ bản 3 tháng" in person.text


async def test_the_agency_api_shows_the_listing_and_its_outcome(demo_app: App, clock: FakeClock) -> None:
    from tests.requests.test_api import api, bearer, new_token

    made = await with_listings(demo_app)
    person = await registered(demo_app, made["Thợ hàn khung thép"].id)
    code = code_in(person)
    token = await new_token(demo_app, "demo-vieclam")
    async with api(demo_app) as client:
        detail = (await client.get(f"/requests/{code}", headers=bearer(token))).json()
        listing = made["Thợ hàn khung thép"]
        assert detail["listing"] == {
            "id": listing.id, "kind": "job", "title": "Thợ hàn khung thép", "outcome": None, "outcome_at": None,
        }  # fmt: skip
        clock.advance(days=DAYS)
        assert await ask(demo_app) == 1
        await person.collect()
        await talk(person, [(Press("Không muốn trả lời"), "followup_thanks")])
        detail = (await client.get(f"/requests/{code}", headers=bearer(token))).json()
        assert detail["listing"]["outcome"] == "no_answer" and detail["listing"]["outcome_at"]
        assert any(e["type"] == "listing_outcome" and e["actor"] == "person" for e in detail["events"])
        # Another agency's token sees nothing of it.
        other = await new_token(demo_app, "demo-ubnd")
        assert (await client.get(f"/requests/{code}", headers=bearer(other))).status_code == 404
