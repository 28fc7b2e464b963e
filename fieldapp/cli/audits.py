"""`flask audit …`: the finding log's hash chain, presence audits as files, and the check of
an evidence package."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from .failures import one_line_failures

audit_cli = AppGroup("audit", help="The finding log's hash chain; presence audits and "
                     "evidence packages.")


@audit_cli.command("verify")
@one_line_failures
def audit_verify():
    """Check every link of the finding log, then every finding against its latest event;
    exit 1 at the first that does not hold."""
    from ..services.findings.audit_chain import verify

    result = verify()
    if not result.ok:
        where = (f"at event {result.broken_at}" if result.broken_at is not None
                 else f"at finding {result.flag_id}")
        click.echo(f"fieldapp: audit chain broken {where} after {result.checked} good "
                   f"events: {result.reason}", err=True)
        sys.exit(1)
    click.echo(f"audit chain intact: {result.checked} events; {result.findings_checked} "
               "findings match their latest event")


@audit_cli.command("presence")
@click.option("--region", default=None, help="county, township or village code")
@click.option("--cadre-id", type=click.IntRange(1), default=None, help="one cadre instead")
@click.option("--week", help="ISO week, e.g. 2026-W47")
@click.option("--month", help="month, e.g. 2026-11")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="first date")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="last date")
@click.option("--format", "fmt", default="json", show_default=True,
              type=click.Choice(["json", "csv", "xlsx", "pdf"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="file to write [standard output, for json and csv]")
@click.option("--user", "username", default=None,
              help="run as this login: its scope, its name in the access log [the server's "
                   "operator: everything, logged as the operator]")
@one_line_failures
def audit_presence(region, cadre_id, week, month, first, last, fmt, output, username):
    """Write a presence audit of a region or a cadre over a finished week, month or range."""
    from tqdm import tqdm

    from ..config import app_settings
    from ..documents.audit_files import audit_file
    from ..services.access.access_log import log_reads
    from ..services.access.scope import Scope, operator
    from ..services.audits.presence_audit import presence_audit
    from ..services.people.registry import user_named
    from ..services.presence.evaluation import parse_range

    if output is None and fmt in ("xlsx", "pdf"):
        raise click.UsageError(f"--format {fmt} needs -o FILE")
    if output is not None and not output.resolve().parent.is_dir():
        raise click.UsageError(f"-o {output}: no such folder")
    settings = app_settings()
    viewer = user_named(username) if username else operator()
    scope = Scope(viewer, settings.zone)
    first, last = parse_range(week, month, first and first.date(), last and last.date())
    audit = presence_audit(settings, scope, first, last, region, cadre_id, progress=lambda
                           townships: tqdm(townships, desc="townships", unit="township",
                                           disable=None))
    log_reads(viewer, "audit_presence", [(r["cadre_id"], r["assignment_id"])
                                         for r in audit["rows"]],
              {"region": region, "from": first, "to": last, "format": fmt, "via": "cli"},
              cadre_id)
    body = audit_file(settings, scope, audit, fmt, progress=lambda items, what: tqdm(
        items, desc=what, unit=what.rstrip("s"), disable=None))
    if output is None:
        click.echo(body if isinstance(body, str) else body.decode(), nl=False)
        return
    output.write_bytes(body.encode() if isinstance(body, str) else body)
    totals = audit["totals"]
    click.echo(f"{output}: {fmt}, {totals['posts']} posts of {totals['cadres']} cadres, "
               f"{first}..{last}", err=True)


@audit_cli.command("verify-package")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="PEM public key to check the signature with [this "
                                 "instance's signing key]")
@one_line_failures
def audit_verify_package(file, public_key):
    """Check an evidence package: its bag's manifests and every payload file, and the
    Ed25519 signature of its manifest; exit 1 naming the first problem."""
    from ..config import app_settings
    from ..documents.packages import verify_package

    problem = verify_package(file, public_key.read_bytes() if public_key else None,
                             app_settings())
    if problem:
        click.echo(f"fieldapp: {file}: {problem}", err=True)
        sys.exit(1)
    click.echo(f"{file}: intact, signed by the key it names")
