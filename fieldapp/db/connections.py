"""Connections for hot paths: autocommit connections of the current app, one taken from
the pool only when a statement needs it, a statement run on the driver's own cursor, and
the request's connection closed at teardown."""
from __future__ import annotations

from flask import current_app, g
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.elements import TextClause

from ..extensions import db
from .engines import AUTOCOMMIT_ENGINE, STATEMENT_TRANSACTIONS


def autocommit_connection() -> Connection:
    """A connection of the current app on which each statement commits by itself.

    For hot paths whose only write is one statement: PostgreSQL is spared the BEGIN and
    COMMIT round trips, and SQLite holds its write lock for that statement alone instead
    of from the first read to the end of the request.
    """
    return current_app.extensions[AUTOCOMMIT_ENGINE].connect()


def read_without_write_lock() -> None:
    """End the session's transaction and begin the next without SQLite's write lock, for a
    long read (an audit file, an evidence package): its BEGIN IMMEDIATE would hold every
    writer, every other request's too, until the read ends. Each statement then reads on
    its own; on PostgreSQL, where reads lock no writer, nothing changes."""
    db.session.commit()
    db.session.connection(execution_options={STATEMENT_TRANSACTIONS: True})


class LazyAutocommitConnection:
    """`autocommit_connection`, taken from the pool only when first used.

    For the device path: on SQLite a cached sender's ping runs no statement on it (its
    INSERT goes on the process's writer connection), so it takes no checkout at all.
    `engine` and `dialect` are at hand without one; `connection` is the pooled DB-API
    connection alone, enough for `fetch_on_driver_cursor`, with no SQLAlchemy Connection
    around it; any other attribute is the Connection's, made around that same pooled
    connection on first use. bench/README.md has what each of these saved.
    """

    def __init__(self):
        self.engine = current_app.extensions[AUTOCOMMIT_ENGINE]
        self.dialect = self.engine.dialect
        self._pooled: PoolProxiedConnection | None = None
        self._connection: Connection | None = None

    @property
    def connection(self) -> PoolProxiedConnection:
        if self._pooled is None:
            self._pooled = self.engine.raw_connection()
        return self._pooled

    def invalidate(self) -> None:
        (self._connection or self.connection).invalidate()

    def __getattr__(self, name: str):
        if self._connection is None:
            self._connection = Connection(self.engine, self.connection)
        return getattr(self._connection, name)

    def __enter__(self) -> LazyAutocommitConnection:
        return self

    def __exit__(self, *_exc) -> None:
        if self._connection is not None:
            self._connection.close()
        elif self._pooled is not None:
            self._pooled.close()


_compiled: dict[tuple[TextClause, str], tuple[str, tuple | None]] = {}


def fetch_on_driver_cursor(conn: Connection, statement: TextClause, params: dict) -> list[tuple]:
    """Run `statement` on the DB-API cursor beneath `conn` and return its rows.

    Only for the ping INSERT, the one statement of a phone's single ping, where
    SQLAlchemy's execution context and result weighed more than the statement (measured:
    bench/README.md). It is compiled for the dialect once and runs on a cursor kept with
    the pooled connection; a driver error is raised as SQLAlchemy's, and a lost connection
    is invalidated as SQLAlchemy would.
    """
    dialect = conn.dialect
    key = (statement, dialect.name)
    if key not in _compiled:
        compiled = statement.compile(dialect=dialect)
        _compiled[key] = (compiled.string, compiled.positiontup if compiled.positional else None)
    sql, positions = _compiled[key]
    args = params if positions is None else [params[name] for name in positions]
    pooled = conn.connection
    cursor = pooled.info.get(_CURSOR)  # the pool clears `info` when it replaces a connection
    if cursor is None:
        cursor = pooled.info[_CURSOR] = pooled.driver_connection.cursor()
    try:
        cursor.execute(sql, args)
        return cursor.fetchall()
    except dialect.loaded_dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, pooled.driver_connection, cursor)
        if lost:  # its pool-mates are likely lost too: renew the pool, as SQLAlchemy does
            conn.invalidate()
            conn.engine.dispose(close=False)
        raise DBAPIError.instance(sql, args, exc, dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost, dialect=dialect) from exc


_CURSOR = "fieldapp_driver_cursor"  # its key in a pooled connection's info


def request_connection() -> Connection:
    """This request's `autocommit_connection`, opened on first use and closed at teardown."""
    conn = g.get("autocommit_connection")
    if conn is None:
        conn = g.autocommit_connection = autocommit_connection()
    return conn


def close_request_connection(_error: BaseException | None = None) -> None:
    conn = g.pop("autocommit_connection", None)
    if conn is not None:
        conn.close()
