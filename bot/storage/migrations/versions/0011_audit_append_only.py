"""audit append-only: the application can add audit rows, never change or remove one

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:00:00

A trigger refuses every UPDATE and DELETE of audit_log, whoever runs it: on PostgreSQL the table's
owner too, so it holds even where the application connects as the role that ran the migrations
(docs/deploy.md shows the separate roles that also keep the application from dropping the trigger).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_FUNCTION = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
            " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_log_no_{operation.lower()} BEFORE {operation} ON audit_log"
            f" BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {operation} refused'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
        return
    for operation in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{operation}")
