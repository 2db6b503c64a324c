"""abuse limits: a chat's burst on its conversation row, rate buckets by keyed address, agencies' staff ids

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-12 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch: on SQLite a batch would copy and drop `conversations`, which the
    # requests' foreign key forbids once there are requests.
    op.add_column("conversations", sa.Column("burst_started_at", When, nullable=True))
    op.add_column("conversations", sa.Column("burst_count", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("conversations", sa.Column("flood_notice_at", When, nullable=True))
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window_started_at", When, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_rate_buckets_window_started_at", "rate_buckets", ["window_started_at"])
    op.create_table(
        "agency_staff_ids",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("added_by", sa.String(length=120), nullable=False),
        sa.Column("added_at", When, nullable=False),
        sa.ForeignKeyConstraint(["agency_code"], ["agencies.code"], onupdate="CASCADE", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_code", "user_id"),
    )
    op.create_index("ix_agency_staff_ids_agency_code", "agency_staff_ids", ["agency_code"])


def downgrade() -> None:
    op.drop_index("ix_agency_staff_ids_agency_code", table_name="agency_staff_ids")
    op.drop_table("agency_staff_ids")
    op.drop_index("ix_rate_buckets_window_started_at", table_name="rate_buckets")
    op.drop_table("rate_buckets")
    # SQLite (3.35 and later) drops a column in place, as PostgreSQL does.
    for name in ("flood_notice_at", "burst_count", "burst_started_at"):
        op.drop_column("conversations", name)
