"""Canned replies: texts admins write once for an agency (or for every agency), that staff pick on a
request's page and send as their own reply, with {code} and {name} filled in for that request.

Every change is checked here and written with its audit row; staff only read them, and only those
of the agency holding the request or for every agency (`usable`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.audit.changes import NotFound, clean_text, fail
from bot.requests.service import MAX_TEXT
from bot.storage.models import CannedReplyRow
from bot.storage.unit_of_work import UnitOfWork

MAX_TITLE = 120
PLACEHOLDERS = ("code", "name")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class CannedInput:
    """What the admin typed; agency_code "" for every agency."""

    agency_code: str
    title: str
    body: str


def fill(body: str, code: str, name: str) -> str:
    """The text with the request's code and the person's name in place (nothing else is read as a
    placeholder: a stray brace stays as typed)."""
    return body.replace("{code}", code).replace("{name}", name)


async def _checked(uow: UnitOfWork, typed: CannedInput) -> tuple[str | None, str, str]:
    title = clean_text(typed.title, MAX_TITLE, "cr_err_title_required", required=True)
    body = clean_text(typed.body, MAX_TEXT, "cr_err_body_required", required=True, multiline=True)
    unknown = sorted({name for name in _PLACEHOLDER.findall(body) if name not in PLACEHOLDERS})
    if unknown:
        fail("cr_err_placeholder", names=", ".join("{" + n + "}" for n in unknown))
    agency = typed.agency_code.strip() or None
    if agency is not None and await uow.agencies.get_row(agency) is None:
        fail("ar_err_unknown_agency", code=agency)
    return agency, title, body


def _record(row: CannedReplyRow) -> dict[str, str]:
    return {"agency": row.agency_code or "", "title": row.title, "body": row.body}


async def create_canned(uow: UnitOfWork, typed: CannedInput, actor: str, now: datetime) -> CannedReplyRow:
    agency, title, body = await _checked(uow, typed)
    row = CannedReplyRow(agency_code=agency, title=title, body=body, created_at=now, updated_at=now, updated_by=actor)
    await uow.canned_replies.add(row)
    await uow.audit.add(actor, "canned.create", f"canned:{row.id}", now, after=_record(row))
    return row


async def _get(uow: UnitOfWork, reply_id: int) -> CannedReplyRow:
    row = await uow.canned_replies.get(reply_id)
    if row is None:
        raise NotFound(str(reply_id))
    return row


async def update_canned(uow: UnitOfWork, reply_id: int, typed: CannedInput, actor: str, now: datetime) -> None:
    row = await _get(uow, reply_id)
    before = _record(row)
    row.agency_code, row.title, row.body = await _checked(uow, typed)
    row.updated_at, row.updated_by = now, actor
    await uow.audit.add(actor, "canned.update", f"canned:{row.id}", now, before=before, after=_record(row))


async def delete_canned(uow: UnitOfWork, reply_id: int, actor: str, now: datetime) -> None:
    row = await _get(uow, reply_id)
    before = _record(row)
    await uow.canned_replies.remove(row)
    await uow.audit.add(actor, "canned.delete", f"canned:{reply_id}", now, before=before)


async def usable(uow: UnitOfWork, agency_code: str) -> list[CannedReplyRow]:
    """The replies staff may use on a request of this agency: its own, then those for every agency."""
    return await uow.canned_replies.usable_by(agency_code)
