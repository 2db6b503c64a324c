"""Telegram updates as what our core (a person in a private chat) or the agency desk (a group) reads."""

from __future__ import annotations

from dataclasses import dataclass, replace

from aiogram.types import Message, Update, User

from bot.messaging.agency_desk import StaffMessage
from handlers.messages import CHOICE, CONTACT, START, TEXT, UNSUPPORTED, IncomingMessage

CHANNEL = "telegram"
PRIVATE = "private"
GROUPS = ("group", "supergroup")


@dataclass(frozen=True)
class ParsedUpdate:
    person: IncomingMessage | None = None
    staff: StaffMessage | None = None
    # A pressed button is answered (stops the client's spinner) and its keyboard removed, after commit.
    callback_id: str = ""
    callback_chat_id: int | None = None
    callback_message_id: int | None = None


def _actor(user: User | None) -> str:
    if user is None:
        return "telegram"
    return f"{user.full_name} (@{user.username})" if user.username else user.full_name


def _person_message(update_id: str, message: Message) -> IncomingMessage:
    user = message.from_user
    base = IncomingMessage(
        channel=CHANNEL,
        chat_id=str(message.chat.id),
        user_id=str(user.id) if user else "",
        update_id=update_id,
        display_name=user.full_name if user else "",
    )
    if message.contact is not None:
        own = user is not None and message.contact.user_id == user.id
        return replace(base, kind=CONTACT, contact_phone=message.contact.phone_number, contact_is_own=own)
    if message.text is not None:
        words = message.text.split()
        if words and words[0].split("@")[0] == "/start":
            return replace(base, kind=START)
        return replace(base, kind=TEXT, text=message.text)
    # Stickers, photos, voice, documents, locations: a kind word about what the bot can read.
    return replace(base, kind=UNSUPPORTED)


def parse(update: Update) -> ParsedUpdate:
    update_id = str(update.update_id)
    message = update.message
    if message is not None:
        if message.chat.type == PRIVATE:
            return ParsedUpdate(person=_person_message(update_id, message))
        if message.chat.type in GROUPS:
            replied = message.reply_to_message
            return ParsedUpdate(
                staff=StaffMessage(
                    channel=CHANNEL,
                    chat_id=str(message.chat.id),
                    update_id=update_id,
                    actor=_actor(message.from_user),
                    text=message.text or "",
                    reply_to=str(replied.message_id) if replied is not None else "",
                )
            )
        return ParsedUpdate()
    query = update.callback_query
    if query is not None:
        source = query.message if isinstance(query.message, Message) else None
        chat_id = source.chat.id if source is not None else None
        message_id = source.message_id if source is not None else None
        data = query.data or ""
        if source is not None and source.chat.type in GROUPS:
            staff = StaffMessage(CHANNEL, str(source.chat.id), update_id, _actor(query.from_user), action=data)
            return ParsedUpdate(None, staff, query.id, chat_id, message_id)
        person = IncomingMessage(
            channel=CHANNEL,
            chat_id=str(chat_id if chat_id is not None else query.from_user.id),
            user_id=str(query.from_user.id),
            kind=CHOICE,
            choice=data,
            update_id=update_id,
        )
        return ParsedUpdate(person, None, query.id, chat_id, message_id)
    # Edited messages, membership changes and the rest need nothing from us.
    return ParsedUpdate()
