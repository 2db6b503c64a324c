"""faq entries: when the legal basis came into force, when the entry was reviewed, when it is due again

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DATE_COLUMNS = ("in_force", "reviewed_on", "review_by")


def upgrade() -> None:
    # Existing entries get "": unknown until someone reviews them, which the content check reports.
    with op.batch_alter_table("faq_entries") as batch:
        for column in DATE_COLUMNS:
            batch.add_column(sa.Column(column, sa.String(length=10), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("faq_entries") as batch:
        for column in reversed(DATE_COLUMNS):
            batch.drop_column(column)
