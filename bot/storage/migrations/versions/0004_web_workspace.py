"""web accounts, staff workspace and admin console

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=True),
        sa.Column("is_lead", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("session_version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.Column("last_login_at", When, nullable=True),
        sa.ForeignKeyConstraint(["agency_code"], ["agencies.code"], onupdate="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_index("ix_users_agency_code", "users", ["agency_code"])
    op.create_table(
        "login_attempts",
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_failure_at", When, nullable=True),
        sa.Column("blocked_until", When, nullable=True),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(length=120), nullable=False, server_default=""),
        sa.Column("created_at", When, nullable=False),
        sa.Column("last_used_at", When, nullable=True),
        sa.Column("revoked_at", When, nullable=True),
        sa.ForeignKeyConstraint(["agency_code"], ["agencies.code"], onupdate="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "request_views",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("request_id", BigId, nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_request_views_request_id", "request_views", ["request_id"])
    op.create_table(
        "holidays",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day"),
    )
    op.create_table(
        "user_notifications",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("request_id", BigId, nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("read_at", When, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_user_notifications_user_id", "user_notifications", ["user_id", "read_at"])
    op.create_table(
        "faq_approvals",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("entry_id", BigId, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("requested_at", When, nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", When, nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["entry_id"], ["faq_entries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_faq_approvals_entry_id", "faq_approvals", ["entry_id"])
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("assignee", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("agency_since", When, nullable=True))
        batch.add_column(sa.Column("first_response_at", When, nullable=True))
        batch.add_column(sa.Column("resolved_at", When, nullable=True))
        batch.add_column(sa.Column("escalated_at", When, nullable=True))
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    op.execute("UPDATE requests SET agency_since = created_at")
    _fill_search_text()
    op.create_index("ix_requests_agency_status", "requests", ["agency_code", "status"])
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("work_days", sa.String(length=32), nullable=False, server_default="1,2,3,4,5"))
        batch.add_column(
            sa.Column("work_periods", sa.String(length=64), nullable=False, server_default="07:30-11:30,13:30-17:00")
        )
    with op.batch_alter_table("match_log") as batch:
        batch.add_column(sa.Column("reviewed", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("reviewed_at", When, nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("delivered_at", When, nullable=True))


def _fill_search_text() -> None:
    """Requests made before this migration become searchable without diacritics too."""
    from bot.storage.repos.requests import request_search_text

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, code, name, description FROM requests")).fetchall()
    for row_id, code, name, description in rows:
        bind.execute(
            sa.text("UPDATE requests SET search_text = :text WHERE id = :id"),
            {"text": request_search_text(code, name, description), "id": row_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("delivered_at")
    with op.batch_alter_table("match_log") as batch:
        batch.drop_column("reviewed_at")
        batch.drop_column("reviewed")
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("work_periods")
        batch.drop_column("work_days")
    op.drop_index("ix_requests_agency_status", "requests")
    with op.batch_alter_table("requests") as batch:
        for column in ("search_text", "escalated_at", "resolved_at", "first_response_at", "agency_since", "assignee"):
            batch.drop_column(column)
    for table in ("faq_approvals", "user_notifications", "holidays", "request_views", "api_tokens"):
        op.drop_table(table)
    op.drop_table("login_attempts")
    op.drop_index("ix_users_agency_code", "users")
    op.drop_table("users")
