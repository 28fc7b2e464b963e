"""Background jobs on Huey: `flask worker` runs them, and the schedule that asks for them.

The queue is a SQLite file beside the database by default (instance/jobs.db: nothing more to
run on one machine) and Redis in production (FIELDAPP_JOBS_URL=redis://…). A message in the
queue names only a row of `job_runs` (services/jobs/runs.py): the row holds what to do, its
state and its outcome, and is what admins read (GET /api/v1/jobs, `flask jobs list`). Huey
forgets a message once a worker takes it, so a worker killed mid-job would lose it; the row's
lease does not: `release_abandoned` queues it again.

    handlers.py   what each task does (idempotent: evaluate a day, settle challenges, …)
    schedule.py   the jobs due now, each asked for once by its key
    worker.py     claiming and running a job under a renewed lease; the consumer
"""
from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey
from huey.api import Huey

from ..services.jobs import runs

JOBS = "fieldapp.jobs"  # its key in app.extensions
RUN_JOB = "run_job"     # the one task every queued job is run by


def queue_for(url: str, instance_path: str) -> Huey:
    """The queue FIELDAPP_JOBS_URL names: "" (instance/jobs.db), sqlite:///PATH or redis://."""
    if url.startswith(("redis://", "rediss://")):
        return RedisHuey("fieldapp", url=url)
    path = urlsplit(url).path if url else str(Path(instance_path) / "jobs.db")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("fieldapp", filename=path)


class Jobs:
    """The app's queue and its tasks, made on first use (a `flask` command that asks for no
    job opens no queue)."""

    def __init__(self, app: Flask):
        self.app = app

    @functools.cached_property
    def _queue(self):
        from . import worker

        settings = self.app.extensions["fieldapp.settings"]
        huey = queue_for(settings.jobs.url, self.app.instance_path)
        return huey, worker.define_tasks(huey, self.app)

    @property
    def huey(self) -> Huey:
        return self._queue[0]

    def enqueue(self, task: str, args: dict, key: str | None = None,
                requested_by: int | None = None) -> int:
        """Ask for a job (once, when it has a `key`) and queue it; its job row's id."""
        run_id, created = runs.ask(task, args, key, requested_by)
        if created:
            self.requeue([run_id])
        return run_id

    def requeue(self, run_ids: list[int]) -> None:
        huey, run_job = self._queue
        for run_id in run_ids:
            huey.enqueue(run_job.s(run_id))

    def queued_ids(self) -> set[int]:
        """The job rows the queue holds a message for."""
        return {task.args[0] for task in self.huey.pending() if task.name == RUN_JOB}


def files_of(app: Flask) -> Path:
    """Where jobs leave the files they build, <job id>.zip: `jobs/` in the upload folder,
    which every web and worker machine shares; removed with their job row."""
    return app.extensions["fieldapp.settings"].media.upload_dir / "jobs"


def install(app: Flask) -> None:
    app.extensions[JOBS] = Jobs(app)


def jobs() -> Jobs:
    return current_app.extensions[JOBS]
