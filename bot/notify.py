"""Writes messages for agencies and for people into the outbox, inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.storage.models import RequestRow
from bot.storage.unit_of_work import UnitOfWork
from handlers.messages import Choice, Notification, OutgoingMessage
from handlers.texts import Texts

AGENCY_CHANNEL = "agency"


async def enqueue_agency(uow: UnitOfWork, notification: Notification, now: datetime) -> None:
    """One outbox row per agency event; the agency's channels (Telegram group, web queue) deliver it."""
    request = await uow.requests.get_row(notification.request_code)
    payload: dict[str, Any] = {
        "request_code": notification.request_code,
        "event": notification.event,
        "data": notification.data,
    }
    await uow.outbox.add(
        AGENCY_CHANNEL,
        notification.agency_code,
        payload,
        now,
        kind="agency_notification",
        request_id=request.id if request else None,
    )


async def enqueue_person(
    uow: UnitOfWork, texts: Texts, request: RequestRow, key: str, now: datetime, **values: str
) -> None:
    """A message to the person who sent a request, on their own channel and in their language."""
    conversation = await uow.conversations.get(request.conversation_id)
    if conversation is None:
        return
    locale = conversation.locale if texts.supports(conversation.locale) else texts.default_locale
    text = texts.get(locale, key, code=request.code, **values)
    message = OutgoingMessage(text, (Choice(f"req:show:{request.code}", texts.get(locale, "mine_view")),))
    await uow.outbox.add(conversation.channel, conversation.chat_id, message.to_payload(), now, request_id=request.id)
