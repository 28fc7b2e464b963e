"""Leave, day records and period summaries, evaluation runs; flags, appeals and the
hash-chained flag event log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 15:04:28.728645
"""

import sqlalchemy as sa
from alembic import op

import fieldapp.models.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "last_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "evaluation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("triggered_by", sa.Integer(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["triggered_by"], ["users.id"], name="fk_evaluation_runs_user"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "flags",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'in_review', 'confirmed', 'dismissed', 'escalated', 'appealed', "
            "'appeal_upheld', 'appeal_rejected', 'withdrawn')",
            name="ck_flags_status",
        ),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name="fk_flags_assignee"),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name="fk_flags_cadre"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.create_index("ix_flags_cadre", ["cadre_id", "created_at"], unique=False)
        batch_op.create_index("ix_flags_queue", ["status", "severity", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_flags_region_code"), ["region_code"], unique=False)

    op.create_table(
        "leaves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("ends_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("retroactive", sa.Boolean(), nullable=False),
        sa.Column("requested_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("returned_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('personal', 'sick', 'official_business', 'training')", name="ck_leaves_kind"
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'cancelled')", name="ck_leaves_status"
        ),
        sa.CheckConstraint("ends_on >= starts_on", name="ck_leaves_dates"),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name="fk_leaves_cadre"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name="fk_leaves_decider"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("leaves", schema=None) as batch_op:
        batch_op.create_index("ix_leaves_cadre_dates", ["cadre_id", "starts_on"], unique=False)

    op.create_table(
        "presence_days",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("day_status", sa.String(length=10), nullable=False),
        sa.Column("night_status", sa.String(length=10), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("first_inside_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.Column("last_inside_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.Column("night_lat", sa.Float(), nullable=True),
        sa.Column("night_lon", sa.Float(), nullable=True),
        sa.Column("night_distance_m", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["assignments.id"], name="fk_presence_days_assignment"
        ),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name="fk_presence_days_cadre"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assignment_id", "day", name="uq_presence_days_assignment_day"),
    )
    with op.batch_alter_table("presence_days", schema=None) as batch_op:
        batch_op.create_index("ix_presence_days_cadre_day", ["cadre_id", "day"], unique=False)

    op.create_table(
        "presence_periods",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("policy", sa.String(length=40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("active_days", sa.Integer(), nullable=False),
        sa.Column("excused_days", sa.Integer(), nullable=False),
        sa.Column("required_days", sa.Integer(), nullable=False),
        sa.Column("required_nights", sa.Integer(), nullable=False),
        sa.Column("present_days", sa.Integer(), nullable=False),
        sa.Column("present_nights", sa.Integer(), nullable=False),
        sa.Column("no_data_days", sa.Integer(), nullable=False),
        sa.Column("no_data_nights", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["assignments.id"], name="fk_presence_periods_assignment"
        ),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name="fk_presence_periods_cadre"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "assignment_id", "period_start", name="uq_presence_periods_assignment_start"
        ),
    )
    with op.batch_alter_table("presence_periods", schema=None) as batch_op:
        batch_op.create_index(
            "ix_presence_periods_cadre_start", ["cadre_id", "period_start"], unique=False
        )

    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("media_ids", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("submitted_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name="fk_appeals_decider"),
        sa.ForeignKeyConstraint(["flag_id"], ["flags.id"], name="fk_appeals_flag"),
        sa.ForeignKeyConstraint(["submitted_by"], ["users.id"], name="fk_appeals_submitter"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appeals_flag_id"), ["flag_id"], unique=False)

    op.create_table(
        "flag_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("flag_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name="fk_flag_events_actor"),
        sa.ForeignKeyConstraint(["flag_id"], ["flags.id"], name="fk_flag_events_flag"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("flag_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flag_events_flag_id"), ["flag_id"], unique=False)


def downgrade():
    with op.batch_alter_table("flag_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flag_events_flag_id"))

    op.drop_table("flag_events")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeals_flag_id"))

    op.drop_table("appeals")
    with op.batch_alter_table("presence_periods", schema=None) as batch_op:
        batch_op.drop_index("ix_presence_periods_cadre_start")

    op.drop_table("presence_periods")
    with op.batch_alter_table("presence_days", schema=None) as batch_op:
        batch_op.drop_index("ix_presence_days_cadre_day")

    op.drop_table("presence_days")
    with op.batch_alter_table("leaves", schema=None) as batch_op:
        batch_op.drop_index("ix_leaves_cadre_dates")

    op.drop_table("leaves")
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flags_region_code"))
        batch_op.drop_index("ix_flags_queue")
        batch_op.drop_index("ix_flags_cadre")

    op.drop_table("flags")
    op.drop_table("evaluation_runs")
    op.drop_table("audit_head")
