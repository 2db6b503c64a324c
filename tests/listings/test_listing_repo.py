"""The listings repository: what is open on a day, the whole province, filters, trades and counts."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.listings.service import close_listing, create_listing, open_listings, open_trades
from bot.storage.repos.listings import ListingFilter
from tests.listings.helpers import TODAY, typed


async def test_open_only_excludes_expired_drafts_and_closed(demo_app: App) -> None:
    now = demo_app.clock()
    async with demo_app.uow() as uow:
        made = {}
        for name, changes, publish in (
            ("here", {"locality": "mh-gia-loc", "trade": "Hàn"}, True),
            ("province", {"locality": "", "trade": "may"}, True),
            ("elsewhere", {"locality": "mh-an-hoa", "trade": "xây dựng"}, True),
            ("draft", {"locality": "mh-gia-loc", "trade": "điện"}, False),
            ("closed", {"locality": "mh-gia-loc", "trade": "gỗ"}, True),
            ("ends_today", {"locality": "mh-gia-loc", "trade": "hàn", "expires": "2026-11-02", "deadline": ""}, True),
            ("course", {"kind": "course", "cost_kind": "free", "locality": "mh-gia-loc", "trade": "hàn"}, True),
        ):
            row = await create_listing(
                uow, typed(**changes), agency_code="demo-vieclam", actor="a", now=now, today=TODAY, publish=publish
            )
            made[row.id] = name
        closed = next(i for i, n in made.items() if n == "closed")
        await close_listing(uow, closed, actor="a", now=now)
        await uow.commit()
    async with demo_app.uow() as uow:
        gia_loc = await uow.localities.get_row("mh-gia-loc")
        assert gia_loc is not None

        async def names(**filters: object) -> set[str]:
            return {made[r.id] for r in await uow.listings.list(ListingFilter(**filters))}  # type: ignore[arg-type]

        assert await names(open_on=TODAY, kind="job", locality_id=gia_loc.id) == {"here", "province", "ends_today"}
        assert await names(open_on=TODAY + timedelta(days=1), kind="job", locality_id=gia_loc.id) == {
            "here",
            "province",
        }
        assert await names(open_on=TODAY, locality_id=gia_loc.id, with_whole_province=False) == {
            "here", "ends_today", "course",
        }  # fmt: skip
        assert await names(open_on=TODAY, whole_province_only=True) == {"province"}
        assert await names(status="draft") == {"draft"}
        assert await names(trade="hàn", open_on=TODAY) == {"here", "ends_today", "course"}
        vieclam = await uow.agencies.get_row("demo-vieclam")
        ubnd = await uow.agencies.get_row("demo-ubnd")
        assert vieclam and ubnd
        assert len(await names(agency_id=vieclam.id)) == 7 and await names(agency_id=ubnd.id) == set()
        assert await uow.listings.count(ListingFilter(open_on=TODAY)) == 5
        assert await open_trades(uow, today=TODAY, kind="job", locality_id=gia_loc.id) == ["hàn", "may"]
        page = await open_listings(uow, today=TODAY, kind="job", locality_id=gia_loc.id, limit=2)
        more = await open_listings(uow, today=TODAY, kind="job", locality_id=gia_loc.id, offset=2, limit=2)
        assert len(page) == 2 and len(more) == 1 and not {r.id for r in page} & {r.id for r in more}
        assert await uow.listings.open_counts(TODAY) == [("demo-vieclam", "hàn", 3), ("demo-vieclam", "may", 1), (
            "demo-vieclam", "xây dựng", 1,
        )]  # fmt: skip
        assert [made[r.id] for r in await uow.listings.due_to_expire(TODAY + timedelta(days=1))] == ["ends_today"]


async def test_the_demo_listings_load_once_and_are_open(demo_app: App) -> None:
    from bot.listings.demo import load_demo_listings

    async with demo_app.uow() as uow:
        assert await load_demo_listings(uow, demo_app.clock(), TODAY) == 5
        assert await load_demo_listings(uow, demo_app.clock(), TODAY) == 0
        rows = await uow.listings.list(ListingFilter(open_on=TODAY))
        assert len(rows) == 5 and {r.kind for r in rows} == {"job", "course"}
        assert any(r.locality_id is None for r in rows) and all(r.published_at for r in rows)
