"""a conversation that continues after a staff reply; requests found by code and phone in another chat

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ALTERs, not a batch: SQLite's batch copies the table, and dropping `conversations` is
    # refused while requests refer to it.
    op.add_column("conversations", sa.Column("awaiting_code", sa.String(length=32), nullable=True))
    op.add_column("conversations", sa.Column("awaiting_since", When, nullable=True))
    op.create_table(
        "request_links",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("request_id", BigId, nullable=False),
        sa.Column("conversation_id", BigId, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "conversation_id"),
    )
    op.create_index("ix_request_links_request_id", "request_links", ["request_id"])
    op.create_index("ix_request_links_conversation_id", "request_links", ["conversation_id"])
    op.create_table(
        "request_lookups",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("conversation_id", BigId, nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_request_lookups_conversation", "request_lookups", ["conversation_id", "created_at"])
    op.create_index("ix_request_lookups_at", "request_lookups", ["created_at"])


def downgrade() -> None:
    op.drop_table("request_lookups")
    op.drop_table("request_links")
    op.drop_column("conversations", "awaiting_since")
    op.drop_column("conversations", "awaiting_code")
