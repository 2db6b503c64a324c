"""The questions people asked and what the matcher decided about each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId


class MatchLogRow(Base):
    """Every question (phones, numbers and the person's name masked) and what the matcher decided.
    No link to a conversation: only a pseudonym that changes every month, erased after a while."""

    __tablename__ = "match_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(32))
    pseudonym: Mapped[str | None] = mapped_column(String(24), index=True)
    question: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(16), index=True)
    slug: Mapped[str | None] = mapped_column(String(80))
    score: Mapped[float] = mapped_column(Float)
    suggestions: Mapped[list[Any]] = mapped_column(JSON)
    chosen_slug: Mapped[str | None] = mapped_column(String(80))
    # Set by an admin working the unanswered inbox: dismissed, added (as a phrasing), new_entry.
    reviewed: Mapped[str | None] = mapped_column(String(16))
    reviewed_at: Mapped[datetime | None]
