"""SQLite's one write lock, handed to one short writer at a time without sleeping."""
from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy.engine import Connection, Engine


class SqliteWriteLock:
    """Hands SQLite's one write lock to one short writer at a time, without sleeping.

    While another connection writes, SQLite's busy handler sleeps 1, 2, 5, 10 ms … between
    retries; under many small concurrent INSERTs most of the time went to those sleeps.
    Writers of one process queue on a thread lock and the processes on an flock of a file
    beside the database, which the kernel hands on at once.
    """

    def __init__(self, database: str):
        self._threads = threading.Lock()
        self._fd = os.open(database + "-writers.lock", os.O_RDWR | os.O_CREAT, 0o600)
        self._writer: Connection | None = None

    @contextmanager
    def turn(self):
        with self._threads:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    @contextmanager
    def turn_on(self, engine: Engine) -> Iterator[Connection]:
        """A turn, writing on this process's one writer connection. A write by any other
        connection makes SQLite drop a connection's whole page cache, so one writer per
        process reads far fewer pages again than one per request thread did. Its statements
        run on the DB-API cursor (`fetch_on_driver_cursor`), so SQLAlchemy never begins on it."""
        with self.turn():
            if self._writer is None:
                self._writer = engine.connect()
            yield self._writer

    def forget(self) -> None:
        """In a forked child: close the lock file, and never close the parent's writer
        connection (SQLite must not close a connection inherited across fork)."""
        os.close(self._fd)
        if self._writer is not None:
            _inherited_writers.append(self._writer)


_inherited_writers: list[Connection] = []


_write_locks: dict[str, SqliteWriteLock] = {}
_write_locks_lock = threading.Lock()


def sqlite_write_turn(conn: Connection):
    """Context for one autocommit write statement, giving the connection to write on: on
    a SQLite file, this process's writer connection once the turn comes; else `conn`."""
    database = conn.engine.url.database
    if conn.dialect.name != "sqlite" or not database or database == ":memory:":
        return nullcontext(conn)
    with _write_locks_lock:
        if database not in _write_locks:
            _write_locks[database] = SqliteWriteLock(database)
    return _write_locks[database].turn_on(conn.engine)


def _forget_write_locks() -> None:
    """A forked child would share its parent's lock file description, writer connection
    (and maybe a held thread lock): it opens its own on first use."""
    global _write_locks_lock
    _write_locks_lock = threading.Lock()
    for turns in _write_locks.values():
        turns.forget()
    _write_locks.clear()


os.register_at_fork(after_in_child=_forget_write_locks)
