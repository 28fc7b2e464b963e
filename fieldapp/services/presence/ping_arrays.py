"""Reading a region's pings straight into NumPy columns.

PostgreSQL sends one row per cadre: a byte string of packed big-endian records
(`string_agg` of `float8send`/`int8send`), which NumPy reads as a structured array without
a Python object per value. SQLite's rows go through one `fetchall`. Either way no ORM row
is built: a county week is close to a million pings.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np

from ...extensions import db

# (name, dtype); NULL accuracy comes back NaN, NULL mock as 0.
PING_ARRAY_COLUMNS = [
    ("id", "i8"), ("cadre", "i8"), ("epoch", "f8"), ("received", "f8"), ("lat", "f8"),
    ("lon", "f8"), ("orig_lat", "f8"), ("orig_lon", "f8"), ("accuracy", "f8"), ("mock", "i8")]

_POSTGRES_VALUES = [
    "int8send(id::int8)", "int8send(cadre_id::int8)",
    "float8send(extract(epoch FROM recorded_at)::float8)",
    "float8send(extract(epoch FROM received_at)::float8)", "float8send(lat)", "float8send(lon)",
    "float8send(orig_lat)", "float8send(orig_lon)",
    "float8send(coalesce(accuracy, 'NaN'::float8))", "int8send(coalesce(mock, false)::int::int8)",
]
_POSTGRES = (
    "SELECT string_agg(" + " || ".join(_POSTGRES_VALUES) + ", ''::bytea"
    " ORDER BY recorded_at, id) FROM pings"
    " WHERE cadre_id = ANY(%s) AND recorded_at >= %s AND recorded_at < %s"
    " GROUP BY cadre_id ORDER BY cadre_id")
_RECORD = np.dtype([(name, f">{kind}") for name, kind in PING_ARRAY_COLUMNS])

_SQLITE = """
  SELECT id, cadre_id,
         CAST(strftime('%s', recorded_at) AS REAL) + CAST(substr(recorded_at, 20) AS REAL),
         CAST(strftime('%s', received_at) AS REAL) + CAST(substr(received_at, 20) AS REAL),
         lat, lon, orig_lat, orig_lon,
         coalesce(accuracy, 'NaN'), coalesce(mock, 0)
  FROM pings WHERE cadre_id IN (SELECT value FROM json_each(?))
    AND recorded_at >= ? AND recorded_at < ?
  ORDER BY cadre_id, recorded_at, id"""

def read_ping_arrays(cadre_ids: list[int], start: datetime, end: datetime
                      ) -> dict[str, np.ndarray]:
    """The cadres' pings recorded in [start, end), sorted by (cadre, time), as columns."""
    dbapi = db.session.connection().connection.dbapi_connection
    lo, hi = (t.astimezone(UTC).replace(tzinfo=None) for t in (start, end))
    if db.engine.dialect.name == "postgresql":
        return _from_postgres(dbapi, cadre_ids, lo, hi)
    cursor = dbapi.cursor()
    rows = cursor.execute(_SQLITE, (json.dumps(cadre_ids), _sqlite_time(lo),
                                    _sqlite_time(hi))).fetchall()
    table = np.array(rows, dtype=float).reshape(-1, len(PING_ARRAY_COLUMNS))
    return {name: table[:, i].astype(kind) for i, (name, kind) in enumerate(PING_ARRAY_COLUMNS)}


def _sqlite_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _from_postgres(dbapi, cadre_ids, lo, hi) -> dict[str, np.ndarray]:
    """Each cadre's pings arrive as one bytea of packed big-endian records."""
    with dbapi.cursor() as cursor:
        rows = cursor.execute(_POSTGRES, (cadre_ids, lo, hi)).fetchall()
    records = np.frombuffer(b"".join(row[0] for row in rows), dtype=_RECORD)
    return {name: records[name].astype(kind) for name, kind in PING_ARRAY_COLUMNS}
