"""One-statement bulk insert of ping rows, ignoring (cadre, client id) duplicates.

The batch travels as a single JSON parameter and is expanded inside the database: one short
statement per batch instead of one bind parameter per cell, which PostgreSQL plans slowly at
500 rows × 22 columns. PostGIS reads it fastest as objects (`json_to_recordset`), SQLite as
arrays (`json_each`, then `->> n`), so rows are built as lists in COLUMNS order.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..database import driver_rows
from ..sqlite_writers import write_turn

# (column, PostgreSQL type) in insert order; geom is built from lon/lat in the database.
COLUMNS = [
    ("cadre_id", "integer"), ("device_id", "integer"), ("client_id", "text"),
    ("recorded_at", "timestamp"), ("received_at", "timestamp"), ("lat", "float8"),
    ("lon", "float8"), ("orig_lat", "float8"), ("orig_lon", "float8"), ("crs", "text"),
    ("accuracy", "float8"), ("altitude", "float8"), ("speed", "float8"),
    ("heading", "float8"), ("provider", "text"), ("battery", "float8"), ("mock", "boolean"),
    ("challenge_id", "text"), ("village_code", "text"), ("fence", "text"),
    ("distance_m", "float8"),
]
NAMES = [name for name, _ in COLUMNS]
_NAMES = ", ".join(NAMES)
_LAT, _LON = NAMES.index("lat"), NAMES.index("lon")
_SELECT = {
    "postgresql": f"SELECT {_NAMES}, ST_SetSRID(ST_MakePoint(lon, lat), 4326) "
                  "FROM json_to_recordset(CAST(:rows AS json)) AS r("
                  + ", ".join(f"{name} {kind}" for name, kind in COLUMNS) + ")",
    "sqlite": "SELECT " + ", ".join(f"value ->> {i}" for i in range(len(COLUMNS)))
              + f", MakePoint(value ->> {_LON}, value ->> {_LAT}, 4326) FROM json_each(:rows)",
}
_AT_VERSION = "(SELECT version FROM sender_version) = :version"
_STATEMENTS = {
    (dialect, guarded): text(
        f"INSERT INTO pings ({_NAMES}, geom) {select} "
        f"WHERE {_AT_VERSION if guarded else 'true'} "  # SQLite's upsert needs a WHERE
        "ON CONFLICT (cadre_id, client_id) DO NOTHING RETURNING client_id")
    for dialect, select in _SELECT.items() for guarded in (False, True)
}


def sql_timestamp(moment: datetime) -> str:
    """`moment` as the UTCDateTime columns store it: naive UTC, always with microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def insert_new(conn: Connection, rows: list[list], version: int | None = None) -> set[str]:
    """Insert `rows` (values in COLUMNS order, timestamps from `sql_timestamp`) in one
    statement; return the client ids that were new. With `version`, insert nothing unless
    the sender version still holds it."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        rows = [dict(zip(NAMES, row, strict=True)) for row in rows]
    params = {"rows": json.dumps(rows, separators=(",", ":")), "version": version}
    with write_turn(conn) as writer:
        return {row[0] for row in driver_rows(writer, _STATEMENTS[dialect, version is not None],
                                              params)}
