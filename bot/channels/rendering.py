"""Rendering for channels without buttons: choices become a numbered list."""

from __future__ import annotations

import unicodedata

from handlers.messages import OutgoingMessage


def numbered(message: OutgoingMessage) -> str:
    lines = [message.text]
    if message.choices:
        lines.append("")
        lines.extend(f"  {i}. {choice.label}" for i, choice in enumerate(message.choices, start=1))
    return "\n".join(lines)


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, else a line, else a word boundary.

    Text is NFC first so a Vietnamese letter is one character and never cut from its marks.
    """
    text = unicodedata.normalize("NFC", text)
    pieces: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator, 0, limit + 1)
            if cut > 0:
                break
        if cut <= 0:
            cut = limit  # one unbroken word longer than a message: cut it
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text or not pieces:
        pieces.append(text)
    return [p for p in pieces if p] or [""]
