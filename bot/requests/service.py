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
    outbox_id = await enqueue_person(
        uow,
        texts,
        row,
        "notify_reply",
        now,
        answer_back=True,
        agency=agency.name if agency else row.agency_code,
        text=text,
    )
    await uow.requests.add_event(code, "replied", now, actor=actor, data={"text": text, "outbox_id": outbox_id})
    row.first_response_at = row.first_response_at or now
    if row.status == "new":
        await uow.requests.set_status(code, "in_progress", now, actor=actor)


async def note(uow: UnitOfWork, code: str, text: str, actor: str, now: datetime) -> None:
    """An internal note: on the timeline for staff, never shown to the person."""
    text = text.strip()
    if not text:
        raise RequestActionError("empty note")
    await _request(uow, code)
    await uow.requests.add_event(code, "note", now, actor=actor, data={"text": text})


async def assign(uow: UnitOfWork, code: str, assignee: str | None, actor: str, now: datetime) -> None:
    """Give the request to a colleague of its agency (or to nobody); claiming is assigning oneself."""
    row = await _request(uow, code)
    if assignee is not None:
        user = await uow.users.by_username(assignee)
        if user is None or not user.active or user.agency_code != row.agency_code:
            raise RequestActionError(f"{assignee} does not work for {row.agency_code}")
        assignee = user.username
    if row.assignee == assignee:
        return
    before = row.assignee
    row.assignee = assignee
    kind = "claimed" if assignee is not None and assignee == actor else "assigned"
    await uow.requests.add_event(code, kind, now, actor=actor, data={"from": before, "to": assignee})
    if assignee is not None and assignee != actor:
        user = await uow.users.by_username(assignee)
        if user is not None:
            await uow.notifications.add(user.id, "assigned", now, request_id=row.id, data={"code": code, "by": actor})


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
    # The new agency's clock starts now, for its own first response and resolution.
    row.agency_since = now
    row.first_response_at = None
    row.escalated_at = None
    row.assignee = None
    await uow.requests.add_event(
        code, "transferred", now, actor=actor, data={"from": before, "to": agency_code, "reason": reason}
    )
    await enqueue_agency(uow, texts, Notification(agency_code, code, "transferred_in", {"from": before}), now)
    await enqueue_person(uow, texts, row, "notify_transferred", now, agency=agency.name)
