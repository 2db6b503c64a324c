"""privacy: the consent version of each request, erased requests, consent texts kept by version,
and the question log keyed by a rotating pseudonym instead of the conversation

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_version", sa.String(length=40), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
        # An erased request keeps no link to the person's conversation: it stays only to be counted.
        batch_op.alter_column(
            "conversation_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        )
    op.create_table(
        "consent_texts",
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    # Questions already logged lose their link to a conversation: the log is for content, not people.
    with op.batch_alter_table("match_log", schema=None) as batch_op:
        batch_op.drop_index("ix_match_log_conversation_id")
        batch_op.drop_column("conversation_id")
        batch_op.add_column(sa.Column("pseudonym", sa.String(length=24), nullable=True))
        batch_op.create_index("ix_match_log_pseudonym", ["pseudonym"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("match_log", schema=None) as batch_op:
        batch_op.drop_index("ix_match_log_pseudonym")
        batch_op.drop_column("pseudonym")
        batch_op.add_column(sa.Column("conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite")))
        batch_op.create_index("ix_match_log_conversation_id", ["conversation_id"], unique=False)
    op.drop_table("consent_texts")
    op.execute("DELETE FROM requests WHERE conversation_id IS NULL")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.alter_column(
            "conversation_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        )
        batch_op.drop_column("erased_at")
        batch_op.drop_column("consent_version")
