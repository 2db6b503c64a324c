"""Signing in: the web sessions a user holds, the failed logins that throttle the next ones, and the
one-time recovery codes of a user's second factor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId


class WebSessionRow(Base):
    """One signed-in browser. The cookie carries a random token; only its SHA-256 is kept, so a copy
    of the database opens no session. Logging out deletes the row."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The user's session version when it began: bumping it (disabling, a new password) ends it.
    session_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    # The absolute end, whatever the activity; idleness ends it earlier (see settings).
    expires_at: Mapped[datetime]
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class LoginFailureRow(Base):
    """One wrong password or code, by username (known or not) and client address; kept a day."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    __table_args__ = (
        Index("ix_login_failures_pair", "username", "address", "at"),
        Index("ix_login_failures_address", "address", "at"),
        Index("ix_login_failures_at", "at"),
    )


class RecoveryCodeRow(Base):
    """A one-time code that stands in for the authenticator app; only its SHA-256 is kept."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
