"""A person's request for help, its timeline, and who read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId


class RequestRow(Base):
    __tablename__ = "requests"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    # None once erased: the request is kept only as a count, with no way back to the person.
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    locality_code: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200), default="")
    contact_time: Mapped[str] = mapped_column(String(32), default="")
    consent_at: Mapped[datetime]
    # Which consent text the person agreed to (consent_texts keeps each version's words).
    consent_version: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # When its personal fields were erased (the person asked, or the retention period passed).
    erased_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(24), index=True)
    agency_code: Mapped[str] = mapped_column(String(64), index=True)
    rule_id: Mapped[int | None] = mapped_column(BigId)
    routing: Mapped[dict[str, Any]] = mapped_column(JSON)
    faq_slug: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The staff member (username) working the request, if claimed or assigned.
    assignee: Mapped[str | None] = mapped_column(String(120))
    # When the current agency received it: a transfer starts the agency's clock anew.
    agency_since: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    # When the lead users were told the first-response target had passed (once per agency stay).
    escalated_at: Mapped[datetime | None]
    # Code, name and description folded (no diacritics, lower case): staff search the way they type.
    search_text: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (Index("ix_requests_agency_status", "agency_code", "status"),)


class ConsentTextRow(Base):
    """The words of a consent text as the person read them, by version (a digest of the words)."""

    __tablename__ = "consent_texts"
    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    locale: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    first_used_at: Mapped[datetime]


class RequestEventRow(Base):
    __tablename__ = "request_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(120), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class RequestViewRow(Base):
    """Who read a request, when, and through what (web, api, cli)."""

    __tablename__ = "request_views"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    via: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class RequestLinkRow(Base):
    """Another conversation the person opened the request in, with its code and phone: it sees the
    request and gets the staff's news, like the conversation that sent it."""

    __tablename__ = "request_links"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("request_id", "conversation_id"),)


class RequestLookupRow(Base):
    """One try at opening a request by code and phone: counted to throttle guessing, per conversation
    and overall, in the database so every process counts the same tries."""

    __tablename__ = "request_lookups"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    found: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    __table_args__ = (
        Index("ix_request_lookups_conversation", "conversation_id", "created_at"),
        Index("ix_request_lookups_at", "created_at"),
    )
