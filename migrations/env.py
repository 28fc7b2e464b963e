"""Alembic environment shared by SpatiaLite and PostGIS (GeoAlchemy2 helpers, batch on SQLite)."""
import logging
import os
import sys
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from flask import current_app
from geoalchemy2 import alembic_helpers

config = context.config
fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

target_metadata = current_app.extensions["migrate"].db.metadata


sys.path.insert(0, os.path.dirname(__file__))
from filters import include_object  # noqa: E402


def _options(connection):
    return {
        "connection": connection,
        "target_metadata": target_metadata,
        "include_object": include_object(target_metadata, connection.dialect.name),
        "process_revision_directives": alembic_helpers.writer,
        "render_item": alembic_helpers.render_item,
        "render_as_batch": connection.dialect.name == "sqlite",
        "compare_type": True,
    }


def run_migrations_online():
    engine = current_app.extensions["migrate"].db.engine
    with engine.connect() as connection:
        context.configure(**_options(connection))
        with _sqlite_foreign_keys_off(connection), context.begin_transaction():
            context.run_migrations()


@contextmanager
def _sqlite_foreign_keys_off(connection):
    """On SQLite, batch mode rebuilds a table to change it (drop, create, copy, rename);
    with foreign keys on, dropping a table other rows point at fails. They are switched off
    for the migration (a pragma that only works outside a transaction), then every foreign
    key is checked before they are switched on again."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise SystemExit(f"fieldapp: the migration left rows pointing nowhere: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
