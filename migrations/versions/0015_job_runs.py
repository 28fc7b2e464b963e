"""Background jobs: one row per job asked for, with its state, lease, attempts and outcome.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 01:40:00
"""
import sqlalchemy as sa
from alembic import op

import fieldapp.models.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

STATES = ("queued", "running", "done", "failed")


def upgrade():
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=40), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=True),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("enqueued_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("started_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.Column("lease_until", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.Column("finished_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint("state IN (" + ", ".join(f"'{s}'" for s in STATES) + ")",
                           name="ck_job_runs_state"),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"], name="fk_job_runs_requester",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_job_runs_key"),
    )
    op.create_index("ix_job_runs_state_lease", "job_runs", ["state", "lease_until"])
    op.create_index("ix_job_runs_enqueued_at", "job_runs", ["enqueued_at"])


def downgrade():
    op.drop_index("ix_job_runs_enqueued_at", table_name="job_runs")
    op.drop_index("ix_job_runs_state_lease", table_name="job_runs")
    op.drop_table("job_runs")
