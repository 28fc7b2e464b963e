"""Background jobs as the admins see them: one row per job asked for (by a user, or by the
schedule), with its state, attempts and outcome. The row, not the queue's message, is what
makes a job durable: a worker killed mid-job leaves it `running` with a lease that runs out,
and the next worker queues it again."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, one_of, utcnow

JOB_STATES = ("queued", "running", "done", "failed")


class JobRun(db.Model):
    __tablename__ = "job_runs"
    __table_args__ = (
        one_of("state", JOB_STATES, "ck_job_runs_state"),
        Index("ix_job_runs_state_lease", "state", "lease_until"),
        UniqueConstraint("key", name="uq_job_runs_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(40))
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    # A scheduled job's name for its one occurrence (e.g. "evaluate:410922:2026-12-01"):
    # the schedule firing twice, or two workers, ask for it once.
    key: Mapped[str | None] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(8), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_job_runs_requester", ondelete="SET NULL"))
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
