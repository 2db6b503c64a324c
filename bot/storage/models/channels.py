"""What the channels keep: an agency's linked groups, the one-time codes that link them, the staff
allowed to act in them, and the Zalo OA token pair."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId


class AgencyChannelRow(Base):
    """Where an agency works its queue outside the web: a Telegram group, for now."""

    __tablename__ = "agency_channels"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code", onupdate="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    linked_by: Mapped[str] = mapped_column(String(200), default="")
    linked_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)


class LinkCodeRow(Base):
    """A one-time, expiring code an admin gives an agency to link its group; only its hash is kept."""

    __tablename__ = "link_codes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code", onupdate="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class AgencyStaffIdRow(Base):
    """A platform user id (a Telegram user's number) allowed to act in an agency's groups. An agency
    with none listed lets every member of its linked group act, as before."""

    __tablename__ = "agency_staff_ids"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agency_code: Mapped[str] = mapped_column(
        ForeignKey("agencies.code", onupdate="CASCADE", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[str] = mapped_column(String(120), default="")
    added_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("agency_code", "user_id"),)


class ZaloTokenRow(Base):
    """The Zalo OA token pair: one row, refreshed under its lock (the refresh token is single-use)."""

    __tablename__ = "zalo_oa_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
