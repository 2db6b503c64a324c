"""Rate limits that hold across worker processes: one counter per key and window, in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base


class RateBucketRow(Base):
    """Messages counted for one key (an HMAC of a web chat's address or session, never the address
    itself) in the window that began at `window_started_at`."""

    __tablename__ = "rate_buckets"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_started_at: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_rate_buckets_window_started_at", "window_started_at"),)
