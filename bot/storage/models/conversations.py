"""A person's conversation on one channel, and the platform updates already handled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId


class ConversationRow(Base):
    __tablename__ = "conversations"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128), default="")
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Flood control (bot/messaging/flood.py) lives on the row every message already locks, so every
    # worker process counts the same burst: when its window began, how many messages it holds, and
    # when the one notice was sent (set while the chat is held back).
    burst_started_at: Mapped[datetime | None]
    burst_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    flood_notice_at: Mapped[datetime | None]
    # The request whose staff last wrote to this chat, and when: what the person types next is their
    # answer to it (handlers/flows/replying.py), for a while. Written by staff actions, never by the
    # pipeline's state save, so neither overwrites the other. Last, as the migration adds them: the
    # hot path's `RETURNING conversations.*` is read by position.
    awaiting_code: Mapped[str | None] = mapped_column(String(32))
    awaiting_since: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)


class InboundUpdateRow(Base):
    """One row per platform update handled: the UNIQUE key turns a redelivery into a no-op."""

    __tablename__ = "inbound_updates"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    update_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("channel", "update_id"),)
