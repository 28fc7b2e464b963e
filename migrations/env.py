"""Alembic environment shared by SpatiaLite and PostGIS (GeoAlchemy2 helpers, batch on SQLite)."""
import logging
import os
import sys
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
        "include_object": include_object(target_metadata),
        "process_revision_directives": alembic_helpers.writer,
        "render_item": alembic_helpers.render_item,
        "render_as_batch": connection.dialect.name == "sqlite",
        "compare_type": True,
    }


def run_migrations_online():
    engine = current_app.extensions["migrate"].db.engine
    with engine.connect() as connection:
        context.configure(**_options(connection))
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
