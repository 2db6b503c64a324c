"""What the staff workspace keeps besides requests: each account's saved filters, and the canned
replies admins write for an agency (or for every agency)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId


class SavedFilterRow(Base):
    """A queue view a staff member named: the query string of the queue's address."""

    __tablename__ = "saved_filters"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("user_id", "name"),)


class CannedReplyRow(Base):
    """A reply staff pick from a list, with {code} and {name} filled in; None as agency: every agency's."""

    __tablename__ = "canned_replies"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agency_code: Mapped[str | None] = mapped_column(
        ForeignKey("agencies.code", onupdate="CASCADE", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(120))
