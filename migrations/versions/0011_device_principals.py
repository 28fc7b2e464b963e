"""Phones act for their cadre: an appeal sent from a phone enrolled for a cadre without a
login has no submitting user.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.alter_column("submitted_by", existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("UPDATE appeals SET submitted_by = (SELECT u.id FROM users u JOIN flags f "
               "ON f.cadre_id = u.cadre_id WHERE f.id = appeals.flag_id ORDER BY u.id "
               "LIMIT 1) WHERE submitted_by IS NULL")
    op.execute("DELETE FROM appeals WHERE submitted_by IS NULL")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.alter_column("submitted_by", existing_type=sa.Integer(), nullable=False)
