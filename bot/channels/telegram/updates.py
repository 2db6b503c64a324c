"""Telegram updates as what our core (a person in a private chat) or the agency desk (a group) reads."""

from __future__ import annotations

from dataclasses import dataclass, replace

from aiogram.types import InlineKeyboardMarkup, Message, Update, User

from bot.messaging.agency_desk import StaffMessage
from handlers.choices import StaffAction, StaffChoice
from handlers.messages import CHOICE, CONTACT, START, TEXT, UNSUPPORTED, IncomingMessage

CHANNEL = "telegram"
PRIVATE = "private"
GROUPS = ("group", "supergroup")
# Records keep at most this much of an actor (the audit log's and the timeline's columns).
ACTOR_LIMIT = 120
# Telegram's start parameters are at most 64 characters; one past that is kept to be refused.
START_LIMIT = 65


@dataclass(frozen=True)
class ParsedUpdate:
    person: IncomingMessage | None = None
    staff: StaffMessage | None = None
    # A pressed button is answered (stops the client's spinner) and its keyboard removed, after commit.
    callback_id: str = ""
    callback_chat_id: int | None = None
    callback_message_id: int | None = None
    # The pressed message's buttons that outlive a press (the phone button); None: the keyboard goes.
    lasting: InlineKeyboardMarkup | None = None
    # The press was the phone button: its keyboard stays as it is.
    keeps_keyboard: bool = False


def _actor(user: User | None) -> str:
    """`tg:12345 Nguyễn A`: the id, which nobody else can have, then the name people know them by."""
    if user is None:
        return "telegram"
    return f"tg:{user.id} {user.full_name}".strip()[:ACTOR_LIMIT]


def _is_phone(data: str) -> bool:
    choice = StaffChoice.unpack(data)
    return isinstance(choice, StaffChoice) and choice.action == StaffAction.PHONE


def _lasting(message: Message | None) -> InlineKeyboardMarkup | None:
    markup = message.reply_markup if message is not None else None
    if markup is None:
        return None
    rows = [[b for b in row if b.callback_data and _is_phone(b.callback_data)] for row in markup.inline_keyboard]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _staff(chat_id: int, update_id: str, user: User | None, **fields: str) -> StaffMessage:
    return StaffMessage(
        channel=CHANNEL,
        chat_id=str(chat_id),
        update_id=update_id,
        actor=_actor(user),
        user_id=str(user.id) if user is not None else "",
        name=user.full_name if user is not None else "",
        **fields,
    )


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
            # A deep link's parameter (t.me/<bot>?start=...), cut to what a valid one could be and
            # a little more: the core refuses anything that is not a token.
            return replace(base, kind=START, start=words[1][:START_LIMIT] if len(words) > 1 else "")
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
                staff=_staff(
                    message.chat.id,
                    update_id,
                    message.from_user,
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
            staff = _staff(source.chat.id, update_id, query.from_user, action=data)
            return ParsedUpdate(None, staff, query.id, chat_id, message_id, _lasting(source), _is_phone(data))
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
