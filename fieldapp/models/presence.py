"""Leave, and what an evaluation writes: a record per assignment and day, a summary per period."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import BigId, UTCDateTime, one_of, utcnow

LEAVE_KINDS = ("personal", "sick", "official_business", "training")
LEAVE_STATUSES = ("pending", "approved", "rejected", "cancelled")


class Leave(db.Model):
    """Leave or official business (请销假); `ends_at` is the UTC instant the last day ends."""

    __tablename__ = "leaves"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ck_leaves_dates"),
        one_of("kind", LEAVE_KINDS, "ck_leaves_kind"),
        one_of("status", LEAVE_STATUSES, "ck_leaves_status"),
        Index("ix_leaves_cadre_dates", "cadre_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id", name="fk_leaves_cadre"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    retroactive: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                              name="fk_leaves_decider"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PresenceDay(db.Model):
    """One assignment's local date: the day, the night that starts on it, and their evidence."""

    __tablename__ = "presence_days"
    __table_args__ = (
        UniqueConstraint("assignment_id", "day", name="uq_presence_days_assignment_day"),
        Index("ix_presence_days_cadre_day", "cadre_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", name="fk_presence_days_assignment"))
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id",
                                                     name="fk_presence_days_cadre"))
    region_code: Mapped[str] = mapped_column(String(12))
    day: Mapped[date] = mapped_column(Date)
    day_status: Mapped[str] = mapped_column(String(10))
    night_status: Mapped[str] = mapped_column(String(10))
    counts: Mapped[dict] = mapped_column(JSON)  # {"day": {inside,outside,uncertain}, "night": …}
    first_inside_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_inside_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    night_lat: Mapped[float | None] = mapped_column(Float)
    night_lon: Mapped[float | None] = mapped_column(Float)
    night_distance_m: Mapped[float | None] = mapped_column(Float)


class PresencePeriod(db.Model):
    """Required against actual days and nights of one assignment over one policy period."""

    __tablename__ = "presence_periods"
    __table_args__ = (
        UniqueConstraint("assignment_id", "period_start",
                         name="uq_presence_periods_assignment_start"),
        Index("ix_presence_periods_cadre_start", "cadre_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", name="fk_presence_periods_assignment"))
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id",
                                                     name="fk_presence_periods_cadre"))
    region_code: Mapped[str] = mapped_column(String(12))
    policy: Mapped[str] = mapped_column(String(40))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    complete: Mapped[bool] = mapped_column(Boolean)
    active_days: Mapped[int] = mapped_column(Integer)
    excused_days: Mapped[int] = mapped_column(Integer)
    required_days: Mapped[int] = mapped_column(Integer)
    required_nights: Mapped[int] = mapped_column(Integer)
    present_days: Mapped[int] = mapped_column(Integer)
    present_nights: Mapped[int] = mapped_column(Integer)
    no_data_days: Mapped[int] = mapped_column(Integer)
    no_data_nights: Mapped[int] = mapped_column(Integer)


class EvaluationRun(db.Model):
    """When an evaluation ran, over what, for whom, and what it changed."""

    __tablename__ = "evaluation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(String(12))
    triggered_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_evaluation_runs_user"))
    report: Mapped[dict | None] = mapped_column(JSON)
