"""The employers' public form: a routed draft for the staff to review, a honeypot that keeps nothing,
a rate limit per address, and the expiry round that closes what is past its last day."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.listings.expiry import expiry_round
from bot.listings.propose import PROPOSALS_PER_HOUR
from bot.listings.service import PROPOSER, create_listing
from tests.admin_pages import audit_rows, signed_in
from tests.harness import FakeClock
from tests.listings.helpers import TODAY, typed
from tests.web_client import WebClient

PROPOSAL = {
    "kind": "course", "title": "Lớp hàn điện 3 tháng", "employer": "Trường nghề mẫu", "locality": "mh-cat-tuong",
    "trade": "hàn", "description": "Học hàn, miễn học phí", "fair_chance": "1", "cost_kind": "free",
    "expires": "2026-12-20", "contact": "0200 000 401", "website": "",
}  # fmt: skip


async def _drafts(app: App) -> list[tuple[str, str, str]]:
    async with app.uow() as uow:
        rows = await uow.listings.list()
        agencies, _ = await uow.listings.labels(rows)
        return [(r.title, r.status, agencies[r.agency_id]) for r in rows]


async def test_a_proposal_lands_as_a_draft_for_the_communes_agency(demo_app: App) -> None:
    async with WebClient(demo_app) as employer:
        form = await employer.http.get("/listings/propose")
        assert form.status_code == 200 and 'name="website"' in form.text
        sent = await employer.post_form("/listings/propose", PROPOSAL)
        assert sent.status_code == 303 and sent.headers["location"] == "/listings/propose?sent=1"
        assert "Cảm ơn" in (await employer.http.get(sent.headers["location"])).text
    assert await _drafts(demo_app) == [("Lớp hàn điện 3 tháng", "draft", "demo-vieclam")]
    [created] = await audit_rows(demo_app, "listing.create")
    assert created.actor == PROPOSER


async def test_bad_proposals_are_refused_and_keep_nothing(demo_app: App) -> None:
    for number, (changes, words) in enumerate(
        (
            ({"locality": ""}, "Chọn xã/phường"),
            ({"contact": "  "}, "Cần số điện thoại"),
            ({"title": "x" * 5000}, "dài quá"),
            ({"expires": "31/31/2026"}, "ngày không hợp lệ"),
            ({"locality": "<script>alert(1)</script>"}, "&lt;script&gt;"),
            ({"kind": "scam"}, "Loại tin phải là"),
        )
    ):
        # An address of its own each: refused proposals count against the allowance too.
        async with WebClient(demo_app, address=f"192.0.2.{number + 1}") as employer:
            refused = await employer.post_form("/listings/propose", PROPOSAL | changes)
            assert refused.status_code == 400 and words in refused.text, changes
            assert "<script>alert(1)</script>" not in refused.text
    async with WebClient(demo_app) as employer:
        assert (await employer.post_form("/listings/propose", PROPOSAL, csrf=False)).status_code == 403
    assert await _drafts(demo_app) == []


async def test_the_honeypot_keeps_nothing_and_tells_the_robot_nothing(demo_app: App) -> None:
    async with WebClient(demo_app) as robot:
        sent = await robot.post_form("/listings/propose", PROPOSAL | {"website": "http://spam.example"})
        assert sent.status_code == 303 and sent.headers["location"] == "/listings/propose?sent=1"
    assert await _drafts(demo_app) == []


async def test_one_address_is_held_to_a_few_proposals_an_hour(demo_app: App, clock: FakeClock) -> None:
    async with (
        WebClient(demo_app, address="203.0.113.7") as flood,
        WebClient(demo_app, address="198.51.100.2") as other,
    ):
        for _ in range(PROPOSALS_PER_HOUR):
            assert (await flood.post_form("/listings/propose", PROPOSAL)).status_code == 303
        held = await flood.post_form("/listings/propose", PROPOSAL)
        assert held.status_code == 429 and int(held.headers["retry-after"]) > 0 and "thử lại sau" in held.text
        assert (await other.post_form("/listings/propose", PROPOSAL)).status_code == 303
        clock.advance(hours=1, seconds=1)
        assert (await flood.post_form("/listings/propose", PROPOSAL)).status_code == 303
    assert len(await _drafts(demo_app)) == PROPOSALS_PER_HOUR + 2


async def test_the_expiry_round_closes_what_passed_its_last_day(demo_app: App, clock: FakeClock) -> None:
    async with demo_app.uow() as uow:
        for expires in ("2026-11-02", "2026-11-03", "2026-12-31"):
            await create_listing(
                uow, typed(expires=expires, deadline=""), agency_code="demo-vieclam", actor="t", now=clock(),
                today=TODAY, publish=True,
            )  # fmt: skip
        await uow.commit()
    assert await expiry_round(demo_app.database, clock, demo_app.settings.timezone) == 0
    # 2026-11-03 17:00 UTC is already the 4th in Vietnam: two listings' last days have passed.
    clock.advance(days=1, hours=9)
    assert await expiry_round(demo_app.database, clock, demo_app.settings.timezone) == 2
    assert await expiry_round(demo_app.database, clock, demo_app.settings.timezone) == 0
    assert sorted(s for _, s, _ in await _drafts(demo_app)) == ["closed", "closed", "published"]
    assert clock() - timedelta(days=1, hours=9) == FakeClock().now


async def test_the_agencys_staff_hear_of_a_proposal_until_they_open_it(admin_app: App) -> None:
    async with WebClient(admin_app) as employer:
        assert (await employer.post_form("/listings/propose", PROPOSAL)).status_code == 303
    async with admin_app.uow() as uow:
        [draft] = await uow.listings.list()
    async with await signed_in(admin_app, "vieclam") as staff:
        queue = (await staff.http.get("/staff")).text
        assert "chờ duyệt: Lớp hàn điện 3 tháng" in queue and f'href="/staff/listings/{draft.id}"' in queue
        assert (await staff.http.get(f"/staff/listings/{draft.id}")).status_code == 200
        assert "chờ duyệt: Lớp hàn điện 3 tháng" not in (await staff.http.get("/staff")).text
    async with await signed_in(admin_app, "admin") as admin:
        assert "chờ duyệt" not in (await admin.http.get("/staff")).text  # the agency's staff, not everyone
