"""One-statement insert of ping rows, ignoring (cadre, client id) duplicates.

A batch travels as a single JSON parameter and is expanded inside the database: one short
statement per batch instead of one bind parameter per cell, which PostgreSQL plans slowly
for a full batch. PostGIS reads it as objects (`json_to_recordset`), SQLite as arrays
(`json_each`, then `->> n`), so rows are built as lists in INSERT_COLUMNS order. A single
row, a phone's usual request, goes as plain bind parameters, which expanding a one-row JSON
cannot match (bench/README.md has the figures for each of these).
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ...db.connections import fetch_on_driver_cursor
from ...db.sqlite_writers import sqlite_write_turn

# (column, PostgreSQL type) in insert order; geom is built from lon/lat in the database.
INSERT_COLUMNS = [
    ("cadre_id", "integer"), ("device_id", "integer"), ("client_id", "text"),
    ("recorded_at", "timestamp"), ("clock", "text"), ("received_at", "timestamp"),
    ("lat", "float8"), ("lon", "float8"), ("orig_lat", "float8"), ("orig_lon", "float8"),
    ("crs", "text"), ("accuracy", "float8"), ("altitude", "float8"), ("speed", "float8"),
    ("heading", "float8"), ("provider", "text"), ("battery", "float8"), ("mock", "boolean"),
    ("challenge_id", "text"), ("village_code", "text"), ("fence", "text"),
    ("distance_m", "float8"),
]
INSERT_NAMES = [name for name, _ in INSERT_COLUMNS]
_NAMES = ", ".join(INSERT_NAMES)
_LAT, _LON = INSERT_NAMES.index("lat"), INSERT_NAMES.index("lon")
_SOURCES = {  # (dialect, one row?): the SELECT that yields the rows and their geom
    ("postgresql", False): f"SELECT {_NAMES}, ST_SetSRID(ST_MakePoint(lon, lat), 4326) "
                           "FROM json_to_recordset(CAST(:rows AS json)) AS r("
                           + ", ".join(f"{name} {kind}" for name, kind in INSERT_COLUMNS) + ")",
    ("sqlite", False): "SELECT " + ", ".join(f"value ->> {i}" for i in range(len(INSERT_COLUMNS)))
                       + f", MakePoint(value ->> {_LON}, value ->> {_LAT}, 4326) "
                       "FROM json_each(:rows)",
    ("postgresql", True): "SELECT " + ", ".join(f"CAST(:{name} AS {kind})"
                                                for name, kind in INSERT_COLUMNS)
                          + ", ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)",
    ("sqlite", True): "SELECT " + ", ".join(f":{name}" for name in INSERT_NAMES)
                      + ", MakePoint(:lon, :lat, 4326)",
}
_AT_VERSION = "(SELECT version FROM sender_version) = :version"
# A duplicate is skipped: on SQLite by the (cadre, client id) unique key, on PostgreSQL by
# the trigger that claims the key in ping_keys (db/partitions.py), which returns no row.
_ON_DUPLICATE = {"sqlite": "ON CONFLICT (cadre_id, client_id) DO NOTHING ", "postgresql": ""}
_STATEMENTS = {
    (dialect, single, guarded): text(
        f"INSERT INTO pings ({_NAMES}, geom) {select} "
        f"WHERE {_AT_VERSION if guarded else 'true'} "  # SQLite's upsert needs a WHERE
        f"{_ON_DUPLICATE[dialect]}RETURNING client_id")
    for (dialect, single), select in _SOURCES.items() for guarded in (False, True)
}


def sql_timestamp(moment: datetime) -> str:
    """`moment` as the UTCDateTime columns store it: naive UTC, always with microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def insert_pings(conn: Connection, rows: list[list], version: int | None = None) -> set[str]:
    """Insert `rows` (values in INSERT_COLUMNS order, timestamps from `sql_timestamp`) in one
    statement; return the client ids that were new. With `version`, insert nothing unless
    the sender version still holds it."""
    dialect, single = conn.dialect.name, len(rows) == 1
    if single:
        params = dict(zip(INSERT_NAMES, rows[0], strict=True))
    elif dialect == "postgresql":
        params = {"rows": _json([dict(zip(INSERT_NAMES, row, strict=True)) for row in rows])}
    else:
        params = {"rows": _json(rows)}
    params["version"] = version
    statement = _STATEMENTS[dialect, single, version is not None]
    with sqlite_write_turn(conn) as writer:
        return {row[0] for row in fetch_on_driver_cursor(writer, statement, params)}


def _json(rows: list) -> str:
    return json.dumps(rows, separators=(",", ":"))
