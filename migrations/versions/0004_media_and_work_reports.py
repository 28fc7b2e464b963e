"""Uploaded photos and videos (content-addressed, pHash bands indexed) and work reports.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 15:26:28.569643
"""

import sqlalchemy as sa
from alembic import op

import fieldapp.models.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "media",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("received_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("crs", sa.String(length=8), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("report_id", sa.String(length=64), nullable=True),
        sa.Column("challenge_id", sa.String(length=64), nullable=True),
        sa.Column("taken_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.Column("exif_lat", sa.Float(), nullable=True),
        sa.Column("exif_lon", sa.Float(), nullable=True),
        sa.Column("make", sa.String(length=64), nullable=True),
        sa.Column("model", sa.String(length=64), nullable=True),
        sa.Column("orientation", sa.Integer(), nullable=True),
        sa.Column("exif_missing", sa.Boolean(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("codec", sa.String(length=16), nullable=True),
        sa.Column("phash", sa.BigInteger(), nullable=False),
        sa.Column("phash_b0", sa.Integer(), nullable=False),
        sa.Column("phash_b1", sa.Integer(), nullable=False),
        sa.Column("phash_b2", sa.Integer(), nullable=False),
        sa.Column("phash_b3", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=True),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.CheckConstraint("kind IN ('photo', 'video')", name="ck_media_kind"),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name="fk_media_cadre"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cadre_id", "client_id", name="uq_media_cadre_client"),
    )
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.create_index("ix_media_cadre_recorded", ["cadre_id", "recorded_at"], unique=False)
        batch_op.create_index("ix_media_phash_b0", ["phash_b0"], unique=False)
        batch_op.create_index("ix_media_phash_b1", ["phash_b1"], unique=False)
        batch_op.create_index("ix_media_phash_b2", ["phash_b2"], unique=False)
        batch_op.create_index("ix_media_phash_b3", ["phash_b3"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_sha256"), ["sha256"], unique=False)

    op.create_table(
        "work_reports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("received_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("household_ref", sa.String(length=64), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("orig_lat", sa.Float(), nullable=False),
        sa.Column("orig_lon", sa.Float(), nullable=False),
        sa.Column("crs", sa.String(length=8), nullable=False),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("village_code", sa.String(length=12), nullable=True),
        sa.Column("fence", sa.String(length=10), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("media_ids", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('household_visit', 'meeting', 'project', 'training', 'other')",
            name="ck_work_reports_kind",
        ),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name="fk_work_reports_cadre"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cadre_id", "client_id", name="uq_work_reports_cadre_client"),
    )
    with op.batch_alter_table("work_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_work_reports_cadre_occurred", ["cadre_id", "occurred_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("work_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_work_reports_cadre_occurred")

    op.drop_table("work_reports")
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_sha256"))
        batch_op.drop_index("ix_media_phash_b3")
        batch_op.drop_index("ix_media_phash_b2")
        batch_op.drop_index("ix_media_phash_b1")
        batch_op.drop_index("ix_media_phash_b0")
        batch_op.drop_index("ix_media_cadre_recorded")

    op.drop_table("media")
