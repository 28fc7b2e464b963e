"""Pings with their fence verdict, keyed by (cadre, time); the access log of location reads.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 14:43:30.882149
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

import fieldapp.models.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "access_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("viewer_user_id", sa.Integer(), nullable=False),
        sa.Column("subject_cadre_id", sa.Integer(), nullable=False),
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["subject_cadre_id"], ["cadres.id"], name="fk_access_log_subject"),
        sa.ForeignKeyConstraint(["viewer_user_id"], ["users.id"], name="fk_access_log_viewer"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.create_index("ix_access_log_subject", ["subject_cadre_id", "at"], unique=False)

    op.create_geospatial_table(
        "pings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("received_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("orig_lat", sa.Float(), nullable=False),
        sa.Column("orig_lon", sa.Float(), nullable=False),
        sa.Column("crs", sa.String(length=8), nullable=False),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("altitude", sa.Float(), nullable=True),
        sa.Column("speed", sa.Float(), nullable=True),
        sa.Column("heading", sa.Float(), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("battery", sa.Float(), nullable=True),
        sa.Column("mock", sa.Boolean(), nullable=True),
        sa.Column("challenge_id", sa.String(length=64), nullable=True),
        sa.Column("village_code", sa.String(length=12), nullable=True),
        sa.Column("fence", sa.String(length=10), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name="fk_pings_cadre"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], name="fk_pings_device"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cadre_id", "client_id", name="uq_pings_cadre_client"),
    )
    with op.batch_alter_table("pings", schema=None) as batch_op:
        batch_op.create_index("ix_pings_cadre_recorded", ["cadre_id", "recorded_at"], unique=False)


def downgrade():
    with op.batch_alter_table("pings", schema=None) as batch_op:
        batch_op.drop_index("ix_pings_cadre_recorded")

    op.drop_geospatial_table("pings")
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_index("ix_access_log_subject")

    op.drop_table("access_log")
