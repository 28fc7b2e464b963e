"""The two supported databases: engine options, pragmas, pool checks, the autocommit engine
for hot paths, and a readable check of the spatial backend."""
from __future__ import annotations

import os
import sqlite3
import time

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError

SPATIALITE_HINT = ("SpatiaLite is not available: apt-get install libsqlite3-mod-spatialite "
                   "(and pip install pysqlite3-binary if this Python's sqlite3 cannot load "
                   "extensions)")
POSTGIS_HINT = ("the database has no PostGIS: apt-get install postgresql-15-postgis-3, then "
                "CREATE EXTENSION postgis in it")


class SpatialBackendError(RuntimeError):
    """The configured database cannot do spatial work; the message says what to install."""


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_dbapi():
    """The DB-API module used for SQLite: one that can load mod_spatialite."""
    try:
        import pysqlite3.dbapi2 as module
        return module
    except ImportError:
        if hasattr(sqlite3.Connection, "enable_load_extension"):
            return sqlite3
        raise SpatialBackendError(SPATIALITE_HINT) from None


def engine_options(url: str) -> tuple[str, dict]:
    """Return the (url, create_engine options) for `url`."""
    options: dict = {"plugins": ["geoalchemy2"]}
    if is_sqlite(url):
        os.environ.setdefault("SPATIALITE_LIBRARY_PATH", "mod_spatialite")
        parsed = make_url(url).update_query_dict(
            {"geoalchemy2_connect_sqlite_init_mode": "WGS84"})
        options["module"] = sqlite_dbapi()
        options["connect_args"] = {"timeout": 30, "check_same_thread": False}
        return parsed.render_as_string(hide_password=False), options
    return url, options


def ping_when_idle(engine: Engine, idle_s: float) -> None:
    """On PostgreSQL, test a pooled connection at checkout only after it sat idle `idle_s`.

    SQLAlchemy's pool_pre_ping tests at every checkout: a round trip per request, next to
    a single ping's one INSERT. A connection used a moment ago is alive unless the
    server restarted in that moment; SQLAlchemy then sees the loss on the next statement
    and renews the pool, and the device path tries once more.
    """
    if engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_conn, None):
                raise DisconnectionError("a pooled connection was lost") from exc
            raise


def install_sqlite_pragmas(engine: Engine, checkpoint_pages: int) -> None:
    """WAL journal, enforced foreign keys, and writer-first transactions on SQLite.

    `BEGIN IMMEDIATE` takes the write lock up front, so two requests never deadlock
    upgrading read locks; readers in WAL mode are not blocked by it. A connection from
    `autocommit_connection` skips it: there every statement is its own transaction.
    The WAL is copied into the database file (with an fsync, every writer waiting) once
    it holds `checkpoint_pages` pages; SQLite's 1000 did that every few hundred pings.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA mmap_size=268435456")
        cur.execute(f"PRAGMA wal_autocheckpoint={int(checkpoint_pages)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if not conn.get_execution_options().get(STATEMENT_TRANSACTIONS):
            conn.exec_driver_sql("BEGIN IMMEDIATE")


STATEMENT_TRANSACTIONS = "fieldapp_statement_transactions"
AUTOCOMMIT_ENGINE = "fieldapp_autocommit_engine"  # its key in app.extensions


def autocommit_engine(engine: Engine, url: str, options: dict) -> Engine:
    """The engine behind `autocommit_connection`. On PostgreSQL a second pool whose
    connections are made in autocommit once, not switched at every checkout and rolled
    back at every return. SQLite's connections already run in autocommit (see
    `install_sqlite_pragmas`): the same pool, its connections marked to skip
    `BEGIN IMMEDIATE` once, not at each checkout. bench/README.md has the figures."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{STATEMENT_TRANSACTIONS: True})
    return create_engine(url, **options, isolation_level="AUTOCOMMIT",
                         pool_reset_on_return=None)


def check_spatial_backend(engine: Engine) -> str:
    """Connect once and return the spatial library version, or raise SpatialBackendError."""
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                return "SpatiaLite " + conn.execute(text("SELECT spatialite_version()")).scalar()
            has = conn.execute(text(
                "SELECT extversion FROM pg_extension WHERE extname = 'postgis'")).scalar()
            if has is None:
                raise SpatialBackendError(POSTGIS_HINT)
            return "PostGIS " + has
    except SpatialBackendError:
        raise
    except Exception as exc:  # driver errors vary; turn them into one line
        message = str(exc).splitlines()[0]
        if engine.dialect.name == "sqlite" and ("spatialite" in message.lower()
                                                or "extension" in message.lower()):
            raise SpatialBackendError(SPATIALITE_HINT) from exc
        raise SpatialBackendError(f"cannot reach the database: {message}") from exc


def insert_for(engine: Engine, model):
    """The engine's dialect INSERT for `model`: the one with on_conflict_do_nothing/update."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql if engine.dialect.name == "postgresql" else sqlite).insert(model)


