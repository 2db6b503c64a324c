"""Writes messages for agencies and for people into the outbox, inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.storage.models import RequestRow
from bot.storage.unit_of_work import UnitOfWork
from handlers.choices import StaffAction, StaffChoice
from handlers.domain import OPEN_STATUSES
from handlers.messages import Choice, Notification, OutgoingMessage
from handlers.phone import group_phone
from handlers.texts import Texts

AGENCY_CHANNEL = "agency"


AGENCY_POST = "agency_post"
# Agency events that also ring the bell of the staff in the web workspace: the person's words.
STAFF_BELL = ("person_message",)
# Events whose post carries the request's details and the claim / resolve buttons.
_FULL_POSTS = {"created": "staff_post_created", "transferred_in": "staff_post_transferred_in"}


async def agency_post(uow: UnitOfWork, texts: Texts, notification: Notification) -> OutgoingMessage | None:
    """What an agency's staff read about an event of one of their requests (in the default locale)."""
    request = await uow.requests.get_row(notification.request_code)
    if request is None:
        return None
    locale = texts.default_locale
    code = request.code
    if notification.event in _FULL_POSTS:
        locality = await uow.localities.get(request.locality_code)
        source = await uow.agencies.get(str(notification.data.get("from", "")))
        text = texts.get(
            locale,
            _FULL_POSTS[notification.event],
            code=code,
            category=texts.get(locale, f"category_{request.category}"),
            commune=f"{locality.name}, {locality.province}" if locality else request.locality_code,
            description=request.description,
            # Masked: everyone in the group reads the post; the button shows the number, recorded.
            phone=group_phone(request.phone),
            name=request.name or texts.get(locale, "form_no_name"),
            contact_time=texts.get(locale, f"contact_time_{request.contact_time or 'any'}"),
            from_agency=source.name if source else notification.data.get("from", ""),
        )
        choices = [
            Choice.of(StaffChoice(StaffAction.CLAIM, code), texts.get(locale, "staff_claim")),
            Choice.of(StaffChoice(StaffAction.DONE, code), texts.get(locale, "staff_done")),
        ]
        if request.phone:
            choices.append(Choice.of(StaffChoice(StaffAction.PHONE, code), texts.get(locale, "staff_show_phone")))
        return OutgoingMessage(text, tuple(choices))
    if notification.event == "person_message":
        return OutgoingMessage(
            texts.get(locale, "staff_post_person_message", code=code, text=notification.data["text"])
        )
    if notification.event == "person_message_withdrawn":
        return OutgoingMessage(texts.get(locale, "staff_post_person_withdrew", code=code))
    if notification.event == "erased":
        return OutgoingMessage(texts.get(locale, "staff_post_erased", code=code))
    if notification.event == "cancelled":
        return OutgoingMessage(texts.get(locale, "staff_post_cancelled", code=code))
    if notification.event == "reopened":
        return OutgoingMessage(texts.get(locale, "staff_post_reopened", code=code))
    if notification.event == "overdue":
        return OutgoingMessage(texts.get(locale, "staff_post_overdue", code=code))
    return None


async def enqueue_agency(uow: UnitOfWork, texts: Texts, notification: Notification, now: datetime) -> None:
    """A post per agency event, to each channel the agency works from.

    An agency with no channel linked yet gets its posts addressed to the `agency` placeholder; they
    wait there, in order, and move to the agency's group the moment one is linked.
    """
    message = await agency_post(uow, texts, notification)
    request = await uow.requests.get_row(notification.request_code)
    if message is None or request is None:
        return
    if notification.event in STAFF_BELL:
        await ring_staff(uow, request, notification.event, now)
    payload: dict[str, Any] = {
        **message.to_payload(),
        "request_code": notification.request_code,
        "event": notification.event,
    }
    targets = [(c.channel, c.chat_id) for c in await uow.agency_channels.for_agency(notification.agency_code)]
    for channel, chat_id in targets or [(AGENCY_CHANNEL, notification.agency_code)]:
        await uow.outbox.add(channel, chat_id, payload, now, kind=AGENCY_POST, request_id=request.id)


async def ring_staff(uow: UnitOfWork, request: RequestRow, event: str, now: datetime) -> None:
    """A workspace notification (the bell, the request's unread marker) for whoever works the
    request: its assignee, or while nobody has it, every active staff member of its agency."""
    staff = await uow.users.of_agency(request.agency_code)
    chosen = [u for u in staff if u.username == request.assignee] or staff
    for user in chosen:
        await uow.notifications.add(user.id, event, now, request_id=request.id, data={"code": request.code})


async def enqueue_person(
    uow: UnitOfWork,
    texts: Texts,
    request: RequestRow,
    key: str,
    now: datetime,
    *,
    answer_back: bool = False,
    **values: str,
) -> int | None:
    """A message to the person who sent a request, on their own channel and in their language, and
    to every conversation that opened it with its code and phone; the first outbox row's id (the
    sending conversation's), so its delivery can be followed.

    With `answer_back` the person is asked to answer: what they type next in those conversations
    goes to the request (handlers/flows/replying.py) until it closes or the window passes."""
    first: int | None = None
    for conversation in await uow.conversations.following(request):
        locale = conversation.locale if texts.supports(conversation.locale) else texts.default_locale
        text = texts.get(locale, key, code=request.code, **values)
        choices = [Choice(f"req:show:{request.code}", texts.get(locale, "mine_view"))]
        if answer_back:
            choices.insert(0, Choice(f"req:add:{request.code}", texts.get(locale, "mine_answer_back")))
            conversation.awaiting_code, conversation.awaiting_since = request.code, now
        elif request.status not in OPEN_STATUSES and conversation.awaiting_code == request.code:
            conversation.awaiting_code, conversation.awaiting_since = None, None
        message = OutgoingMessage(text, tuple(choices))
        row = await uow.outbox.add(
            conversation.channel, conversation.chat_id, message.to_payload(), now, request_id=request.id
        )
        first = row.id if first is None else first
    return first
