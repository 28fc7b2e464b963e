"""A long read (an audit file, an evidence package) holds no writer up: on SQLite its
transaction takes no write lock, so another connection writes at once; before it, the
session's usual BEGIN IMMEDIATE would have held that write until the read ended."""
import pytest
from flask import current_app
from sqlalchemy import select, text

from fieldapp.db.connections import read_without_write_lock
from fieldapp.db.engines import AUTOCOMMIT_ENGINE
from fieldapp.extensions import db
from fieldapp.models import Region


def _write_elsewhere() -> None:
    with current_app.extensions[AUTOCOMMIT_ENGINE].connect() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout=200")
        conn.execute(text("UPDATE regions SET name = name WHERE code = '410922'"))


def test_a_long_read_lets_others_write(ctx, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's reads take no lock a writer waits for")
    db.session.scalar(select(Region.name).limit(1))  # the usual transaction: write lock held
    with pytest.raises(Exception, match="locked"):
        _write_elsewhere()
    read_without_write_lock()
    assert db.session.scalar(select(Region.name).where(Region.code == "410922"))
    _write_elsewhere()  # not held up
    db.session.rollback()
