"""Background jobs: a job asked for once by its key, claimed by one worker, put back in the
queue when its worker dies (and given up after MAX_ATTEMPTS), listed for admins; and a real
`flask worker` killed with SIGKILL mid-evaluation, whose job the next worker finishes with
the result one run gives."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from fieldapp.config import app_settings
from fieldapp.db.engines import AUTOCOMMIT_ENGINE
from fieldapp.extensions import db
from fieldapp.jobs import jobs
from fieldapp.jobs.schedule import due_jobs
from fieldapp.models import Finding, JobRun, PresenceDay
from fieldapp.models.types import utcnow
from fieldapp.services.jobs import runs
from fieldapp.services.presence.evaluation import evaluate

from .helpers import login, make_user
from .ping_helpers import phone
from .servers import ROOT, SECRET

LEASE = timedelta(seconds=2)


@pytest.fixture()
def queue_file(ctx, configure, tmp_path):
    """This test's own queue file, and a short lease."""
    configure(JOBS_URL=f"sqlite:///{tmp_path / 'jobs.db'}", JOB_LEASE_S=2)
    ctx.extensions.pop("fieldapp.jobs")
    from fieldapp.jobs import install

    install(ctx)
    return tmp_path / "jobs.db"


def test_a_keyed_job_is_asked_for_once_and_claimed_once(ctx, queue_file):
    first = jobs().enqueue("settle_challenges", {}, key="settle_challenges:2026-12-01T08:00")
    again = jobs().enqueue("settle_challenges", {}, key="settle_challenges:2026-12-01T08:00")
    assert first == again
    assert db.session.scalar(select(db.func.count()).select_from(JobRun)) == 1
    assert jobs().queued_ids() == {first}
    claimed = runs.claim(first, LEASE)
    assert claimed is not None and claimed.state == "running" and claimed.attempts == 1
    assert runs.claim(first, LEASE) is None  # another worker finds it taken
    runs.finish(first, {"answered": 0})
    assert runs.claim(first, LEASE) is None  # and a finished job is not run again
    assert db.session.get(JobRun, first).state == "done"


def test_a_dead_workers_job_is_queued_again_then_given_up(ctx, queue_file):
    run_id = jobs().enqueue("settle_challenges", {})
    jobs().huey.flush()  # the message is gone, as when a worker took it and died
    for attempt in range(1, runs.MAX_ATTEMPTS + 1):
        assert runs.claim(run_id, LEASE).attempts == attempt
        assert runs.release_abandoned(set(), LEASE) == []  # its lease still holds
        db.session.execute(JobRun.__table__.update().where(JobRun.id == run_id).values(
            lease_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        released = runs.release_abandoned(set(), LEASE)
        if attempt < runs.MAX_ATTEMPTS:
            assert released == [run_id]
            assert db.session.get(JobRun, run_id).state == "queued"
    run = db.session.get(JobRun, run_id)
    db.session.refresh(run)
    assert run.state == "failed" and "each of 3 attempts" in run.error


def test_a_queued_job_the_queue_lost_is_queued_again(ctx, queue_file):
    run_id = jobs().enqueue("settle_challenges", {})
    jobs().huey.flush()
    assert runs.release_abandoned(set(), LEASE) == []  # younger than the grace
    db.session.execute(JobRun.__table__.update().values(
        enqueued_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    assert runs.release_abandoned({run_id}, LEASE) == []  # the queue still holds it
    assert runs.release_abandoned(set(), LEASE) == [run_id]


def test_the_schedule_asks_for_each_countys_evaluation_once_a_day(ctx, queue_file):
    due = [job for job in due_jobs(app_settings(), utcnow()) if job[0] == "evaluate"]
    assert [(task, key.split(":")[1]) for task, _, key in due] == [("evaluate", "410922")]
    ((_, args, _),) = due
    span = date.fromisoformat(args["last"]) - date.fromisoformat(args["first"])
    assert (args["region"], span.days) == ("410922", 6)
    assert [job for job in due_jobs(app_settings(), utcnow())  # the same occurrence, key
            if job[0] == "evaluate"] == due


def test_the_purge_is_asked_for_once_a_night_and_runs_as_a_job(ctx, queue_file):
    from fieldapp.jobs.worker import execute
    from fieldapp.models import PurgeLog

    zone = app_settings().zone
    evening = datetime(2026, 12, 1, 23, 30, tzinfo=zone)
    assert [key for _, _, key in due_jobs(app_settings(), evening)
            if key.startswith("retention")] == ["retention_purge:2026-12-01"]
    early = datetime(2026, 12, 2, 1, 30, tzinfo=zone)
    assert not [key for _, _, key in due_jobs(app_settings(), early)
                if key.startswith("retention")]
    run_id = jobs().enqueue("retention_purge", {}, key="retention_purge:2026-12-01")
    execute(ctx, run_id)
    run = db.session.get(JobRun, run_id, populate_existing=True)
    assert run.state == "done" and run.result["pings"] == 0 and not run.result["dry_run"]
    (log,) = db.session.scalars(select(PurgeLog)).all()
    assert log.run_by is None and log.finished_at is not None


def test_partitions_are_maintained_once_a_day_as_a_job(ctx, queue_file, backend):
    from fieldapp.db.partitions import month_partitions
    from fieldapp.jobs.worker import execute

    morning = datetime(2026, 12, 2, 8, 0, tzinfo=app_settings().zone)
    assert [key for _, _, key in due_jobs(app_settings(), morning)
            if key.startswith("maintain")] == ["maintain_partitions:2026-12-02"]
    run_id = jobs().enqueue("maintain_partitions", {}, key="maintain_partitions:2026-12-02")
    execute(ctx, run_id)
    run = db.session.get(JobRun, run_id, populate_existing=True)
    assert run.state == "done" and isinstance(run.result["made"], list)
    if backend == "postgis":  # this month's and next month's exist, made now or before
        today = utcnow().date()
        following = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        names = {p.name for p in month_partitions(db.session.connection())}
        assert {f"pings_{today:%Y%m}", f"pings_{following:%Y%m}"} <= names
    else:
        assert run.result["made"] == []


def test_a_job_that_raises_is_failed_with_its_error(ctx, queue_file):
    from fieldapp.jobs.worker import execute

    gone = make_user("gone", "discipline", regions=["410922"])
    gone.active = False
    db.session.commit()
    run_id = jobs().enqueue("audit_package", {
        "user_id": gone.id, "first": "2026-11-02", "last": "2026-11-08", "locale": "zh_CN",
        "region": "410922"})
    unknown = jobs().enqueue("no_such_task", {})
    for job_id in (run_id, unknown):
        execute(ctx, job_id)
    failed = {run.id: run for run in db.session.scalars(
        select(JobRun).execution_options(populate_existing=True))}
    assert failed[run_id].state == "failed" and "disabled" in failed[run_id].error
    assert failed[unknown].state == "failed" and "no task named" in failed[unknown].error
    assert failed[run_id].attempts == 1 and failed[run_id].finished_at is not None


def test_admins_read_jobs_others_may_not(client, ctx, queue_file):
    run_id = jobs().enqueue("settle_challenges", {})
    make_user("admin", "admin")
    make_user("insp", "inspector", regions=["410922100"])
    admin = login(client, "admin")
    listed = client.get("/api/v1/jobs?state=queued", headers=admin).get_json()
    assert [job["id"] for job in listed["items"]] == [run_id] and listed["total"] == 1
    assert client.get(f"/api/v1/jobs/{run_id}", headers=admin).get_json()["state"] == "queued"
    assert client.get("/api/v1/jobs/999999", headers=admin).status_code == 404
    assert client.get("/api/v1/jobs?state=lost", headers=admin).status_code == 422
    assert client.get("/api/v1/jobs", headers=login(client, "insp")).status_code == 403
    _, device = phone()
    assert client.get("/api/v1/jobs", headers=device).status_code == 401
    assert client.get("/api/v1/jobs").status_code == 401


def _worker(database_url: str, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "FIELDAPP_DATABASE_URL": database_url, "FIELDAPP_SECRET_KEY": SECRET,
           "FIELDAPP_UPLOAD_DIR": str(tmp_path / "uploads"),
           "FIELDAPP_JOBS_URL": f"sqlite:///{tmp_path / 'jobs.db'}", "FIELDAPP_JOB_LEASE_S": "2"}
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.Popen([flask, "--app", "wsgi", "worker", "--threads", "1"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _read(statement):
    """Rows read outside the test's session (whose SQLite transaction takes the write lock
    at its first statement, and would stall the worker)."""
    db.session.rollback()
    with current_app.extensions[AUTOCOMMIT_ENGINE].connect() as conn:
        return conn.execute(statement).all()


def _state(run_id: int):
    (row,) = _read(select(JobRun.__table__).where(JobRun.id == run_id))
    return row


def _snapshot() -> tuple:
    days = _read(select(
        PresenceDay.assignment_id, PresenceDay.day, PresenceDay.day_status,
        PresenceDay.night_status, PresenceDay.counts)
        .order_by(PresenceDay.assignment_id, PresenceDay.day))
    findings = _read(select(
        Finding.cadre_id, Finding.kind, Finding.period_start, Finding.status)
        .order_by(Finding.cadre_id, Finding.kind, Finding.period_start))
    return days, findings


@pytest.mark.slow
def test_a_worker_killed_mid_evaluation_loses_nothing(ctx, database_url, tmp_path):
    loaded = ctx.test_cli_runner().invoke(args=["demo", "load", "--cadres", "120"])
    assert loaded.exit_code == 0, loaded.output
    first = second = _worker(database_url, tmp_path)
    try:
        deadline = time.monotonic() + 120
        while True:  # the worker asks for the day's evaluation as it starts, then runs it
            run = next(iter(_read(select(JobRun.__table__).where(JobRun.task == "evaluate"))),
                       None)
            if run is not None and run.state == "running":
                break
            assert run is None or run.state == "queued", (run.state, run.error)
            assert first.poll() is None, first.stderr.read().decode()
            assert time.monotonic() < deadline, "the worker never started the evaluation"
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        run_id = run.id
        assert _state(run_id).state == "running"  # nobody finished it or said it failed
        time.sleep(LEASE.total_seconds() + 0.5)  # the dead worker's lease runs out
        second = _worker(database_url, tmp_path)
        deadline = time.monotonic() + 180
        while _state(run_id).state in ("queued", "running"):
            assert second.poll() is None, second.stderr.read().decode()
            assert time.monotonic() < deadline, "the next worker did not finish the job"
            time.sleep(0.1)
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=60)
    done = _state(run_id)
    assert (done.state, done.attempts, done.error) == ("done", 2, None)
    after_crash = _snapshot()
    assert after_crash[0] and after_crash[1]
    again = evaluate(app_settings(), date.fromisoformat(done.args["first"]),
                     date.fromisoformat(done.args["last"]), done.args["region"])
    assert {k: again.report.get(k, 0) for k in ("raised", "updated", "withdrawn")} == {
        "raised": 0, "updated": 0, "withdrawn": 0}
    assert _snapshot() == after_crash
