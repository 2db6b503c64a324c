"""The agency API's listings: the token's agency's own, paged oldest first, filtered by status; and
the interest registered in them, with outcomes and no personal data."""

from __future__ import annotations

from bot.app import App
from bot.listings.service import close_listing, create_listing
from tests.admin_pages import signed_in
from tests.listings.chat_helpers import code_in, registered, with_listings
from tests.listings.helpers import TODAY, typed
from tests.requests.test_api import api, bearer, new_token


async def test_an_agency_reads_its_own_listings_only(demo_app: App) -> None:
    async with demo_app.uow() as uow:
        ids = []
        for n in range(5):
            row = await create_listing(uow, typed(title=f"Việc {n}"), agency_code="demo-vieclam", actor="t",
                                       now=demo_app.clock(), today=TODAY, publish=n % 2 == 0)  # fmt: skip
            ids.append(row.id)
        await create_listing(uow, typed(title="Của xã", locality=""), agency_code="demo-ubnd", actor="t",
                             now=demo_app.clock(), today=TODAY)  # fmt: skip
        await close_listing(uow, ids[4], actor="t", now=demo_app.clock())
        await uow.commit()
    token, other = await new_token(demo_app, "demo-vieclam"), await new_token(demo_app, "demo-ubnd")
    async with api(demo_app) as client:
        first = (await client.get("/listings", params={"limit": 3}, headers=bearer(token))).json()
        assert [i["id"] for i in first["items"]] == ids[:3] and first["next_after"] == ids[2]
        rest = (await client.get("/listings", params={"after": ids[2]}, headers=bearer(token))).json()
        assert [i["id"] for i in rest["items"]] == ids[3:] and rest["next_after"] is None
        item = first["items"][0]
        assert item["locality_code"] == "mh-gia-loc" and item["locality_name"] == "Xã Gia Lộc"
        assert item["fair_chance"] is True and item["expires"] == "2026-12-31" and item["status"] == "published"
        published = (await client.get("/listings", params={"status": "published"}, headers=bearer(token))).json()
        assert [i["title"] for i in published["items"]] == ["Việc 0", "Việc 2"]
        theirs = (await client.get("/listings", headers=bearer(other))).json()
        assert [(i["title"], i["locality_code"]) for i in theirs["items"]] == [("Của xã", "")]
        assert (await client.get("/listings")).status_code == 401
        assert (await client.get("/listings", headers=bearer("hn_garbage"))).status_code == 401
        for params in ({"status": "open"}, {"limit": 0}, {"limit": 10_000}, {"after": -1}, {"after": 2**64}):
            assert (await client.get("/listings", params=params, headers=bearer(token))).status_code == 422, params
        schema = (await client.get("/openapi.json")).json()
        assert "/listings" in schema["paths"]


async def test_an_agency_reads_the_interest_registered_in_its_listings(admin_app: App) -> None:
    made = await with_listings(admin_app)
    own = [code_in(await registered(admin_app, made["Thợ hàn khung thép"].id, f"p{n}")) for n in range(3)]
    theirs = code_in(await registered(admin_app, made["Thợ may gia công"].id, "p9"))  # demo-ubnd's listing
    async with await signed_in(admin_app, "vieclam") as staff:
        assert (await staff.post_form(f"/staff/requests/{own[0]}/outcome", {"outcome": "working"})).status_code == 303
    token = await new_token(admin_app, "demo-vieclam")
    async with api(admin_app) as client:
        first = (await client.get("/registrations", params={"limit": 2}, headers=bearer(token))).json()
        assert [i["request_code"] for i in first["items"]] == own[:2] and first["next_after"] is not None
        assert first["items"][0]["outcome"] == "working" and first["items"][0]["outcome_by"] == "staff"
        assert first["items"][1]["outcome"] is None and first["items"][1]["outcome_by"] == ""
        assert first["items"][0]["listing_id"] == made["Thợ hàn khung thép"].id
        rest = (await client.get("/registrations", params={"after": first["next_after"]}, headers=bearer(token))).json()
        assert [i["request_code"] for i in rest["items"]] == own[2:] and rest["next_after"] is None
        other = (await client.get("/registrations", headers=bearer(await new_token(admin_app, "demo-ubnd")))).json()
        assert [i["request_code"] for i in other["items"]] == [theirs]
        assert "phone" not in str(first) and "0356" not in str(first)
        assert (await client.get("/registrations")).status_code == 401
        for params in ({"limit": 0}, {"limit": 10_000}, {"after": -1}, {"after": "x"}):
            assert (await client.get("/registrations", params=params, headers=bearer(token))).status_code == 422
