"""`flask worker` (the background jobs' consumer and their schedule) and `flask jobs list`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .failures import one_line_failures

jobs_cli = AppGroup("jobs", help="Background jobs: what ran, what failed.")


@click.command("worker")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 64),
              help="jobs run at once")
@with_appcontext
def worker(threads):
    """Run background jobs and their schedule (evaluating finished days, settling
    challenges) until stopped; Ctrl-C or SIGINT lets running jobs finish first."""
    from ..jobs.worker import run_consumer

    run_consumer(current_app._get_current_object(), threads)


@jobs_cli.command("list")
@click.option("--state", type=click.Choice(["queued", "running", "done", "failed"]))
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@one_line_failures
def jobs_list(state, limit):
    """The latest jobs, newest first: id, task, state, attempts, when, and the error."""
    from ..extensions import db
    from ..services.jobs.runs import recent_query

    for run in db.session.scalars(recent_query(state).limit(limit)):
        when = (run.finished_at or run.started_at or run.enqueued_at).isoformat(timespec="seconds")
        line = f"{run.id}\t{run.task}\t{run.state}\t{run.attempts}\t{when}\t{run.key or ''}"
        click.echo(line + (f"\t{run.error}" if run.error else ""))
