"""What the listings tests share: a valid listing as typed, and the local day of the test clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from bot.listings.fields import ListingInput

# The test clock starts on 2026-11-02 08:00 UTC: 15:00 the same day in Vietnam.
TODAY = date(2026, 11, 2)


def typed(**changes: Any) -> ListingInput:
    base = ListingInput(
        kind="job",
        title="Thợ hàn khung thép",
        employer="Xưởng cơ khí Minh Họa (mẫu)",
        locality="mh-gia-loc",
        trade="Hàn",
        description="Hàn khung nhà xưởng, có người kèm.",
        fair_chance="yes",
        start_date="2026-12-05",
        deadline="2026-11-30",
        places="3",
        pay="7-9 triệu/tháng",
        contact="0200 000 101 (số mẫu)",
        expires="2026-12-31",
    )
    return replace(base, **{k: str(v) for k, v in changes.items()})
