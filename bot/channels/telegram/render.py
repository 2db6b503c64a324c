"""Our messages as Telegram sendMessage calls: HTML with every value escaped, buttons, split at 4,096."""

from __future__ import annotations

import html
from dataclasses import dataclass

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.channels.rendering import split_text
from handlers.messages import OutgoingMessage

MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True)
class TelegramMessage:
    text: str
    markup: Markup | None


def inline_keyboard(message: OutgoingMessage) -> InlineKeyboardMarkup | None:
    # One button a row: labels are Vietnamese phrases, too long to sit side by side on a small phone.
    rows = [
        [InlineKeyboardButton(text=choice.label[:64], callback_data=choice.id)]
        for choice in message.choices
        if 0 < len(choice.id.encode()) <= MAX_CALLBACK_BYTES
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def phone_keyboard(message: OutgoingMessage, share_label: str) -> ReplyKeyboardMarkup:
    """The "share my number" button; the step's other choices become text buttons under it."""
    rows = [[KeyboardButton(text=share_label, request_contact=True)]]
    rows += [[KeyboardButton(text=choice.label)] for choice in message.choices]
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, one_time_keyboard=True)


def render(message: OutgoingMessage, share_label: str) -> list[TelegramMessage]:
    """The pieces to send, in order; the keyboard goes with the last piece."""
    # Telegram counts the text after entity parsing; the margin keeps the escaped form under the limit too.
    pieces = [html.escape(piece, quote=False) for piece in split_text(message.text, MAX_TEXT - 100)]
    markup: Markup | None
    if message.ask_phone:
        markup = phone_keyboard(message, share_label)
    elif message.choices:
        markup = inline_keyboard(message)
    elif message.remove_keyboard:
        markup = ReplyKeyboardRemove()
    else:
        markup = None
    return [TelegramMessage(piece, markup if i == len(pieces) - 1 else None) for i, piece in enumerate(pieces)]
