"""Listings: jobs and courses an agency offers people, with their status and expiry."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId


class ListingRow(Base):
    """A job (kind "job") or a course (kind "course"); no locality means the whole province."""

    __tablename__ = "listings"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    # The employer of a job, the school of a course.
    employer: Mapped[str] = mapped_column(String(200), default="")
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id"), index=True)
    trade: Mapped[str] = mapped_column(String(80), default="", index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    # "Nhận người có tiền án": the employer or school says up front it takes people with a record.
    fair_chance: Mapped[bool] = mapped_column(Boolean, default=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date)
    places: Mapped[int | None] = mapped_column(Integer)
    pay: Mapped[str] = mapped_column(String(200), default="")
    # Courses only: free, supported (part paid by a programme) or fee; empty for jobs.
    cost_kind: Mapped[str] = mapped_column(String(16), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    # The last day it is offered: from the next day it is never shown, and a round closes it.
    expires: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_listings_status_expires", "status", "expires"),)


class ListingPersonRow(Base):
    """A person's registered interest in a listing: the request it made, and what became of it.

    The request holds who the person is (and loses it when erased); this row only links the two, so
    a listing edited later keeps its registrations."""

    __tablename__ = "listing_people"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime]
    # When the one follow-up question ("did you start?") was put in the outbox.
    followup_asked_at: Mapped[datetime | None]
    # working, studying, need_help, no_answer: the person's answer, or the outcome staff recorded.
    outcome: Mapped[str | None] = mapped_column(String(24))
    outcome_at: Mapped[datetime | None]
    # "person" when the person answered, else the staff member's username.
    outcome_by: Mapped[str] = mapped_column(String(120), default="")
    __table_args__ = (Index("ix_listing_people_followup", "followup_asked_at", "created_at"),)
