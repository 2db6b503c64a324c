"""listings: jobs and courses agencies offer, with status and expiry

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "listings",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("employer", sa.String(length=200), nullable=False),
        sa.Column("locality_id", BigId, nullable=True),
        sa.Column("trade", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("fair_chance", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("places", sa.Integer(), nullable=True),
        sa.Column("pay", sa.String(length=200), nullable=False),
        sa.Column("cost_kind", sa.String(length=16), nullable=False),
        sa.Column("contact", sa.String(length=300), nullable=False),
        sa.Column("agency_id", BigId, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires", sa.Date(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.Column("published_at", When, nullable=True),
        sa.ForeignKeyConstraint(["locality_id"], ["localities.id"]),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_listings_locality_id", "listings", ["locality_id"])
    op.create_index("ix_listings_trade", "listings", ["trade"])
    op.create_index("ix_listings_agency_id", "listings", ["agency_id"])
    op.create_index("ix_listings_status_expires", "listings", ["status", "expires"])


def downgrade() -> None:
    op.drop_table("listings")
