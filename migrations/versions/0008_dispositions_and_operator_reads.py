"""The discipline office's dispositions, and reads made from the command line.

A finding the discipline office closes gets status `disposed` and a `disposition` (one of
domain/findings.py's DISPOSITIONS); the event that records it carries the disposition too,
and from event version 3 on it is hashed with the rest. An access-log entry may have no
viewing user: the read was made by the server's operator with a `flask` command.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 20:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BEFORE = ("open", "in_review", "confirmed", "dismissed", "escalated", "appealed",
          "appeal_upheld", "appeal_rejected", "withdrawn")
AFTER = (*BEFORE, "disposed")


def _status_check(statuses) -> str:
    return "status IN ({})".format(", ".join(f"'{s}'" for s in statuses))


def upgrade():
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disposition", sa.String(length=32), nullable=True))
        batch_op.drop_constraint("ck_flags_status", type_="check")
        batch_op.create_check_constraint("ck_flags_status", _status_check(AFTER))
    with op.batch_alter_table("flag_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disposition", sa.String(length=32), nullable=True))
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.alter_column("viewer_user_id", existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM access_log WHERE viewer_user_id IS NULL")
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.alter_column("viewer_user_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("flag_events", schema=None) as batch_op:
        batch_op.drop_column("disposition")
    op.execute("UPDATE flags SET status = 'escalated' WHERE status = 'disposed'")
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.drop_constraint("ck_flags_status", type_="check")
        batch_op.create_check_constraint("ck_flags_status", _status_check(BEFORE))
        batch_op.drop_column("disposition")
