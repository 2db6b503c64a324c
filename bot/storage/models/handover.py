"""One-time tokens that move a conversation (and its requests) to a channel that can reach the person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId


class HandoverTokenRow(Base):
    """A link offered in one conversation (the web chat) for another channel (Telegram): kept as a
    digest only, so the table never holds a token that works; used once, before it expires."""

    __tablename__ = "handover_tokens"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # sha256 of the token, hex.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    # The notifier's kind (a channel kind): where the token may be handed back.
    channel: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_handover_tokens_conversation", "conversation_id", "created_at"),)
