"""`flask` commands: geodata import, demo load, users, CSV import, backend check."""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .db.engines import SpatialBackendError, check_spatial_backend
from .errors import ServiceError
from .extensions import db


def _friendly(command):
    """Turn expected failures into one line on stderr and exit status 1."""

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (SpatialBackendError, ServiceError) as exc:
            click.echo(f"fieldapp: {exc}", err=True)
            sys.exit(1)

    return wrapped


POOL_MAX_CHARS = 10_000_000  # a spot-check pool file: 65,535 items of a long line each

geodata_cli = AppGroup("geodata", help="Administrative boundaries.")
demo_cli = AppGroup("demo", help="The demo county.")
users_cli = AppGroup("users", help="Login users.")
people_cli = AppGroup("people", help="Cadres and assignments.")
presence_cli = AppGroup("presence", help="Day-by-day presence and findings.")
audit_cli = AppGroup("audit", help="The finding log's hash chain; presence audits and "
                     "evidence packages.")
spotcheck_cli = AppGroup("spotcheck", help="Spot checks: RFC 3797's draw, and the check of a "
                         "published plan.")
challenges_cli = AppGroup("challenges", help="Location challenges: settling them.")
mqtt_cli = AppGroup("mqtt", help="OwnTracks in its MQTT mode: the subscriber and the "
                    "broker's logins (docs/mqtt.md).")


@geodata_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--level", required=True, type=click.Choice(["county", "township", "village"]))
@click.option("--crs", default="wgs84", show_default=True,
              type=click.Choice(["wgs84", "gcj02", "bd09"]))
@click.option("--code-field", default=None, help="property with the code [code, else adcode]")
@click.option("--name-field", default="name", show_default=True)
@click.option("--parent-field", default=None,
              help="property with the parent code [the code's prefix]")
@_friendly
def geodata_import(file, level, crs, code_field, name_field, parent_field):
    """Import boundaries from a GeoJSON FILE: all its features or, on any error, none."""
    from .services.geodata.boundaries import import_features, load_features

    check_spatial_backend(db.engine)
    report = import_features(load_features(file), level, crs, code_field, name_field,
                             parent_field)
    for note in report.repaired:
        click.echo(f"repaired feature {note.index} ({note.code}): {note.message}")
    if not report.ok:
        for problem in report.errors:
            click.echo(f"error in feature {problem.index} ({problem.code}): {problem.message}",
                       err=True)
        click.echo(f"fieldapp: {file}: {len(report.errors)} bad features; nothing imported",
                   err=True)
        sys.exit(1)
    click.echo(f"{file}: {report.created} created, {report.updated} updated, "
               f"{report.unchanged} unchanged ({level}, from {crs})")


@demo_cli.command("load")
@click.option("--no-pings", is_flag=True, help="skip the demo week of fixes")
@click.option("--interval-min", type=click.IntRange(1, 24 * 60), default=10, show_default=True,
              help="minutes between a demo phone's fixes")
@click.option("--cadres", type=click.IntRange(1), default=None,
              help="simulate only the first N demo cadres' phones [all]")
@_friendly
def demo_load(no_pings, interval_min, cadres):
    """Load the demo county, its villages and demo people, and simulate and evaluate their
    last finished week; prints the demo logins."""
    from tqdm import tqdm

    from .config import app_settings
    from .services.people.demo import demo_posts, load_demo
    from .services.people.demo_week import simulate_week

    check_spatial_backend(db.engine)
    logins = load_demo(current_app.config["DEMO_PASSWORD"], progress=click.echo)
    if not no_pings:
        week = simulate_week(app_settings(), demo_posts(cadres), interval_min, progress=lambda
                             items, what: tqdm(items, desc=what, unit=what[:-1], disable=None))
        click.echo(f"week {week.week} ({week.first}..{week.last}): {week.cadres} phones "
                   f"({week.devices_created} registered now), {week.leaves_created} leaves "
                   f"filed; {week.sent:,} fixes sent: {week.stored:,} stored, "
                   f"{week.duplicates:,} duplicates, {week.rejected:,} rejected")
        evaluated = week.evaluation
        click.echo("evaluated: " + (
            f"{evaluated.get('raised', 0)} findings raised, {evaluated.get('updated', 0)} "
            f"updated, {evaluated.get('withdrawn', 0)} withdrawn" if evaluated
            else "already, and nothing new came in"))
    click.echo("\nDemo logins:")
    for login in logins:
        password = login.password if login.password is not None else "(unchanged)"
        click.echo(f"  {login.username:<12} {login.role:<11} {password:<16} {login.scope}")


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True,
              confirmation_prompt=True)
@click.option("--role", required=True,
              type=click.Choice(["cadre", "inspector", "discipline", "admin"]))
@click.option("--cadre-id", type=int, default=None)
@click.option("--region", "regions", multiple=True, help="region code in scope (repeatable)")
@_friendly
def users_create(username, password, role, cadre_id, regions):
    """Create a login user."""
    from .services.people.registry import create_user

    user = create_user(username, password, role, cadre_id=cadre_id, regions=list(regions))
    click.echo(f"user {user.id} {user.username} ({user.role}) created")


@people_cli.command("import-csv")
@click.argument("file", type=click.File(encoding="utf-8-sig"))
@_friendly
def people_import_csv(file):
    """Import cadres with their assignments from CSV: all rows or, on any error, none.

    Columns: name, role, unit, phone, region_code, starts_on, ends_on, policy.
    """
    from .services.people.csv_import import import_cadres_csv

    result = import_cadres_csv(file)
    if result.errors:
        for line, message in result.errors:
            click.echo(f"line {line}: {message}", err=True)
        click.echo(f"fieldapp: {len(result.errors)} bad rows; nothing imported", err=True)
        sys.exit(1)
    click.echo(f"{result.created} cadres with assignments imported")


@click.command("check-db")
@_friendly
def check_db():
    """Connect to the database and print its spatial library, or say what to install."""
    click.echo(check_spatial_backend(db.engine))


@presence_cli.command("evaluate")
@click.option("--week", help="ISO week, e.g. 2026-W47")
@click.option("--month", help="month, e.g. 2026-11")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="first date")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="last date")
@click.option("--region", default=None, help="county, township or village code [the county]")
@_friendly
def presence_evaluate(week, month, first, last, region):
    """Write day records and period summaries, and raise or update findings."""
    from tqdm import tqdm

    from .config import app_settings
    from .services.presence.evaluation import evaluate, parse_range

    first, last = parse_range(week, month, first and first.date(), last and last.date())
    run = evaluate(app_settings(), first, last, region, progress=lambda townships: tqdm(
        townships, desc="townships", unit="township", disable=None))
    report = run.report
    click.echo(f"evaluated the policy periods touching {first}..{last} in {run.region_code}: "
               f"{report.get('assignments', 0)} assignments, {report.get('days', 0)} days, "
               f"{report.get('pings', 0)} pings; findings {report.get('raised', 0)} raised, "
               f"{report.get('updated', 0)} updated, {report.get('withdrawn', 0)} withdrawn, "
               f"{report.get('reraised', 0)} re-raised (days up to {report['last_finished_day']})")


@audit_cli.command("verify")
@_friendly
def audit_verify():
    """Check every link of the finding log, then every finding against its latest event;
    exit 1 at the first that does not hold."""
    from .services.findings.audit_chain import verify

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
@_friendly
def audit_presence(region, cadre_id, week, month, first, last, fmt, output, username):
    """Write a presence audit of a region or a cadre over a finished week, month or range."""
    from tqdm import tqdm

    from .config import app_settings
    from .documents.audit_files import audit_file
    from .services.access.access_log import log_reads
    from .services.access.scope import Scope, operator
    from .services.audits.presence_audit import presence_audit
    from .services.people.registry import user_named
    from .services.presence.evaluation import parse_range

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
@_friendly
def audit_verify_package(file, public_key):
    """Check an evidence package: its bag's manifests and every payload file, and the
    Ed25519 signature of its manifest; exit 1 naming the first problem."""
    from .config import app_settings
    from .documents.packages import verify_package

    problem = verify_package(file, public_key.read_bytes() if public_key else None,
                             app_settings())
    if problem:
        click.echo(f"fieldapp: {file}: {problem}", err=True)
        sys.exit(1)
    click.echo(f"{file}: intact, signed by the key it names")


@challenges_cli.command("settle")
@_friendly
def challenges_settle():
    """Settle every open challenge a fix has answered or whose deadline has passed (raising
    challenge_outside and challenge_missed findings); running it again changes nothing."""
    from .config import app_settings
    from .services.spotchecks.challenges import answer_open

    settled = answer_open(app_settings())
    click.echo("challenges settled: " + (", ".join(
        f"{count} {status}" for status, count in sorted(settled.items())) or "none"))


def _parse_sources(ctx, param, texts):
    from .domain.draw import parse_source

    try:
        return [parse_source(text) for text in texts]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@spotcheck_cli.command("derive")
@click.option("--pool", "pool_file", required=True, type=click.File(encoding="utf-8-sig"),
              help="the pool: one item per line, in the order the plan lists them; blank "
                   "lines are skipped, spaces around an item dropped")
@click.option("--source", "sources", required=True, multiple=True, callback=_parse_sources,
              help='one public source\'s numbers, e.g. "2 5 12 8 10" or "2,5,12,8,10"; a run '
                   'of digits is one number ("9319"); repeat in the order the plan names them')
@click.option("--secret", default=None, help="the office's secret, once revealed [none]")
@click.option("--count", type=click.IntRange(1), default=None, help="stop after N items [all]")
def spotcheck_derive(pool_file, sources, secret, count):
    """Print the pool's items in the order RFC 3797's draw selects them, one per line (the
    key it hashes goes to standard error)."""
    from .domain.draw import draw_order, key_string

    try:
        text = pool_file.read(POOL_MAX_CHARS + 1)
    except UnicodeDecodeError as exc:
        raise click.BadParameter(f"the pool file is not UTF-8 text ({exc.reason} at byte "
                                 f"{exc.start})", param_hint="--pool") from None
    if len(text) > POOL_MAX_CHARS:
        raise click.BadParameter(f"the pool file is longer than {POOL_MAX_CHARS:,} characters",
                                 param_hint="--pool")
    items = [line.strip() for line in text.splitlines() if line.strip()]
    if not items:
        raise click.BadParameter("the pool file lists no items", param_hint="--pool")
    try:
        key = key_string(sources, secret)
        ordered = draw_order(items, sources, secret)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"key: {key}", err=True)
    for item in ordered[:count]:
        click.echo(item)


@spotcheck_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def spotcheck_verify(file):
    """Re-derive a published plan's sample from its export FILE (JSON): exit 0 when the
    secret matches the commitment and the sample and cycle state are the draw's, 1 naming
    the first difference."""
    import json

    from .domain.draw import verify_export

    try:
        export = json.loads(file.read_bytes())
    except (ValueError, RecursionError) as exc:
        click.echo(f"fieldapp: {file}: not JSON ({exc})", err=True)
        sys.exit(1)
    problem = verify_export(export)
    if problem:
        click.echo(f"fieldapp: {file}: {problem}", err=True)
        sys.exit(1)
    click.echo(f"plan {export['region']} {export['quarter']} verified: "
               f"{len(export['sample'])} villages sampled")


@mqtt_cli.command("run")
@_friendly
def mqtt_run():
    """Store what OwnTracks phones publish to FIELDAPP_MQTT_URL until SIGTERM or SIGINT."""
    import logging
    import signal

    from .config import app_settings
    from .services.ingest.mqtt_client import Subscriber

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    subscriber = Subscriber(app_settings())
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: subscriber.stop())
    subscriber.run()


@mqtt_cli.command("broker-config")
@click.option("--passwords", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="mosquitto password file to write (password_file)")
@click.option("--acl", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="mosquitto ACL file to write (acl_file)")
@_friendly
def mqtt_broker_config(passwords, acl):
    """Write mosquitto's password file (every unrevoked device, and fieldapp's own login
    from FIELDAPP_MQTT_URL) and its ACL; send mosquitto SIGHUP to read them again."""
    from .config import app_settings
    from .services.ingest.mqtt import broker_files, replace_files

    password_text, acl_text = broker_files(app_settings().mqtt)
    try:
        replace_files({passwords: password_text, acl: acl_text})
    except OSError as exc:
        click.echo(f"fieldapp: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{passwords}: {password_text.count(chr(10)) - 1} devices and fieldapp's "
               f"login; {acl}: the ACL")


@mqtt_cli.command("password")
@click.argument("device_id", type=click.IntRange(1, 2**31 - 1))
@_friendly
def mqtt_password(device_id):
    """Print the MQTT login of an unrevoked device, to set in its OwnTracks app."""
    from .config import app_settings
    from .services.ingest.mqtt import phone_login

    username, password = phone_login(app_settings().mqtt, device_id)
    click.echo(f"username: {username}\npassword: {password}\n"
               f"topic:    owntracks/{username}/<any name for the phone>")


def register_commands(app: Flask) -> None:
    for command in (geodata_cli, demo_cli, users_cli, people_cli, presence_cli, audit_cli,
                    spotcheck_cli, challenges_cli, mqtt_cli, check_db):
        app.cli.add_command(command)
