"""The life of a job row: queued → running (a worker's claim, with a lease it renews) →
done or failed. A worker that dies leaves its job running under a lease nobody renews;
`release_abandoned` puts such jobs back in the queue, so no job is lost, and gives up on one
that has killed its worker `MAX_ATTEMPTS` times. Every handler is idempotent, so running a
job again after a crash gives the result a single run would have."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, delete, select, update
from sqlalchemy.engine import Connection

from ...db.engines import insert_for
from ...errors import NotFound
from ...extensions import db
from ...models.jobs import JobRun
from ...models.types import utcnow

MAX_ATTEMPTS = 3   # claims of one job before it is failed as the one killing its workers
KEEP_DONE = timedelta(days=30)  # finished jobs older than this are forgotten


def ask(task: str, args: dict, key: str | None = None,
        requested_by: int | None = None) -> tuple[int, bool]:
    """(the job's id, whether it is new): a job with `key` is asked for once, however many
    times and from however many workers it is asked."""
    values = {"task": task, "args": args, "key": key, "state": "queued", "attempts": 0,
              "requested_by": requested_by, "enqueued_at": utcnow()}
    if key is None:
        run = JobRun(**values)
        db.session.add(run)
        db.session.flush()
        run_id = run.id  # read before the commit expires it (no SELECT after)
        db.session.commit()
        return run_id, True
    statement = (insert_for(db.engine, JobRun).values(**values).on_conflict_do_nothing()
                 .returning(JobRun.id))
    new_id = db.session.execute(statement).scalar()
    db.session.commit()
    if new_id is not None:
        return new_id, True
    return db.session.scalar(select(JobRun.id).where(JobRun.key == key)), False


def claim(run_id: int, lease: timedelta) -> JobRun | None:
    """Take a queued job for this worker (None when it is running elsewhere or finished)."""
    now = utcnow()
    claimed = db.session.execute(update(JobRun).where(
        JobRun.id == run_id, JobRun.state == "queued").values(
        state="running", attempts=JobRun.attempts + 1, started_at=now,
        lease_until=now + lease)).rowcount == 1
    db.session.commit()
    return db.session.get(JobRun, run_id) if claimed else None


def renew(conn: Connection, run_id: int, lease: timedelta) -> None:
    """Extend a running job's lease (from the worker's heartbeat, on its own connection)."""
    conn.execute(update(JobRun).where(JobRun.id == run_id, JobRun.state == "running")
                 .values(lease_until=utcnow() + lease))


def finish(run_id: int, result: dict) -> None:
    db.session.execute(update(JobRun).where(JobRun.id == run_id, JobRun.state == "running")
                       .values(state="done", result=result, finished_at=utcnow(),
                               lease_until=None))
    db.session.commit()


def fail(run_id: int, error: str) -> None:
    db.session.execute(update(JobRun).where(JobRun.id == run_id, JobRun.state == "running")
                       .values(state="failed", error=error[:4000], finished_at=utcnow(),
                               lease_until=None))
    db.session.commit()


def release_abandoned(queued_elsewhere: set[int], grace: timedelta) -> list[int]:
    """The jobs to queue again: running ones whose lease ran out (their worker died), put
    back in the queue unless they have been claimed MAX_ATTEMPTS times (then failed), and
    queued ones older than `grace` that the queue does not hold (`queued_elsewhere`: the ids
    it holds), lost between the queue and a claim."""
    now = utcnow()
    abandoned = and_(JobRun.state == "running", JobRun.lease_until < now)
    db.session.execute(update(JobRun).where(abandoned, JobRun.attempts >= MAX_ATTEMPTS).values(
        state="failed", finished_at=now, lease_until=None,
        error=f"its worker stopped during each of {MAX_ATTEMPTS} attempts"))
    released = list(db.session.scalars(update(JobRun).where(abandoned).values(
        state="queued", lease_until=None).returning(JobRun.id)))
    stranded = db.session.scalars(select(JobRun.id).where(
        JobRun.state == "queued", JobRun.enqueued_at < now - grace,
        JobRun.id.not_in(released + sorted(queued_elsewhere)))).all()
    db.session.commit()
    return sorted(set(released) | set(stranded))


def forget_finished() -> list[int]:
    """Delete the rows of jobs finished more than KEEP_DONE ago; their ids (for their files)."""
    gone = list(db.session.scalars(delete(JobRun).where(
        JobRun.state.in_(("done", "failed")), JobRun.finished_at < utcnow() - KEEP_DONE)
        .returning(JobRun.id)))
    db.session.commit()
    return gone


def recent_query(state: str | None = None, task: str | None = None):
    """Jobs newest first, optionally of one state or task."""
    query = select(JobRun).order_by(JobRun.enqueued_at.desc(), JobRun.id.desc())
    if state:
        query = query.where(JobRun.state == state)
    if task:
        query = query.where(JobRun.task == task)
    return query


def get_run(run_id: int) -> JobRun:
    run = db.session.get(JobRun, run_id)
    if run is None:
        raise NotFound(f"job {run_id} not found")
    return run

