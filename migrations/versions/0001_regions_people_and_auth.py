"""Regions with boundaries, cadres, assignments, users with region scope, devices.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 14:36:04.909514
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

import fieldapp.models.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cadres",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("unit", sa.String(length=160), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("created_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('first_secretary', 'team_member', 'township_leader', 'county_leader', "
            "'dispatched_talent')",
            name="ck_cadres_role",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_table(
        "regions",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("parent_code", sa.String(length=12), nullable=True),
        sa.Column(
            "boundary",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("updated_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("level IN ('county', 'township', 'village')", name="ck_regions_level"),
        sa.ForeignKeyConstraint(["parent_code"], ["regions.code"], name="fk_regions_parent"),
        sa.PrimaryKeyConstraint("code"),
    )
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_regions_boundary",
            ["boundary"],
            unique=False,
            postgresql_using="gist",
            postgresql_ops={},
        )
        batch_op.create_index(batch_op.f("ix_regions_level"), ["level"], unique=False)
        batch_op.create_index(batch_op.f("ix_regions_parent_code"), ["parent_code"], unique=False)

    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("policy", sa.String(length=40), nullable=False),
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ck_assignments_dates"),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name="fk_assignments_cadre"),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name="fk_assignments_region"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index("ix_assignments_cadre_dates", ["cadre_id", "starts_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_assignments_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name="fk_devices_cadre"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_devices_token_hash"),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_devices_cadre_id"), ["cadre_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('cadre', 'inspector', 'discipline', 'admin')", name="ck_users_role"
        ),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name="fk_users_cadre"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_cadre_id"), ["cadre_id"], unique=False)

    op.create_table(
        "user_regions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name="fk_user_regions_region"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_user_regions_user", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "region_code"),
    )


def downgrade():
    op.drop_table("user_regions")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_cadre_id"))

    op.drop_table("users")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devices_cadre_id"))

    op.drop_table("devices")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_region_code"))
        batch_op.drop_index("ix_assignments_cadre_dates")

    op.drop_table("assignments")
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regions_parent_code"))
        batch_op.drop_index(batch_op.f("ix_regions_level"))
        batch_op.drop_geospatial_index(
            "idx_regions_boundary", postgresql_using="gist", column_name="boundary"
        )

    op.drop_geospatial_table("regions")
    op.drop_table("cadres")
