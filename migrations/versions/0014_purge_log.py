"""The retention purge log: one row per `flask retention purge` (not a dry run) with its
cut-offs, who ran it, when it started and finished, and how many fixes, photos, videos and
stored files it removed (and challenge answers it unlinked); `pending_files` holds the
storage keys of a committed batch whose files are still to be removed.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 01:30:00
"""
import sqlalchemy as sa
from alembic import op

import fieldapp.models.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COUNTS = ("findings_holding", "pings", "photos", "videos", "files",
          "challenge_answers_unlinked")


def upgrade():
    op.create_table(
        "purge_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.Column("run_by", sa.Integer(), nullable=True),
        sa.Column("ping_cutoff", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("media_cutoff", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("evidence_hold_days", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.Column("pending_files", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["run_by"], ["users.id"], name="fk_purge_log_user"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("purge_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purge_log_started_at"), ["started_at"],
                              unique=False)


def downgrade():
    op.drop_table("purge_log")
