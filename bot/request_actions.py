"""What agency staff do to a request (reply, change status, transfer), with the person told.

Every channel a staff member works from (CLI, Telegram group, web workspace, API) goes through here,
so the timeline and the person's messages are the same whichever they use.
"""

from __future__ import annotations

from datetime import datetime

from bot.notify import enqueue_agency, enqueue_person
from bot.storage.models import RequestRow
from bot.storage.unit_of_work import UnitOfWork
from handlers.domain import STATUSES
from handlers.messages import Notification
from handlers.texts import Texts


class RequestActionError(ValueError):
    pass


async def _request(uow: UnitOfWork, code: str) -> RequestRow:
    row = await uow.requests.get_row(code)
    if row is None:
        raise RequestActionError(f"no request {code}")
    return row


async def change_status(uow: UnitOfWork, texts: Texts, code: str, status: str, actor: str, now: datetime) -> None:
    if status not in STATUSES:
        raise RequestActionError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
    row = await _request(uow, code)
    if row.status == status:
        return
    await uow.requests.set_status(code, status, now, actor=actor)
    locale = texts.default_locale
    conversation = await uow.conversations.get(row.conversation_id)
    if conversation is not None and texts.supports(conversation.locale):
        locale = conversation.locale
    await enqueue_person(uow, texts, row, "notify_status", now, status=texts.get(locale, f"status_{status}"))


async def reply(uow: UnitOfWork, texts: Texts, code: str, text: str, actor: str, now: datetime) -> None:
    text = text.strip()
    if not text:
        raise RequestActionError("empty reply")
    row = await _request(uow, code)
    agency = await uow.agencies.get(row.agency_code)
    await uow.requests.add_event(code, "replied", now, actor=actor, data={"text": text})
    if row.status == "new":
        await uow.requests.set_status(code, "in_progress", now, actor=actor)
    await enqueue_person(
        uow,
        texts,
        row,
        "notify_reply",
        now,
        answer_back=True,
        agency=agency.name if agency else row.agency_code,
        text=text,
    )


async def transfer(
    uow: UnitOfWork, texts: Texts, code: str, agency_code: str, reason: str, actor: str, now: datetime
) -> None:
    row = await _request(uow, code)
    agency = await uow.agencies.get(agency_code)
    if agency is None:
        raise RequestActionError(f"no agency {agency_code}")
    if agency_code == row.agency_code:
        raise RequestActionError("the request is already with that agency")
    before = row.agency_code
    row.agency_code = agency_code
    await uow.requests.add_event(
        code, "transferred", now, actor=actor, data={"from": before, "to": agency_code, "reason": reason}
    )
    await enqueue_agency(uow, texts, Notification(agency_code, code, "transferred_in", {"from": before}), now)
    await enqueue_person(uow, texts, row, "notify_transferred", now, agency=agency.name)
