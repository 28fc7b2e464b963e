"""Running jobs: a worker claims a job row, renews its lease from a heartbeat thread while
the handler runs, and records the outcome. The consumer's periodic tasks ask for the
scheduled jobs and queue again the jobs of workers that died; `flask worker` does both once
as it starts, so a restarted worker picks up at once what the last one left, after making
the partitions of pings this month and the next need."""
from __future__ import annotations

import logging
import threading

from flask import Flask
from huey import crontab
from huey.api import Huey

from ..config import app_settings
from ..db.engines import AUTOCOMMIT_ENGINE
from ..extensions import db
from ..models.types import utcnow
from ..services.jobs import runs
from . import RUN_JOB, files_of
from .handlers import HANDLERS, Job, partitions_ahead
from .schedule import due_jobs

log = logging.getLogger(__name__)


def define_tasks(huey: Huey, app: Flask):
    """Register the tasks on `huey`; the task that runs a job row, for queueing."""

    @huey.task(name=RUN_JOB)
    def run_job(run_id: int) -> None:
        execute(app, run_id)

    @huey.periodic_task(crontab(), name="schedule")
    def schedule() -> None:
        ask_due(app)

    @huey.periodic_task(crontab(), name="release_abandoned")
    def release_abandoned() -> None:
        release(app)

    return run_job


def execute(app: Flask, run_id: int) -> None:
    """Run job `run_id` here unless another worker holds it or it has finished."""
    with app.app_context():
        lease = app_settings(app).jobs.lease
        run = runs.claim(run_id, lease)
        if run is None:
            return
        stop = threading.Event()
        beat = threading.Thread(target=_heartbeat, name=f"lease-{run_id}", daemon=True,
                                args=(app.extensions[AUTOCOMMIT_ENGINE], run_id, lease, stop))
        beat.start()
        try:
            handler = HANDLERS.get(run.task)
            if handler is None:
                raise LookupError(f"no task named {run.task!r}")
            result = handler(Job(app_settings(app), run_id, files_of(app)), **run.args)
        except Exception as exc:  # recorded on the job row for the admins, and logged
            db.session.rollback()
            log.exception("job %s (%s) failed", run_id, run.task)
            runs.fail(run_id, f"{type(exc).__name__}: {exc}")
        else:
            runs.finish(run_id, result)
        finally:
            stop.set()
            beat.join()


def _heartbeat(engine, run_id: int, lease, stop: threading.Event) -> None:
    while not stop.wait(lease.total_seconds() / 3):
        with engine.connect() as conn:
            runs.renew(conn, run_id, lease)


def ask_due(app: Flask) -> None:
    """Ask for every scheduled job due now (each once, by its key)."""
    from . import jobs

    with app.app_context():
        for task, args, key in due_jobs(app_settings(app), utcnow()):
            jobs().enqueue(task, args, key)


def release(app: Flask) -> list[int]:
    """Queue again the jobs whose worker died (and those lost before a claim); forget the
    jobs finished long ago, with their files."""
    from . import jobs

    with app.app_context():
        queue = jobs()
        released = runs.release_abandoned(queue.queued_ids(), app_settings(app).jobs.lease)
        queue.requeue(released)
        if released:
            log.warning("queued again the jobs of a stopped worker: %s", released)
        for run_id in runs.forget_finished():
            (files_of(app) / f"{run_id}.zip").unlink(missing_ok=True)
        return released


def run_consumer(app: Flask, threads: int) -> None:
    """Pick up what a stopped worker left and what is due, then consume until stopped."""
    from . import jobs

    with app.app_context():
        made = partitions_ahead(app_settings(app))
        if made:
            log.warning("made the partitions of pings: %s", made)
    release(app)
    ask_due(app)
    jobs().huey.create_consumer(workers=threads, worker_type="thread", periodic=True).run()
