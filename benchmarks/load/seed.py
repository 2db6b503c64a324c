"""A knowledge base of N entries in the database under test: the shipped ones and synthetic ones
built from their vocabulary (benchmarks.matching), through the same import as `hoanhap kb import`."""

from __future__ import annotations

from benchmarks.matching import synthetic_entries
from bot.app import create_app
from bot.clock import utc_now
from bot.config import Settings
from bot.faq.knowledge import import_entries


async def seed_entries(database_url: str, total: int) -> int:
    app = await create_app(Settings(database_url=database_url), prepare=False)
    try:
        async with app.uow() as uow:
            shipped = await uow.faq.count()
            extra = synthetic_entries(max(0, total - shipped), phrasings_per_entry=4)
            created, _ = await import_entries(uow, extra, utc_now(), "system:bench")
            await uow.commit()
        return shipped + created
    finally:
        await app.close()
