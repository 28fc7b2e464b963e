"""`flask backup`: an online copy of the embedded SQLite database, taken while the web
workers and `flask worker` keep writing (SQLite's backup API copies a consistent snapshot,
page by page). PostgreSQL is backed up with pg_dump instead (docs/deploy.md)."""
from __future__ import annotations

import os
from pathlib import Path

import click
from flask.cli import with_appcontext
from tqdm import tqdm

from ..extensions import db
from .failures import one_line_failures

PAGES_PER_STEP = 1024  # 4 MiB at SQLite's page size: writers wait at most one step


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@one_line_failures
def backup(target: Path):
    """Copy the SQLite database to TARGET (a new file) while the service runs."""
    if db.engine.dialect.name != "sqlite":
        raise click.ClickException("the database is PostgreSQL: back it up with pg_dump "
                                   "(docs/deploy.md)")
    if target.exists():
        raise click.ClickException(f"{target} exists: name a new file")
    partial = target.with_name(target.name + ".part")
    source = db.engine.raw_connection()
    try:
        destination = db.engine.dialect.dbapi.connect(str(partial))  # the engine's driver
        with tqdm(desc="pages", unit="page", disable=None) as bar:
            def progress(_status, remaining, total):
                bar.total = total
                bar.n = total - remaining
                bar.refresh()

            try:
                source.driver_connection.backup(destination, pages=PAGES_PER_STEP,
                                                progress=progress)
            finally:
                destination.close()
    finally:
        source.close()
    os.replace(partial, target)
    click.echo(f"backed up to {target} ({target.stat().st_size} bytes)")
