"""Every change to a request, from every surface, and every check on it.

The web workspace, the agency API, an agency's Telegram group (`bot.messaging.agency_desk`) and the CLI all
come here, so the checks (which agency may see a request, who may claim it, where it may be
transferred and why), the timeline and the person's messages are the same whichever is used.
A refusal is a `RequestError` with a key; each surface renders it in its reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.messaging.notify import enqueue_agency, enqueue_person
from bot.requests.errors import RequestError
from bot.storage.models import RequestRow
from bot.storage.unit_of_work import UnitOfWork
from handlers.domain import RESOLVED, STATUSES, WAITING
from handlers.messages import Notification
from handlers.texts import Texts

MAX_TEXT = 4000
MAX_REASON = 500
MAX_CODE = 64


@dataclass(frozen=True)
class Reader:
    """Who is looking: one agency's staff (a group, a token, an account), or an admin who sees every agency."""

    agency_code: str | None
    every_agency: bool = False

    def may_see(self, agency_code: str) -> bool:
        return self.every_agency or (self.agency_code is not None and self.agency_code == agency_code)


async def visible(uow: UnitOfWork, code: str, reader: Reader) -> RequestRow:
    """The request `code` if `reader` may see it; unknown and another agency's are refused alike,
    so the codes of others' requests stay secret."""
    row = await uow.requests.get_row(code[:MAX_CODE]) if code else None
    if row is None or not reader.may_see(row.agency_code):
        raise RequestError("not_found", code=code[:MAX_CODE] or "?")
    return row


async def _request(uow: UnitOfWork, code: str) -> RequestRow:
    row = await uow.requests.get_row(code)
    if row is None:
        raise RequestError("not_found", code=code)
    return row


def _text(value: str, empty_key: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise RequestError(empty_key)
    if len(value) > limit:
        raise RequestError("too_long", limit=limit)
    return value


async def change_status(uow: UnitOfWork, texts: Texts, code: str, status: str, actor: str, now: datetime) -> bool:
    """Move the request to `status` and tell the person; False when it already was there."""
    if status not in STATUSES:
        raise RequestError("unknown_status", status=status, choices=", ".join(STATUSES))
    row = await _request(uow, code)
    if row.status == status:
        return False
    await uow.requests.set_status(code, status, now, actor=actor)
    locale = texts.default_locale
    conversation = await uow.conversations.get(row.conversation_id)
    if conversation is not None and texts.supports(conversation.locale):
        locale = conversation.locale
    # Waiting for the person: they are asked to answer, and what they type next goes to the request.
    status_name = texts.get(locale, f"status_{status}")
    await enqueue_person(uow, texts, row, "notify_status", now, answer_back=status == WAITING, status=status_name)
    return True


async def reply(uow: UnitOfWork, texts: Texts, code: str, text: str, actor: str, now: datetime) -> None:
    """Answer the person on their own channel; a new request moves to in progress."""
    text = _text(text, "empty_reply", MAX_TEXT)
    row = await _request(uow, code)
    if row.erased_at is not None:
        raise RequestError("erased", code=row.code)
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


async def reply_and_resolve(uow: UnitOfWork, texts: Texts, code: str, text: str, actor: str, now: datetime) -> None:
    """The answer that settles it: the reply, then the request resolved, in the caller's one transaction
    (a refused reply resolves nothing)."""
    await reply(uow, texts, code, text, actor, now)
    await change_status(uow, texts, code, RESOLVED, actor, now)


async def note(uow: UnitOfWork, code: str, text: str, actor: str, now: datetime) -> None:
    """An internal note: on the timeline for staff, never shown to the person."""
    text = _text(text, "empty_note", MAX_TEXT)
    await _request(uow, code)
    await uow.requests.add_event(code, "note", now, actor=actor, data={"text": text})


async def _set_assignee(uow: UnitOfWork, row: RequestRow, assignee: str | None, actor: str, now: datetime) -> bool:
    if row.assignee == assignee:
        return False
    before = row.assignee
    row.assignee = assignee
    kind = "claimed" if assignee is not None and assignee == actor else "assigned"
    await uow.requests.add_event(row.code, kind, now, actor=actor, data={"from": before, "to": assignee})
    if assignee is not None and assignee != actor:
        user = await uow.users.by_username(assignee)
        if user is not None:
            data = {"code": row.code, "by": actor}
            await uow.notifications.add(user.id, "assigned", now, request_id=row.id, data=data)
    return True


async def assign(uow: UnitOfWork, code: str, assignee: str | None, actor: str, now: datetime) -> bool:
    """Give the request to an active colleague of its agency (or to nobody); False when nothing changed."""
    row = await _request(uow, code)
    if assignee is not None:
        user = await uow.users.by_username(assignee)
        if user is None or not user.active or user.agency_code != row.agency_code:
            raise RequestError("not_colleague", who=assignee)
        assignee = user.username
    return await _set_assignee(uow, row, assignee, actor, now)


async def claim(uow: UnitOfWork, code: str, claimant: str, claimant_agency: str | None, now: datetime) -> bool:
    """`claimant` takes the request for themself: only staff of the agency holding it may.

    The claimant is a staff account's username on the web, a member's name in an agency group;
    either way the request is assigned to them, with the same timeline entry.
    """
    row = await _request(uow, code)
    if claimant_agency is None or claimant_agency != row.agency_code:
        raise RequestError("claim_outside_agency")
    return await _set_assignee(uow, row, claimant, claimant, now)


async def _target_agency(uow: UnitOfWork, row: RequestRow, agency_code: str) -> str:
    target = await uow.agencies.get_row(agency_code)
    if target is None:
        raise RequestError("unknown_agency", agency=agency_code)
    if not target.active:
        raise RequestError("inactive_agency", agency=target.name)
    if target.code == row.agency_code:
        raise RequestError("same_agency")
    return target.name


async def transfer(
    uow: UnitOfWork, texts: Texts, code: str, agency_code: str, reason: str, actor: str, now: datetime
) -> str:
    """Hand the request to another active agency, for a reason staff see; the name of the new agency."""
    row = await _request(uow, code)
    name = await _target_agency(uow, row, agency_code)
    reason = _text(reason, "reason_required", MAX_REASON)
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
    await enqueue_person(uow, texts, row, "notify_transferred", now, agency=name)
    return name
