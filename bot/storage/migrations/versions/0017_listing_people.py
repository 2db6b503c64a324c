"""people's registered interest in listings: the request each made, the follow-up and its outcome

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 18:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "listing_people",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("listing_id", BigId, nullable=False),
        sa.Column("request_id", BigId, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("followup_asked_at", When, nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("outcome_at", When, nullable=True),
        sa.Column("outcome_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["listing_id"], ["listings.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
    )
    op.create_index("ix_listing_people_listing_id", "listing_people", ["listing_id"])
    op.create_index("ix_listing_people_followup", "listing_people", ["followup_asked_at", "created_at"])


def downgrade() -> None:
    op.drop_table("listing_people")
