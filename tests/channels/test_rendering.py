"""Rendering for the channels: splitting long texts, numbered choices, Telegram HTML and buttons."""

from __future__ import annotations

import unicodedata

import pytest
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.channels.rendering import numbered, split_text
from bot.channels.telegram.render import MAX_TEXT, render
from handlers.messages import Choice, OutgoingMessage

VIETNAMESE = "Người đã chấp hành xong án phạt tù có thể vay vốn ưu đãi ở Ngân hàng Chính sách xã hội. "


@pytest.mark.parametrize("limit", [50, 200, 2000, 4096])
def test_split_keeps_words_and_letters_whole(limit: int) -> None:
    text = (VIETNAMESE * 3 + "\n\n") * 40
    pieces = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in pieces)
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())  # nothing lost, words whole


def test_split_normalises_decomposed_letters_first() -> None:
    decomposed = unicodedata.normalize("NFD", VIETNAMESE * 10)
    pieces = split_text(decomposed, 100)
    assert all(unicodedata.is_normalized("NFC", p) and len(p) <= 100 for p in pieces)


def test_split_prefers_paragraphs() -> None:
    assert split_text("một hai\n\nba bốn", 9) == ["một hai", "ba bốn"]


def test_split_cuts_a_single_giant_word() -> None:
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_numbered_choices() -> None:
    message = OutgoingMessage("Chọn:", (Choice("a", "Một"), Choice("b", "Hai")))
    assert numbered(message) == "Chọn:\n\n  1. Một\n  2. Hai"


def test_telegram_escapes_html_and_puts_buttons_on_the_last_piece() -> None:
    text = "<script>alert(1)</script> & <b>" + " chữ" * 2000
    pieces = render(OutgoingMessage(text, (Choice("menu:main", "🏠 Menu"),)), "📱")
    assert len(pieces) >= 2 and all(len(p.text) <= MAX_TEXT for p in pieces)
    assert pieces[0].text.startswith("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;")
    assert all(p.markup is None for p in pieces[:-1])
    assert isinstance(pieces[-1].markup, InlineKeyboardMarkup)
    assert pieces[-1].markup.inline_keyboard[0][0].callback_data == "menu:main"


def test_telegram_phone_question_gets_the_contact_button() -> None:
    (piece,) = render(OutgoingMessage("Số điện thoại?", (Choice("form:cancel", "✖️ Hủy"),), ask_phone=True), "📱 Gửi số")
    assert isinstance(piece.markup, ReplyKeyboardMarkup)
    assert piece.markup.keyboard[0][0].request_contact is True
    assert piece.markup.keyboard[1][0].text == "✖️ Hủy"  # typed back as the label, which the core accepts
    (after,) = render(OutgoingMessage("Đã ghi số", remove_keyboard=True), "📱")
    assert isinstance(after.markup, ReplyKeyboardRemove)


def test_telegram_never_sends_oversized_callback_data() -> None:
    (piece,) = render(OutgoingMessage("x", (Choice("a" * 65, "quá dài"), Choice("ok", "được"))), "📱")
    assert isinstance(piece.markup, InlineKeyboardMarkup)
    assert [row[0].callback_data for row in piece.markup.inline_keyboard] == ["ok"]
