"""Spot checks: a region's quarterly plan (frozen pool, sources, commitment, then the draw and
the reveal), the visits inspectors make, and each visit's outcome per cadre.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 20:45:00
"""
import sqlalchemy as sa
from alembic import op

import fieldapp.models.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "spot_check_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("quota", sa.Float(), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("pool", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("cycle_state_before", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("permutation", sa.JSON(), nullable=True),
        sa.Column("sample", sa.JSON(), nullable=True),
        sa.Column("cycle_state_after", sa.JSON(), nullable=True),
        sa.Column("drawn_by", sa.Integer(), nullable=True),
        sa.Column("drawn_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.Column("revealed_by", sa.Integer(), nullable=True),
        sa.Column("revealed_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.CheckConstraint("quota > 0 AND quota <= 1", name="ck_spot_check_plans_quota"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_spot_check_plans_creator"),
        sa.ForeignKeyConstraint(["drawn_by"], ["users.id"], name="fk_spot_check_plans_drawer"),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"],
                                name="fk_spot_check_plans_region"),
        sa.ForeignKeyConstraint(["revealed_by"], ["users.id"],
                                name="fk_spot_check_plans_revealer"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("region_code", "quarter", name="uq_spot_check_plans_region_quarter"),
    )
    with op.batch_alter_table("spot_check_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spot_check_plans_region_code"), ["region_code"],
                              unique=False)

    op.create_table(
        "spot_check_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("visited_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("received_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("orig_lat", sa.Float(), nullable=False),
        sa.Column("orig_lon", sa.Float(), nullable=False),
        sa.Column("crs", sa.String(length=8), nullable=False),
        sa.Column("accuracy", sa.Float(), nullable=False),
        sa.Column("fence", sa.String(length=10), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("media_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["inspector_id"], ["users.id"],
                                name="fk_spot_check_visits_inspector"),
        sa.ForeignKeyConstraint(["plan_id"], ["spot_check_plans.id"],
                                name="fk_spot_check_visits_plan"),
        sa.ForeignKeyConstraint(["village_code"], ["regions.code"],
                                name="fk_spot_check_visits_village"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inspector_id", "client_id", name="uq_spot_check_visits_client"),
    )
    with op.batch_alter_table("spot_check_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spot_check_visits_plan_id"), ["plan_id"],
                              unique=False)
        batch_op.create_index("ix_spot_check_visits_village", ["village_code", "visited_at"],
                              unique=False)

    op.create_table(
        "spot_check_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("finding_id", BIG_ID, nullable=True),
        sa.CheckConstraint("outcome IN ('present', 'absent', 'on_leave', 'explained')",
                           name="ck_spot_check_outcomes_outcome"),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name="fk_spot_check_outcomes_cadre"),
        sa.ForeignKeyConstraint(["finding_id"], ["flags.id"],
                                name="fk_spot_check_outcomes_finding"),
        sa.ForeignKeyConstraint(["visit_id"], ["spot_check_visits.id"],
                                name="fk_spot_check_outcomes_visit"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visit_id", "cadre_id", name="uq_spot_check_outcomes_cadre"),
    )
    with op.batch_alter_table("spot_check_outcomes", schema=None) as batch_op:
        batch_op.create_index("ix_spot_check_outcomes_cadre", ["cadre_id"], unique=False)


def downgrade():
    op.drop_table("spot_check_outcomes")
    op.drop_table("spot_check_visits")
    op.drop_table("spot_check_plans")
