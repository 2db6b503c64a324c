"""Rendering for channels without buttons: choices become a numbered list."""

from __future__ import annotations

from handlers.messages import OutgoingMessage


def numbered(message: OutgoingMessage) -> str:
    lines = [message.text]
    if message.choices:
        lines.append("")
        lines.extend(f"  {i}. {choice.label}" for i, choice in enumerate(message.choices, start=1))
    return "\n".join(lines)
