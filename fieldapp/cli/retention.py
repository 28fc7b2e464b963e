"""`flask retention purge`: fixes and media past their retention, unless held as evidence."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from .failures import one_line_failures

retention_cli = AppGroup("retention", help="Retention of fixes and media.")


@retention_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="count what would go; change nothing")
@click.option("--user", "username", default=None,
              help="the admin login the purge log names [the server's operator]")
@one_line_failures
def retention_purge(dry_run, username):
    """Delete fixes older than FIELDAPP_PING_RETENTION_DAYS and media older than
    FIELDAPP_MEDIA_RETENTION_DAYS that no finding under hold rests on; log what went."""
    from tqdm import tqdm

    from ..config import app_settings
    from ..errors import Forbidden
    from ..services.people.registry import user_named
    from ..services.retention.purge import purge

    runner = user_named(username) if username else None
    if runner is not None and runner.role != "admin":
        raise Forbidden(f"{username} is not an admin: only admins purge")
    report = purge(app_settings(), dry_run=dry_run, run_by=runner, progress=lambda cadres:
                   tqdm(cadres, desc="cadres", unit="cadre", disable=None))
    verb = "would remove" if dry_run else "removed"
    whole = f" ({report.months_dropped} months whole)" if report.months_dropped else ""
    click.echo(f"{verb} {report.pings} fixes recorded before {report.ping_cutoff:%Y-%m-%d %H:%M}"
               f" UTC{whole}, {report.photos} photos and {report.videos} videos recorded before "
               f"{report.media_cutoff:%Y-%m-%d %H:%M} UTC, {report.files} stored files; "
               f"{report.findings_holding} findings hold their evidence"
               + ("" if dry_run else f" (purge log {report.log_id})"))
