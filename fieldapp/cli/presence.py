"""`flask presence evaluate`: day records, period summaries and findings now."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from .failures import one_line_failures

presence_cli = AppGroup("presence", help="Day-by-day presence and findings.")


@presence_cli.command("evaluate")
@click.option("--week", help="ISO week, e.g. 2026-W47")
@click.option("--month", help="month, e.g. 2026-11")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="first date")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="last date")
@click.option("--region", default=None, help="county, township or village code [the county]")
@one_line_failures
def presence_evaluate(week, month, first, last, region):
    """Write day records and period summaries, and raise or update findings."""
    from tqdm import tqdm

    from ..config import app_settings
    from ..services.presence.evaluation import evaluate, parse_range

    first, last = parse_range(week, month, first and first.date(), last and last.date())
    run = evaluate(app_settings(), first, last, region, progress=lambda townships: tqdm(
        townships, desc="townships", unit="township", disable=None))
    report = run.report
    click.echo(f"evaluated the policy periods touching {first}..{last} in {run.region_code}: "
               f"{report.get('assignments', 0)} assignments, {report.get('days', 0)} days, "
               f"{report.get('pings', 0)} pings; findings {report.get('raised', 0)} raised, "
               f"{report.get('updated', 0)} updated, {report.get('withdrawn', 0)} withdrawn, "
               f"{report.get('reraised', 0)} re-raised (days up to {report['last_finished_day']})")
