"""What the listings' conversation tests share: the demo province with its listings published, and
one more listing of an agency the routing rules would not pick (so routing by listing shows)."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.listings.demo import load_demo_listings
from bot.listings.service import create_listing
from bot.storage.models import ListingRow
from tests.harness import Person
from tests.listings.helpers import TODAY, typed

# The rules send employment to demo-vieclam; this listing belongs to the commune's people's committee.
OTHER_AGENCY = "demo-ubnd"


async def with_listings(app: App) -> dict[str, ListingRow]:
    """The demo listings by title, and "Thợ may gia công" (a job of OTHER_AGENCY, whole province)."""
    async with app.uow() as uow:
        now = app.clock()
        await load_demo_listings(uow, now, TODAY)
        await create_listing(
            uow,
            typed(title="Thợ may gia công", trade="may", locality="", employer="Hợp tác xã May Mẫu (mẫu)",
                  expires=(TODAY + timedelta(days=40)).isoformat(), deadline="", start_date=""),
            agency_code=OTHER_AGENCY, actor="test", now=now, today=TODAY, publish=True,
        )  # fmt: skip
        rows = await uow.listings.list()
        await uow.commit()
    return {r.title: r for r in rows}


async def registered(app: App, listing_id: int, chat_id: str = "p1") -> Person:
    """A person on the test channel who registered interest in the listing (phone given, no name)."""
    person = Person(app, chat_id)
    await person.start()
    await person.presses_raw(f"lst:reg:{listing_id}")
    await person.presses_raw("form:loc:mh-an-hoa")
    await person.says("0356 789 012")
    await person.presses_raw("form:skip")
    await person.presses_raw("form:time:morning")
    await person.presses_raw("form:yes")
    await person.presses_raw("form:confirm")
    assert "Mã của bạn: YC-" in person.text, person.text
    return person


def code_in(person: Person) -> str:
    return person.text.split("Mã của bạn: ")[1].split()[0]
