"""Monthly partitions of the `pings` table on PostgreSQL (SpatiaLite keeps one table).

`pings` is partitioned by range of `recorded_at`, one partition a month named
`pings_YYYYMM` holding [first day 00:00 UTC, next month's first day), and a default
partition `pings_default` that takes any fix outside them, so an insert never fails for
want of a partition. A partitioned table cannot hold a unique key without its partition
column, so the (cadre, client id) idempotency lives in `ping_keys`: a trigger on `pings`
inserts each fix's key there first and drops the fix when the key is already taken
(migration 0016). The purge frees a month's keys before it drops the month.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

DEFAULT = "pings_default"
MONTHS_AHEAD = 1  # partitions made beyond the current month
LOCK_WAIT = "5s"  # the longest a partition made or dropped waits for its lock on pings


@dataclass(frozen=True, order=True)
class Partition:
    month: date  # its first day
    name: str

    @property
    def first(self) -> datetime:
        return datetime(self.month.year, self.month.month, 1, tzinfo=UTC)

    @property
    def last(self) -> datetime:
        """The moment after it: the next month's first instant."""
        following = next_month(self.month)
        return datetime(following.year, following.month, 1, tzinfo=UTC)

    @property
    def bounds(self) -> dict:
        """`first` and `last` as the timestamp columns store them (naive UTC), for SQL."""
        return {"first": self.first.replace(tzinfo=None), "last": self.last.replace(tzinfo=None)}


def month_of(moment: date | datetime) -> date:
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"pings_{month:%Y%m}"


def is_partitioned(conn: Connection) -> bool:
    """Whether this database's pings table is the partitioned one (PostgreSQL after 0016)."""
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.scalar(text(
        "SELECT true FROM pg_partitioned_table WHERE partrelid = 'pings'::regclass")))


def month_partitions(conn: Connection) -> list[Partition]:
    """The monthly partitions of pings, oldest first (not the default one)."""
    names = conn.scalars(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'pings'::regclass AND c.relname ~ '^pings_[0-9]{6}$'"))
    return sorted(Partition(date(int(name[6:10]), int(name[10:12]), 1), name)
                  for name in names)


def ensure_partitions(conn: Connection, oldest: date, today: date,
                      ahead: int = MONTHS_AHEAD) -> list[str]:
    """Make the partitions missing from `oldest`'s month (the oldest fix still accepted) to
    `ahead` months after `today`'s; return the names made. Nothing on SQLite or before the
    table is partitioned."""
    if not is_partitioned(conn):
        return []
    # two workers starting at once: the second waits for the first's commit, then sees its
    # partitions
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('fieldapp: pings partitions'))"))
    conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
    have = {p.name for p in month_partitions(conn)}
    made, month, last = [], month_of(oldest), month_of(today)
    for _ in range(ahead):
        last = next_month(last)
    while month <= last:
        if partition_name(month) not in have:
            create_month(conn, month)
            made.append(partition_name(month))
        month = next_month(month)
    return made


def create_month(conn: Connection, month: date) -> None:
    """Make `month`'s partition; fixes of that month that the default partition took
    meanwhile are moved into it, in the same transaction."""
    part = Partition(month, partition_name(month))
    bounds = part.bounds
    in_default = "FROM pings_default WHERE recorded_at >= :first AND recorded_at < :last"
    if not conn.scalar(text(f"SELECT EXISTS (SELECT 1 {in_default})"), bounds):
        conn.execute(text(f"CREATE TABLE {part.name} PARTITION OF pings "
                          f"FOR VALUES FROM ('{part.first:%Y-%m-%d}') TO ('{part.last:%Y-%m-%d}')"))
        return
    # ATTACH refuses a range the default partition still holds rows of: move them first,
    # with writes to pings held meanwhile (reads go on) so that no fix lands there between
    conn.execute(text("LOCK TABLE pings IN EXCLUSIVE MODE"))
    conn.execute(text(f"CREATE TABLE {part.name} (LIKE pings INCLUDING DEFAULTS)"))
    conn.execute(text(f"INSERT INTO {part.name} SELECT * {in_default}"), bounds)
    conn.execute(text(f"DELETE {in_default}"), bounds)  # its trigger frees their keys:
    conn.execute(text(f"INSERT INTO ping_keys SELECT cadre_id, client_id, recorded_at "
                      f"FROM {part.name}"))  # claimed again
    conn.execute(text(f"ALTER TABLE pings ATTACH PARTITION {part.name} "
                      f"FOR VALUES FROM ('{part.first:%Y-%m-%d}') TO ('{part.last:%Y-%m-%d}')"))


def detach_month(conn: Connection, part: Partition) -> None:
    """Detach a month's partition from pings (a table of its own until dropped). That
    locks all of pings until the commit, so it waits at most LOCK_WAIT for the lock (behind
    a long read) and raises LockNotAvailable past it rather than hold every ingest up."""
    conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
    conn.execute(text(f"ALTER TABLE pings DETACH PARTITION {part.name}"))


def lock_not_available(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) == "55P03"
