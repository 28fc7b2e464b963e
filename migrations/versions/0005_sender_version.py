"""A sender version that triggers raise on every change to devices, assignments or regions.

A worker caches who sends for a device token (the cadre and their posts) and stores that
device's pings only while this counter still holds the value it was read at, so a revoked
device or a changed post takes effect at once. Triggers, not the services, raise it, so
that a change made by any path (a CSV import, a shell, plain SQL) is seen.

On SQLite, a later migration that rebuilds one of these tables with batch_alter_table drops
its triggers and must create them again (`create_triggers` below).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 17:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# table -> the changes that can alter a sender: any change to a device or an assignment;
# a region is only ever added before anyone is posted to it.
WATCHED = {"devices": ("INSERT", "UPDATE", "DELETE"),
           "assignments": ("INSERT", "UPDATE", "DELETE"),
           "regions": ("UPDATE", "DELETE")}
BUMP = "UPDATE sender_version SET version = version + 1"


def create_triggers(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute("CREATE FUNCTION raise_sender_version() RETURNS trigger LANGUAGE plpgsql "
                   f"AS $$ BEGIN {BUMP}; RETURN NULL; END $$")
        for table, events in WATCHED.items():
            op.execute(f"CREATE TRIGGER {table}_sender_version AFTER {' OR '.join(events)} "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION raise_sender_version()")
        return
    for table, events in WATCHED.items():
        for event in events:
            op.execute(f"CREATE TRIGGER {table}_{event.lower()}_sender_version AFTER {event} "
                       f"ON {table} BEGIN {BUMP}; END")


def drop_triggers(dialect: str) -> None:
    if dialect == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER {table}_sender_version ON {table}")
        op.execute("DROP FUNCTION raise_sender_version()")
        return
    for table, events in WATCHED.items():
        for event in events:
            op.execute(f"DROP TRIGGER {table}_{event.lower()}_sender_version")


def upgrade():
    table = op.create_table(
        "sender_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_sender_version_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])
    create_triggers(op.get_bind().dialect.name)


def downgrade():
    drop_triggers(op.get_bind().dialect.name)
    op.drop_table("sender_version")
