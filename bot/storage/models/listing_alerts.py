"""Listing alerts: who asked to be told of new jobs or courses, and who was told of which listing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId


class ListingAlertRow(Base):
    """A person's subscription: a kind (job, course or any), a commune (none: the whole province) and
    a trade ("" for any). It goes with the person's data (an erasure deletes it)."""

    __tablename__ = "listing_alerts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id", ondelete="CASCADE"))
    trade: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime]
    __table_args__ = (Index("ix_listing_alerts_match", "kind", "locality_id"),)


class AlertDeliveryRow(Base):
    """One person told of one listing: the UNIQUE key makes a broadcast that runs again (after a crash,
    or twice at once) write no second notice."""

    __tablename__ = "alert_deliveries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("listing_id", "conversation_id", name="uq_alert_deliveries_once"),)


class AlertRunRow(Base):
    """A published listing's broadcast: queued in the publishing transaction, walked through the
    subscriptions in id order by the round, `cursor` the last one done, `done_at` once all are."""

    __tablename__ = "alert_runs"
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True)
    queued_at: Mapped[datetime]
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    done_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_alert_runs_open", "done_at"),)
