"""The demo province's listings (bot/data/demo_listings.yaml), published, with dates counted from today."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.listings.fields import ListingInput
from bot.listings.service import create_listing
from bot.storage.unit_of_work import UnitOfWork
from knowledge_base.yaml_io import load_yaml

DEMO_LISTINGS = Path(__file__).parent.parent / "data" / "demo_listings.yaml"
_OFFSETS = {"start_in_days": "start_date", "deadline_in_days": "deadline", "expires_in_days": "expires"}


def read_demo_listings(path: Path = DEMO_LISTINGS) -> list[dict[str, Any]]:
    return list((load_yaml(path.read_text(encoding="utf-8")) or {}).get("listings") or [])


def _typed(item: dict[str, Any], today: date) -> ListingInput:
    values = {k: v for k, v in item.items() if k not in _OFFSETS and k != "agency"}
    for offset, name in _OFFSETS.items():
        if offset in item:
            values[name] = (today + timedelta(days=int(item[offset]))).isoformat()
    return ListingInput.of(values)


async def load_demo_listings(uow: UnitOfWork, now: datetime, today: date) -> int:
    """Publish the demo listings unless the database has listings already; how many were created."""
    if await uow.listings.count():
        return 0
    # A small file shipped with the code, read once at `init --demo`: no need to leave the event loop.
    items = read_demo_listings()
    for item in items:
        await create_listing(
            uow, _typed(item, today), agency_code=str(item["agency"]), actor="system:demo", now=now, today=today,
            publish=True,
        )  # fmt: skip
    return len(items)
