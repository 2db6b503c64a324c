"""Every message to go out (and, for channels that keep a transcript, the person's own)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId

_OPEN = text("status IN ('pending', 'sending')")


class OutboxRow(Base):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32), default="message")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str] = mapped_column(Text, default="")
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # When the person's own client fetched it (the web chat); platforms give no such receipt.
    delivered_at: Mapped[datetime | None]
    # The platform's id of the message once sent: a staff reply to an agency post finds its request.
    external_id: Mapped[str | None] = mapped_column(String(64))
    # The sender holding the row while its status is "sending" (a random id per process); its lease
    # runs until next_attempt_at, renewed while it sends, so a dead sender's rows return in seconds.
    leased_by: Mapped[str | None] = mapped_column(String(32))
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_chat", "channel", "chat_id", "id"),
        Index("ix_outbox_external", "channel", "chat_id", "external_id"),
        # The rows not sent yet, for the sender's lease: as small as the queue (migration 0018).
        Index("ix_outbox_open", "channel", "chat_id", "id", postgresql_where=_OPEN, sqlite_where=_OPEN),
    )


class DeliveryAttemptRow(Base):
    """One try at delivering an outbox row and what came of it: sent, retry, failed or held."""

    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str] = mapped_column(Text, default="")
    # Seconds until the next try, for a retry: the platform's retry_after, else the back-off.
    retry_after: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (Index("ix_delivery_attempts_outbox", "outbox_id", "attempt"),)
