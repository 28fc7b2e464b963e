"""Location challenges: an inspector's batch (issued at, deadline, note; for a drawn sample
its region, pool and random source) and one challenge per cadre with its status, the fix
that answered it and the finding it raised.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:00:00
"""
import sqlalchemy as sa
from alembic import op

import fieldapp.models.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATUSES = ("open", "answered_inside", "answered_outside", "answered_uncertain", "missed")


def upgrade():
    op.create_table(
        "challenge_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=False),
        sa.Column("issued_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("deadline", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("deadline_minutes", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("sample_size", sa.Integer(), nullable=True),
        sa.Column("pool", sa.JSON(), nullable=True),
        sa.Column("draw_source", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["issued_by"], ["users.id"], name="fk_challenge_batches_issuer"),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"],
                                name="fk_challenge_batches_region"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("issued_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("deadline", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answer_ping_id", BIG_ID, nullable=True),
        sa.Column("settled_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.Column("finding_id", BIG_ID, nullable=True),
        sa.Column("delivery", sa.JSON(), nullable=True),
        sa.CheckConstraint("status IN ({})".format(", ".join(f"'{s}'" for s in STATUSES)),
                           name="ck_challenges_status"),
        sa.ForeignKeyConstraint(["answer_ping_id"], ["pings.id"],
                                name="fk_challenges_answer_ping"),
        sa.ForeignKeyConstraint(["batch_id"], ["challenge_batches.id"],
                                name="fk_challenges_batch"),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name="fk_challenges_cadre"),
        sa.ForeignKeyConstraint(["finding_id"], ["flags.id"], name="fk_challenges_finding"),
        sa.ForeignKeyConstraint(["village_code"], ["regions.code"],
                                name="fk_challenges_village"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenges_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_challenges_village_code"), ["village_code"],
                              unique=False)
        batch_op.create_index("ix_challenges_cadre_issued", ["cadre_id", "issued_at"],
                              unique=False)
        batch_op.create_index("ix_challenges_status_deadline", ["status", "deadline"],
                              unique=False)


def downgrade():
    op.drop_table("challenges")
    op.drop_table("challenge_batches")
