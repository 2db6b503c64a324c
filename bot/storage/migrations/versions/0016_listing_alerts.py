"""listing alerts: subscriptions, who was told of which listing, and each listing's broadcast

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "listing_alerts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("conversation_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("locality_id", BigId, nullable=True),
        sa.Column("trade", sa.String(length=80), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["locality_id"], ["localities.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_listing_alerts_conversation_id", "listing_alerts", ["conversation_id"])
    op.create_index("ix_listing_alerts_match", "listing_alerts", ["kind", "locality_id"])
    op.create_table(
        "alert_deliveries",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("listing_id", BigId, nullable=False),
        sa.Column("conversation_id", BigId, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(["listing_id"], ["listings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("listing_id", "conversation_id", name="uq_alert_deliveries_once"),
    )
    op.create_index("ix_alert_deliveries_conversation_id", "alert_deliveries", ["conversation_id"])
    op.create_table(
        "alert_runs",
        sa.Column("listing_id", BigId, nullable=False),
        sa.Column("queued_at", When, nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("done_at", When, nullable=True),
        sa.ForeignKeyConstraint(["listing_id"], ["listings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("listing_id"),
    )
    op.create_index("ix_alert_runs_open", "alert_runs", ["done_at"])


def downgrade() -> None:
    op.drop_table("alert_runs")
    op.drop_table("alert_deliveries")
    op.drop_table("listing_alerts")
