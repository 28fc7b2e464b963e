"""What the benchmarks share: a throw-away database on either backend, migrated with the
demo county."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def prepare_database(backend: str, workdir: Path) -> str:
    if backend == "spatialite":
        return f"sqlite:///{workdir / 'bench.db'}"
    admin = os.environ.get("FIELDAPP_TEST_POSTGRES_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    name = f"fieldapp_bench_{uuid.uuid4().hex[:8]}"
    with create_engine(admin, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin).set(database=name)
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("CREATE EXTENSION postgis"))
    return url.render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        return
    admin = make_url(url).set(database="postgres")
    with create_engine(admin, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


def migrate_with_demo(cadres: int) -> None:
    """In the app's context: migrate quietly and load the demo county, keeping its first
    `cadres` posts."""
    import logging

    from flask_migrate import upgrade
    from sqlalchemy import delete, select

    from fieldapp.extensions import db
    from fieldapp.models import Assignment
    from fieldapp.services.people.demo import load_demo

    logging.disable(logging.INFO)  # Alembic's line per revision
    upgrade()
    logging.disable(logging.NOTSET)
    load_demo("bench-password", progress=lambda _: None)
    kept = select(Assignment.id).order_by(Assignment.id).limit(cadres).scalar_subquery()
    db.session.execute(delete(Assignment).where(Assignment.id.not_in(kept)))
    db.session.commit()
