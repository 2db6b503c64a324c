"""the outbox's open rows in an index of their own, and its dead row versions vacuumed often

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 23:45:00

Every row is written three times (pending, leased, sent), and every index on its status keeps an
entry for each version until VACUUM. By PostgreSQL's default (a vacuum once a fifth of the table is
dead) a busy outbox's lease statement walked tens of thousands of dead entries on every round (13,082
entries and 1,086 heap pages for no due row after 6,500 messages: 4.7 ms a round, growing with the
table). The open rows' partial index stays as small as the queue (the same round: 50 pages, 0.3 ms),
and the table is vacuumed after a few thousand dead versions whatever its size.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status IN ('pending', 'sending')")
# Dead row versions after which PostgreSQL vacuums the outbox (and analyses it), however large it is.
VACUUM_AFTER = 2000


def upgrade() -> None:
    op.create_index("ix_outbox_open", "outbox", ["channel", "chat_id", "id"], postgresql_where=OPEN, sqlite_where=OPEN)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, "
            f"autovacuum_vacuum_threshold = {VACUUM_AFTER}, autovacuum_analyze_scale_factor = 0, "
            f"autovacuum_analyze_threshold = {VACUUM_AFTER})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE outbox RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, "
            "autovacuum_analyze_scale_factor, autovacuum_analyze_threshold)"
        )
    op.drop_index("ix_outbox_open", table_name="outbox")
