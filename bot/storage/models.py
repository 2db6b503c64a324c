"""SQLAlchemy 2 models. The Alembic migrations under migrations/ are the truth; these mirror them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identities.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class Meta(Base):
    """Small key/value facts about the database, such as the knowledge-base revision."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class FaqEntryRow(Base):
    __tablename__ = "faq_entries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    phrasings: Mapped[list[Any]] = mapped_column(JSON)
    keywords: Mapped[list[Any]] = mapped_column(JSON)
    answer: Mapped[str] = mapped_column(Text)
    more: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    # ISO dates as text ("" while unknown), exactly as the content files and exports spell them.
    in_force: Mapped[str] = mapped_column(String(10), default="")
    reviewed_on: Mapped[str] = mapped_column(String(10), default="")
    review_by: Mapped[str] = mapped_column(String(10), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime]


class FaqVersionRow(Base):
    __tablename__ = "faq_versions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("entry_id", "version"),)


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
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)


class InboundUpdateRow(Base):
    """One row per platform update handled: the UNIQUE key turns a redelivery into a no-op."""

    __tablename__ = "inbound_updates"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    update_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("channel", "update_id"),)


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
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_chat", "channel", "chat_id", "id"),
        Index("ix_outbox_external", "channel", "chat_id", "external_id"),
    )


class MatchLogRow(Base):
    """Every question and what the matcher decided; no identity beyond an internal conversation id."""

    __tablename__ = "match_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"), index=True)
    question: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(16), index=True)
    slug: Mapped[str | None] = mapped_column(String(80))
    score: Mapped[float] = mapped_column(Float)
    suggestions: Mapped[list[Any]] = mapped_column(JSON)
    chosen_slug: Mapped[str | None] = mapped_column(String(80))
    # Set by an admin working the unanswered inbox: dismissed, added (as a phrasing), new_entry.
    reviewed: Mapped[str | None] = mapped_column(String(16))
    reviewed_at: Mapped[datetime | None]


class AuditLogRow(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AgencyRow(Base):
    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(64))
    contact: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[str] = mapped_column(Text, default="")
    first_response_hours: Mapped[int] = mapped_column(Integer, default=8)
    resolution_hours: Mapped[int] = mapped_column(Integer, default=80)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Working time the targets count in: ISO weekdays (1 = Monday) and "HH:MM-HH:MM" periods.
    work_days: Mapped[str] = mapped_column(String(32), default="1,2,3,4,5")
    work_periods: Mapped[str] = mapped_column(String(64), default="07:30-11:30,13:30-17:00")


class LocalityRow(Base):
    __tablename__ = "localities"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(200), index=True)
    aliases: Mapped[list[Any]] = mapped_column(JSON)


class RoutingRuleRow(Base):
    """category x (locality | province | any) -> agency; NULL means any."""

    __tablename__ = "routing_rules"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    category: Mapped[str | None] = mapped_column(String(32))
    locality_code: Mapped[str | None] = mapped_column(String(64))
    province: Mapped[str | None] = mapped_column(String(200))
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code", onupdate="CASCADE"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")


class RequestRow(Base):
    __tablename__ = "requests"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    locality_code: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200), default="")
    contact_time: Mapped[str] = mapped_column(String(32), default="")
    consent_at: Mapped[datetime]
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


class RequestEventRow(Base):
    __tablename__ = "request_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(120), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


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


class ZaloTokenRow(Base):
    """The Zalo OA token pair: one row, refreshed under its lock (the refresh token is single-use)."""

    __tablename__ = "zalo_oa_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class UserRow(Base):
    """A staff member (of one agency) or an admin; the password only as an argon2 hash."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("agencies.code", onupdate="CASCADE"), index=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of every session cookie: bumping it (password reset, disabling) ends every session.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class LoginAttemptRow(Base):
    """Wrong passwords in a row per username (known or not), and until when the next try must wait."""

    __tablename__ = "login_attempts"
    username: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None]
    blocked_until: Mapped[datetime | None]


class ApiTokenRow(Base):
    """A bearer token of one agency's case system; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code", onupdate="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class RequestViewRow(Base):
    """Who read a request, when, and through what (web, api, cli)."""

    __tablename__ = "request_views"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    via: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class HolidayRow(Base):
    __tablename__ = "holidays"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class UserNotificationRow(Base):
    """Something a staff member must see in the workspace (an overdue request, an assignment)."""

    __tablename__ = "user_notifications"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_user_notifications_user_id", "user_id", "read_at"),)


class FaqApprovalRow(Base):
    """A saved version waiting for a second admin before it is published."""

    __tablename__ = "faq_approvals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(String(16))
