"""PostgreSQL: pings partitioned by month of recorded_at, its client-id keys in ping_keys,
and cadre_id in the primary key of every hot table, so that a cluster (Citus) can spread
them by cadre (docs/scaling.md). SpatiaLite keeps its tables as they are.

The filled table is copied in id order into the partitioned one, with a line of progress
per million fixes, into a partition for each month holding fixes (and last month's, this
month's and the next); the keys are built after the copy.
A partitioned table holds no unique key without its partition column: pings' (cadre,
client id) uniqueness moves to ping_keys (a trigger claims a fix's key before it is
stored, and frees it when the fix is deleted), and no foreign key may name pings.id (the
challenge's answer_ping_id keeps the id without one). flags, media and presence_days keep a
unique id beside the (cadre_id, id) key for the foreign keys and the ORM's updates by id.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 05:30:00
"""
import sys
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from fieldapp.db.partitions import DEFAULT, create_month, month_of, month_partitions, next_month

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OLD = "pings_unpartitioned"
COPY_CHUNK = 1_000_000  # ids per INSERT … SELECT, one progress line each
# table: (its primary key after this revision, the unique id constraint it keeps)
HOT_KEYS = {"flags": ("cadre_id, id", "uq_flags_id"), "media": ("cadre_id, id", "uq_media_id"),
            "presence_days": ("cadre_id, id", "uq_presence_days_id")}
CLAIM_KEY = """
CREATE FUNCTION ping_key_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ping_keys (cadre_id, client_id, recorded_at)
    VALUES (NEW.cadre_id, NEW.client_id, NEW.recorded_at) ON CONFLICT DO NOTHING;
    IF FOUND THEN
        RETURN NEW;
    END IF;
    RETURN NULL;  -- a duplicate: not stored, not returned
END $$"""
RELEASE_KEY = """
CREATE FUNCTION ping_key_release() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM ping_keys WHERE cadre_id = OLD.cadre_id AND client_id = OLD.client_id;
    RETURN NULL;
END $$"""


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    _partition_pings(conn)
    for table, (key, unique) in HOT_KEYS.items():
        _swap_primary_key(conn, table, key, unique)


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for table, (_, unique) in HOT_KEYS.items():
        _swap_primary_key(conn, table, "id", None, drop_unique=unique)
    _unpartition_pings(conn)


def _partition_pings(conn) -> None:
    op.execute(f"ALTER TABLE pings RENAME TO {OLD}")
    for index in ("pings_pkey", "uq_pings_cadre_client", "ix_pings_cadre_recorded"):
        op.execute(f"ALTER INDEX {index} RENAME TO {OLD}_{index.removeprefix('pings_')}")
    op.execute("ALTER TABLE challenges DROP CONSTRAINT fk_challenges_answer_ping")
    op.execute(f"ALTER TABLE {OLD} DROP CONSTRAINT fk_pings_cadre, "
               "DROP CONSTRAINT fk_pings_device")
    op.execute(f"CREATE TABLE pings (LIKE {OLD} INCLUDING DEFAULTS) "
               "PARTITION BY RANGE (recorded_at)")
    op.execute("ALTER SEQUENCE pings_id_seq OWNED BY pings.id")
    op.execute(f"CREATE TABLE {DEFAULT} PARTITION OF pings DEFAULT")
    first, last, rows, bottom, top = conn.execute(sa.text(
        f"SELECT min(recorded_at), max(recorded_at), count(*), min(id), max(id) FROM {OLD}")
    ).one()
    today = datetime.now(UTC).date()
    # last month too: a backfilled fix (FIELDAPP_MAX_BACKFILL_DAYS) may be recorded in it
    this_month = month_of(today)
    kept = {month_of(this_month - timedelta(days=1)), this_month, next_month(this_month)}
    month, until = month_of(first or today), max(kept | {month_of(last or today)})
    while month <= until:
        create_month(conn, month)
        month = next_month(month)
    # one pass in id order (its index), a progress line per chunk
    copied = 0
    for low in range((bottom or 1) - 1, top or 0, COPY_CHUNK):
        copied += conn.execute(sa.text(
            f"INSERT INTO pings SELECT * FROM {OLD} WHERE id > :low AND id <= :high"),
            {"low": low, "high": low + COPY_CHUNK}).rowcount
        print(f"fieldapp: pings partitioned by month: {copied:,} of {rows:,} fixes copied",
              file=sys.stderr)
    for part in month_partitions(conn):  # a stray fix's span leaves months without one
        if part.month not in kept and not conn.scalar(sa.text(
                f"SELECT EXISTS (SELECT 1 FROM {part.name})")):
            op.execute(f"DROP TABLE {part.name}")
    # keys after the copy: each index built once, not checked row by row
    op.execute("ALTER TABLE pings ADD CONSTRAINT pings_pkey "
               "PRIMARY KEY (cadre_id, recorded_at, id)")
    op.execute("ALTER TABLE pings ADD CONSTRAINT fk_pings_cadre "
               "FOREIGN KEY (cadre_id) REFERENCES cadres (id), "
               "ADD CONSTRAINT fk_pings_device FOREIGN KEY (device_id) REFERENCES devices (id)")
    op.execute("CREATE TABLE ping_keys (cadre_id integer NOT NULL, "
               "client_id varchar(64) NOT NULL, recorded_at timestamp NOT NULL)")
    op.execute(f"INSERT INTO ping_keys SELECT cadre_id, client_id, recorded_at FROM {OLD}")
    op.execute("ALTER TABLE ping_keys ADD CONSTRAINT ping_keys_pkey "
               "PRIMARY KEY (cadre_id, client_id), ADD CONSTRAINT fk_ping_keys_cadre "
               "FOREIGN KEY (cadre_id) REFERENCES cadres (id)")
    op.execute(f"DROP TABLE {OLD}")
    op.execute(CLAIM_KEY)
    op.execute(RELEASE_KEY)
    op.execute("CREATE TRIGGER pings_claim_key BEFORE INSERT ON pings "
               "FOR EACH ROW EXECUTE FUNCTION ping_key_claim()")
    op.execute("CREATE TRIGGER pings_release_key AFTER DELETE ON pings "
               "FOR EACH ROW EXECUTE FUNCTION ping_key_release()")


def _unpartition_pings(conn) -> None:
    op.execute("DROP TRIGGER pings_claim_key ON pings")
    op.execute("DROP TRIGGER pings_release_key ON pings")
    op.execute("DROP FUNCTION ping_key_claim()")
    op.execute("DROP FUNCTION ping_key_release()")
    op.execute("DROP TABLE ping_keys")
    op.execute(f"CREATE TABLE {OLD} (LIKE pings INCLUDING DEFAULTS)")
    op.execute(f"INSERT INTO {OLD} SELECT * FROM pings")
    op.execute(f"ALTER SEQUENCE pings_id_seq OWNED BY {OLD}.id")
    op.execute("DROP TABLE pings")
    op.execute(f"ALTER TABLE {OLD} RENAME TO pings")
    op.execute("ALTER TABLE pings ADD CONSTRAINT pings_pkey PRIMARY KEY (id), "
               "ADD CONSTRAINT uq_pings_cadre_client UNIQUE (cadre_id, client_id), "
               "ADD CONSTRAINT fk_pings_cadre FOREIGN KEY (cadre_id) REFERENCES cadres (id), "
               "ADD CONSTRAINT fk_pings_device FOREIGN KEY (device_id) REFERENCES devices (id)")
    op.execute("CREATE INDEX ix_pings_cadre_recorded ON pings (cadre_id, recorded_at)")
    op.execute("UPDATE challenges SET answer_ping_id = NULL WHERE answer_ping_id IS NOT NULL "
               "AND answer_ping_id NOT IN (SELECT id FROM pings)")
    op.execute("ALTER TABLE challenges ADD CONSTRAINT fk_challenges_answer_ping "
               "FOREIGN KEY (answer_ping_id) REFERENCES pings (id)")


def _swap_primary_key(conn, table: str, key: str, unique: str | None,
                      drop_unique: str | None = None) -> None:
    """Give `table` the primary key `key`, keeping (with `unique`) a unique id for the
    foreign keys that name it, which are dropped and made again around the swap."""
    referring = conn.execute(sa.text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND confrelid = CAST(:table AS regclass)"), {"table": table}).all()
    for source, name, _ in referring:
        op.execute(f"ALTER TABLE {source} DROP CONSTRAINT {name}")
    if unique:
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {unique} UNIQUE (id)")
    op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey")
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY ({key})")
    if drop_unique:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {drop_unique}")
    for source, name, definition in referring:
        op.execute(f"ALTER TABLE {source} ADD CONSTRAINT {name} {definition}")
