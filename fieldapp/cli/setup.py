"""`flask` commands that set a database up: the spatial backend check, boundaries, the demo
county, logins, and cadres from CSV."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..db.engines import check_spatial_backend
from ..extensions import db
from .failures import one_line_failures

geodata_cli = AppGroup("geodata", help="Administrative boundaries.")
demo_cli = AppGroup("demo", help="The demo county.")
users_cli = AppGroup("users", help="Login users.")
people_cli = AppGroup("people", help="Cadres and assignments.")


@geodata_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--level", required=True, type=click.Choice(["county", "township", "village"]))
@click.option("--crs", default="wgs84", show_default=True,
              type=click.Choice(["wgs84", "gcj02", "bd09"]))
@click.option("--code-field", default=None, help="property with the code [code, else adcode]")
@click.option("--name-field", default="name", show_default=True)
@click.option("--parent-field", default=None,
              help="property with the parent code [the code's prefix]")
@one_line_failures
def geodata_import(file, level, crs, code_field, name_field, parent_field):
    """Import boundaries from a GeoJSON FILE: all its features or, on any error, none."""
    from ..services.geodata.boundaries import import_features, load_features

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
@one_line_failures
def demo_load(no_pings, interval_min, cadres):
    """Load the demo county, its villages and demo people, and simulate and evaluate their
    last finished week; prints the demo logins."""
    from tqdm import tqdm

    from ..config import app_settings
    from ..services.people.demo import demo_posts, load_demo
    from ..services.people.demo_week import simulate_week

    check_spatial_backend(db.engine)
    logins = load_demo(current_app.config["DEMO_PASSWORD"], progress=click.echo)
    if not no_pings:
        week = simulate_week(app_settings(), demo_posts(cadres), interval_min, progress=lambda
                             items, what: tqdm(items, desc=what, unit=what[:-1], disable=None))
        click.echo(f"week {week.week} ({week.first}..{week.last}): {week.cadres} phones "
                   f"({week.devices_created} registered now), {week.leaves_created} leaves "
                   f"filed; {week.sent:,} fixes sent: {week.stored:,} stored, "
                   f"{week.duplicates:,} duplicates, {week.rejected:,} rejected, "
                   f"{week.discarded:,} discarded")
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
@one_line_failures
def users_create(username, password, role, cadre_id, regions):
    """Create a login user."""
    from ..services.people.registry import create_user

    user = create_user(username, password, role, cadre_id=cadre_id, regions=list(regions))
    click.echo(f"user {user.id} {user.username} ({user.role}) created")


@people_cli.command("import-csv")
@click.argument("file", type=click.File(encoding="utf-8-sig"))
@one_line_failures
def people_import_csv(file):
    """Import cadres with their assignments from CSV: all rows or, on any error, none.

    Columns: name, role, unit, phone, region_code, starts_on, ends_on, policy.
    """
    from ..services.people.csv_import import import_cadres_csv

    result = import_cadres_csv(file)
    if result.errors:
        for line, message in result.errors:
            click.echo(f"line {line}: {message}", err=True)
        click.echo(f"fieldapp: {len(result.errors)} bad rows; nothing imported", err=True)
        sys.exit(1)
    click.echo(f"{result.created} cadres with assignments imported")


@click.command("check-db")
@one_line_failures
def check_db():
    """Connect to the database and print its spatial library, or say what to install."""
    click.echo(check_spatial_backend(db.engine))
