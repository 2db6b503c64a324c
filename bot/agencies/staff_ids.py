"""Which Telegram accounts may act in an agency's groups: an optional allow-list per agency.

An agency that lists none lets every member of its linked group act (claim, reply, resolve, transfer,
see a phone number), as groups always have; one that lists some lets only those. Kept by user id, the
number Telegram gives an account, never by a display name anyone can copy. Every change is audited.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.requests.errors import RequestError
from bot.storage.unit_of_work import UnitOfWork

# Telegram user ids are positive integers (up to 52 bits today); a few more digits leave room.
_USER_ID = re.compile(r"[0-9]{1,20}")


def _checked(user_id: str) -> str:
    value = user_id.strip()
    if not _USER_ID.fullmatch(value) or int(value) == 0:
        raise RequestError("bad_staff_id", user_id=value[:40])
    return str(int(value))


async def _agency(uow: UnitOfWork, agency_code: str) -> str:
    if await uow.agencies.get(agency_code) is None:
        raise RequestError("unknown_agency", agency=agency_code[:64])
    return agency_code


async def listed(uow: UnitOfWork, agency_code: str) -> list[dict[str, Any]]:
    code = await _agency(uow, agency_code)
    return [
        {"agency": r.agency_code, "user_id": r.user_id, "added_by": r.added_by, "added_at": r.added_at.isoformat()}
        for r in await uow.staff_ids.for_agency(code)
    ]


async def add(uow: UnitOfWork, agency_code: str, user_id: str, actor: str, now: datetime) -> bool:
    """False when the id was on the list already (nothing changes, nothing is audited)."""
    code, value = await _agency(uow, agency_code), _checked(user_id)
    added = await uow.staff_ids.add(code, value, actor, now)
    if added:
        await uow.audit.add(actor, "agency.staff_id_added", code, now, after={"user_id": value})
    return added


async def remove(uow: UnitOfWork, agency_code: str, user_id: str, actor: str, now: datetime) -> bool:
    """False when the id was not on the list."""
    code, value = await _agency(uow, agency_code), _checked(user_id)
    removed = await uow.staff_ids.remove(code, value)
    if removed:
        await uow.audit.add(actor, "agency.staff_id_removed", code, now, before={"user_id": value})
    return removed
