"""A staff member's saved queue views: a name and the queue's query string, kept per account.

The query string is the queue's own reading of an address (QueueParams.query), so what is kept is
only ever a view the queue understands; a name saved again points at the new view.
"""

from __future__ import annotations

from datetime import datetime

from bot.requests.errors import RequestError
from bot.storage.models import SavedFilterRow
from bot.storage.unit_of_work import UnitOfWork

MAX_NAME = 80
MAX_QUERY = 500
MAX_FILTERS = 20
# What the queue page may be told was refused (?refused=<key>), with the values its text names.
REFUSALS: dict[str, dict[str, object]] = {
    "filter_name_required": {},
    "too_many_filters": {"limit": MAX_FILTERS},
    "too_long": {"limit": MAX_NAME},
    "filter_not_found": {},
}


async def save_filter(uow: UnitOfWork, user_id: int, name: str, query: str, now: datetime) -> SavedFilterRow:
    name = " ".join(name.split())
    if not name:
        raise RequestError("filter_name_required")
    if len(name) > MAX_NAME:
        raise RequestError("too_long", limit=MAX_NAME)
    if len(query) > MAX_QUERY:
        raise RequestError("too_long", limit=MAX_QUERY)
    mine = await uow.saved_filters.of_user(user_id)
    if len(mine) >= MAX_FILTERS and all(f.name != name for f in mine):
        raise RequestError("too_many_filters", limit=MAX_FILTERS)
    return await uow.saved_filters.save(user_id, name, query, now)


async def delete_filter(uow: UnitOfWork, user_id: int, filter_id: int) -> None:
    """Only the user's own: another account's filter is as unknown as a made-up id."""
    if not await uow.saved_filters.delete(user_id, filter_id):
        raise RequestError("filter_not_found")
