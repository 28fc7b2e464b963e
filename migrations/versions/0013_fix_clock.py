"""Fixes that carried no time of their own: `pings.clock` says where `recorded_at` came from,
"device" (the fix's own timestamp; every row before this revision) or "receipt" (an OsmAnd
request without `timestamp`, stamped with the time it was received).

A plain ADD/DROP COLUMN on both databases: a batch rebuild of `pings` would copy its
geometry column through SpatiaLite's triggers for nothing.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("pings", sa.Column("clock", sa.String(length=8), nullable=False,
                                     server_default="device"))


def downgrade():
    op.drop_column("pings", "clock")
