"""`flask spotcheck …` (RFC 3797's draw, a published plan's check) and `flask challenges
settle`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from .failures import one_line_failures

POOL_MAX_CHARS = 10_000_000  # a spot-check pool file: 65,535 items of a long line each

spotcheck_cli = AppGroup("spotcheck", help="Spot checks: RFC 3797's draw, and the check of a "
                         "published plan.")
challenges_cli = AppGroup("challenges", help="Location challenges: settling them.")


@challenges_cli.command("settle")
@one_line_failures
def challenges_settle():
    """Settle every open challenge a fix has answered or whose deadline has passed (raising
    challenge_outside and challenge_missed findings); running it again changes nothing."""
    from ..config import app_settings
    from ..services.spotchecks.challenges import answer_open

    settled = answer_open(app_settings())
    click.echo("challenges settled: " + (", ".join(
        f"{count} {status}" for status, count in sorted(settled.items())) or "none"))


def _parse_sources(ctx, param, texts):
    from ..domain.draw import parse_source

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
    from ..domain.draw import draw_order, key_string

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

    from ..domain.draw import verify_export

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
