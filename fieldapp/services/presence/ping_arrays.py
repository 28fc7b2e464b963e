"""Reading a region's pings straight into NumPy columns.

PostgreSQL sends one byte string, in a binary result: the rows' packed big-endian records
(`string_agg` of the columns' binary send functions), which NumPy reads as a structured
array without a Python object per value. SQLite's rows stream from the cursor into a
structured array, never held as a list. Either way times come as stored, and NumPy turns
them into epoch seconds and sorts the rows: both cost less there than in SQL
(bench/README.md).
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np

from ...extensions import db

# Each column's name and dtype as the evaluation gets it; NULL accuracy comes back NaN, NULL
# mock as False, times as epoch seconds.
PING_ARRAY_COLUMNS = [
    ("id", "i8"), ("cadre", "i8"), ("epoch", "f8"), ("received", "f8"), ("lat", "f8"),
    ("lon", "f8"), ("orig_lat", "f8"), ("orig_lon", "f8"), ("accuracy", "f8"), ("mock", "?")]
_TIMES = ("epoch", "received")

_WHERE = " FROM pings WHERE cadre_id {} AND recorded_at >= {} AND recorded_at < {}"
_POSTGRES = (
    "SELECT string_agg(int8send(id::int8) || int4send(cadre_id::int4)"
    " || timestamp_send(recorded_at) || timestamp_send(received_at)"
    " || float8send(lat) || float8send(lon) || float8send(orig_lat) || float8send(orig_lon)"
    " || float8send(coalesce(accuracy, 'NaN')) || boolsend(coalesce(mock, false)), '')"
    + _WHERE.format("= ANY(%s)", "%s", "%s"))
# Times are microseconds since 2000-01-01 (PostgreSQL's own epoch).
_POSTGRES_RECORD = np.dtype([
    ("id", ">i8"), ("cadre", ">i4"), ("epoch", ">i8"), ("received", ">i8"), ("lat", ">f8"),
    ("lon", ">f8"), ("orig_lat", ">f8"), ("orig_lon", ">f8"), ("accuracy", ">f8"),
    ("mock", "?")])
_POSTGRES_EPOCH_US = 946_684_800_000_000

_SQLITE = (
    "SELECT id, cadre_id, recorded_at, received_at, lat, lon, orig_lat, orig_lon,"
    " coalesce(accuracy, 'NaN'), coalesce(mock, 0)"
    + _WHERE.format("IN (SELECT value FROM json_each(?))", "?", "?"))
# Times as stored: "2026-11-23 08:00:00.123456", naive UTC.
_SQLITE_RECORD = np.dtype([(name, "S26" if name in _TIMES else kind)
                           for name, kind in PING_ARRAY_COLUMNS])


def read_ping_arrays(cadre_ids: list[int], start: datetime, end: datetime
                      ) -> dict[str, np.ndarray]:
    """The cadres' pings recorded in [start, end), sorted by (cadre, time, id), as columns."""
    dbapi = db.session.connection().connection.dbapi_connection
    lo, hi = (t.astimezone(UTC).replace(tzinfo=None) for t in (start, end))
    if db.engine.dialect.name == "postgresql":
        records, micros = _from_postgres(dbapi, cadre_ids, lo, hi)
    else:
        records, micros = _from_sqlite(dbapi, cadre_ids, lo, hi)
    order = np.lexsort((records["id"], micros["epoch"], records["cadre"]))
    # One division of whole microseconds: the nearest float to the exact time.
    return {name: (micros[name][order] / 1e6 if name in _TIMES
                   else records[name][order].astype(kind))
            for name, kind in PING_ARRAY_COLUMNS}


def _from_postgres(dbapi, cadre_ids, lo, hi) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The records, and their times as microseconds since 1970."""
    with dbapi.cursor(binary=True) as cursor:
        packed = cursor.execute(_POSTGRES, (cadre_ids, lo, hi)).fetchone()[0] or b""
    records = np.frombuffer(packed, dtype=_POSTGRES_RECORD)
    return records, {name: records[name] + _POSTGRES_EPOCH_US for name in _TIMES}


def _from_sqlite(dbapi, cadre_ids, lo, hi) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The records, and their times as microseconds since 1970."""
    rows = dbapi.cursor().execute(_SQLITE, (json.dumps(cadre_ids), _sqlite_time(lo),
                                            _sqlite_time(hi)))
    records = np.fromiter(rows, dtype=_SQLITE_RECORD)
    return records, {name: records[name].astype("datetime64[us]").astype("i8")
                     for name in _TIMES}


def _sqlite_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
