"""The listings service: what it checks, what it refuses (keyed), and the audit row of every change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.app import App
from bot.listings.errors import ListingError, describe
from bot.listings.service import (
    close_listing,
    create_listing,
    edit_listing,
    expire_listings,
    get_listing,
    publish_listing,
    summaries,
)
from tests.listings.helpers import TODAY, typed


async def _refused(demo_app: App, key: str, **changes: object) -> ListingError:
    async with demo_app.uow() as uow:
        with pytest.raises(ListingError) as refused:
            await create_listing(
                uow, typed(**changes), agency_code="demo-vieclam", actor="t", now=demo_app.clock(), today=TODAY
            )
    assert refused.value.key == key, (changes, refused.value.key)
    for locale in ("vi", "en"):
        assert describe(refused.value, locale).strip()
    return refused.value


@pytest.mark.parametrize(
    ("key", "changes"),
    [
        ("title_required", {"title": "  "}),
        ("too_long", {"title": "x" * 201}),
        ("too_long", {"description": "mô tả " * 2000}),
        ("unknown_kind", {"kind": "gig"}),
        ("unknown_kind", {"kind": ""}),
        ("bad_date", {"expires": "31/13/2026"}),
        ("bad_date", {"start_date": "2026-02-30"}),
        ("bad_date", {"deadline": "tomorrow"}),
        ("bad_date", {"expires": "1999-01-01"}),
        ("expires_required", {"expires": ""}),
        ("already_expired", {"expires": "2026-11-01"}),
        ("deadline_after_expiry", {"deadline": "2027-01-05"}),
        ("bad_places", {"places": "0"}),
        ("bad_places", {"places": "-2"}),
        ("bad_places", {"places": "ba"}),
        ("bad_places", {"places": "10000000"}),
        ("bad_fair_chance", {"fair_chance": "maybe"}),
        ("cost_kind_for_job", {"cost_kind": "free"}),
        ("bad_cost_kind", {"kind": "course", "cost_kind": "cheap"}),
        ("unknown_locality", {"locality": "Xã Không Có"}),
        ("unknown_agency", {}),
    ],
)
async def test_bad_input_is_refused_with_a_key(demo_app: App, key: str, changes: dict[str, object]) -> None:
    if key == "unknown_agency":
        async with demo_app.uow() as uow:
            with pytest.raises(ListingError) as refused:
                await create_listing(uow, typed(), agency_code="nope", actor="t", now=demo_app.clock(), today=TODAY)
        assert refused.value.key == key
        return
    error = await _refused(demo_app, key, **changes)
    if key == "too_long":
        assert "Tiêu đề" in describe(error, "vi") or "Mô tả" in describe(error, "vi")


async def test_created_edited_published_closed_each_audited(demo_app: App) -> None:
    now = demo_app.clock()
    async with demo_app.uow() as uow:
        row = await create_listing(
            uow, typed(locality="Gia Lộc", title=" Thợ\x00 hàn  "), agency_code="demo-vieclam", actor="lan", now=now,
            today=TODAY,
        )  # fmt: skip
        assert row.status == "draft" and row.title == "Thợ hàn" and row.trade == "hàn" and row.fair_chance
        assert row.places == 3 and row.expires == date(2026, 12, 31) and row.published_at is None
        await edit_listing(uow, row.id, typed(title="Thợ hàn bậc 2", locality=""), actor="lan", now=now, today=TODAY)
        assert row.locality_id is None  # the whole province
        await publish_listing(uow, row.id, actor="lan", now=now, today=TODAY)
        with pytest.raises(ListingError, match="not_draft"):
            await publish_listing(uow, row.id, actor="lan", now=now, today=TODAY)
        await close_listing(uow, row.id, actor="lan", now=now)
        with pytest.raises(ListingError, match="already_closed"):
            await close_listing(uow, row.id, actor="lan", now=now)
        with pytest.raises(ListingError, match="not_editable"):
            await edit_listing(uow, row.id, typed(), actor="lan", now=now, today=TODAY)
        [summary] = await summaries(uow, [row])
        assert summary.agency == "demo-vieclam" and summary.locality == "" and summary.status == "closed"
        assert summary.as_json()["expires"] == "2026-12-31"
        rows = [r for r in await uow.audit.newest(limit=10) if r.action.startswith("listing.")]
        await uow.commit()
    assert [r.action for r in rows] == ["listing.close", "listing.publish", "listing.edit", "listing.create"]
    assert (rows[2].before or {})["title"] == "Thợ hàn" and (rows[2].after or {})["title"] == "Thợ hàn bậc 2"


async def test_staff_of_another_agency_cannot_touch_it(demo_app: App) -> None:
    now = demo_app.clock()
    async with demo_app.uow() as uow:
        row = await create_listing(uow, typed(), agency_code="demo-vieclam", actor="a", now=now, today=TODAY)
        for change in (
            get_listing(uow, row.id, scope="demo-ubnd"),
            edit_listing(uow, row.id, typed(), actor="b", now=now, today=TODAY, scope="demo-ubnd"),
            publish_listing(uow, row.id, actor="b", now=now, today=TODAY, scope="demo-ubnd"),
            close_listing(uow, row.id, actor="b", now=now, scope="demo-ubnd"),
        ):
            with pytest.raises(ListingError, match="other_agency"):
                await change
        with pytest.raises(ListingError, match="not_found"):
            await get_listing(uow, row.id + 1000)
        assert (await get_listing(uow, row.id, scope="demo-vieclam")).status == "draft"


async def test_the_round_closes_what_expired_and_a_late_draft_cannot_be_published(demo_app: App) -> None:
    now = demo_app.clock()
    async with demo_app.uow() as uow:
        old = await create_listing(
            uow, typed(expires="2026-11-02", deadline=""), agency_code="demo-vieclam", actor="a", now=now,
            today=TODAY, publish=True,
        )  # fmt: skip
        late = await create_listing(
            uow, typed(expires="2026-11-02", deadline=""), agency_code="demo-vieclam", actor="a", now=now, today=TODAY
        )
        fresh = await create_listing(
            uow, typed(), agency_code="demo-vieclam", actor="a", now=now, today=TODAY, publish=True
        )
        assert await expire_listings(uow, now=now, today=TODAY) == []
        tomorrow = TODAY + timedelta(days=1)
        assert await expire_listings(uow, now=now, today=tomorrow) == [old.id]
        assert old.status == "closed" and fresh.status == "published" and late.status == "draft"
        with pytest.raises(ListingError, match="already_expired"):
            await publish_listing(uow, late.id, actor="a", now=now, today=tomorrow)
        assert await expire_listings(uow, now=now, today=tomorrow) == []
        [expired] = await uow.audit.newest(action="listing.expire", limit=5)
        assert expired.actor == "system" and expired.target == f"listing:{old.id}"


async def test_the_audit_log_tells_each_change_in_words(demo_app: App) -> None:
    from bot.audit.sentences import describe as sentence
    from bot.web.i18n import web_texts

    now = demo_app.clock()
    async with demo_app.uow() as uow:
        row = await create_listing(uow, typed(), agency_code="demo-vieclam", actor="lan", now=now, today=TODAY)
        await edit_listing(uow, row.id, typed(trade="may"), actor="lan", now=now, today=TODAY)
        await publish_listing(uow, row.id, actor="lan", now=now, today=TODAY)
        await close_listing(uow, row.id, actor="lan", now=now)
        rows = [r for r in await uow.audit.newest(limit=10) if r.action.startswith("listing.")]

    def t(key: str, **values: object) -> str:
        return web_texts().get("vi", key, **values)

    said = [sentence(r, t) for r in reversed(rows)]
    assert said == [
        "lan tạo tin «Thợ hàn khung thép» của cơ quan demo-vieclam.",
        "lan sửa tin «Thợ hàn khung thép» (nghề).",
        "lan đăng tin «Thợ hàn khung thép».",
        "lan đóng tin «Thợ hàn khung thép».",
    ]


async def test_a_listing_is_made_only_for_ones_own_active_agency(demo_app: App) -> None:
    now = demo_app.clock()
    async with demo_app.uow() as uow:
        with pytest.raises(ListingError, match="other_agency"):
            await create_listing(uow, typed(), agency_code="demo-vieclam", actor="b", now=now, today=TODAY,
                                 scope="demo-ubnd")  # fmt: skip
        agency = await uow.agencies.get_row("demo-tgpl")
        assert agency is not None
        agency.active = False
        with pytest.raises(ListingError, match="inactive_agency"):
            await create_listing(uow, typed(), agency_code="demo-tgpl", actor="a", now=now, today=TODAY)
        assert await uow.listings.count() == 0
