"""Spot checks (四不两直): a region's quarterly plan with its frozen pool, sources, commitment
and draw; the visits inspectors make, each with one outcome per cadre found (or not)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import BigId, UTCDateTime, one_of, utcnow

VISIT_OUTCOMES = ("present", "absent", "on_leave", "explained")


class SpotCheckPlan(db.Model):
    """One region's plan for one quarter. Everything up to `cycle_state_before` is frozen
    when the plan is made; the draw fills the numbers of `sources`, the secret, the
    permutation, the sample and the cycle state after; the reveal makes the secret public."""

    __tablename__ = "spot_check_plans"
    __table_args__ = (
        UniqueConstraint("region_code", "quarter", name="uq_spot_check_plans_region_quarter"),
        CheckConstraint("quota > 0 AND quota <= 1", name="ck_spot_check_plans_quota"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(
        ForeignKey("regions.code", name="fk_spot_check_plans_region"), index=True)
    quarter: Mapped[str] = mapped_column(String(7))  # "2026-Q4"
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    quota: Mapped[float] = mapped_column(Float)
    commitment: Mapped[str] = mapped_column(String(64))  # SHA-256 hex of the secret
    pool: Mapped[list] = mapped_column(JSON)  # [{"village_code", "township_code"}], by code
    sources: Mapped[list] = mapped_column(JSON)  # [{"name", "due", "numbers": null until drawn}]
    cycle_state_before: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[int] = mapped_column(
        ForeignKey("users.id", name="fk_spot_check_plans_creator"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    secret: Mapped[str | None] = mapped_column(Text)
    permutation: Mapped[list | None] = mapped_column(JSON)  # pool indices in draw order
    sample: Mapped[list | None] = mapped_column(JSON)  # [{"village_code", "township_code", "rank"}]
    cycle_state_after: Mapped[dict | None] = mapped_column(JSON)
    drawn_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_spot_check_plans_drawer"))
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revealed_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_spot_check_plans_revealer"))
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SpotCheckVisit(db.Model):
    """An inspector's visit to a village, at the position their own fix gave (fence-tested
    inside the village). `client_id` is the inspector's id for it, so a resubmission is
    recognised and stored once."""

    __tablename__ = "spot_check_visits"
    __table_args__ = (
        UniqueConstraint("inspector_id", "client_id", name="uq_spot_check_visits_client"),
        Index("ix_spot_check_visits_village", "village_code", "visited_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    inspector_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", name="fk_spot_check_visits_inspector"))
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("spot_check_plans.id", name="fk_spot_check_visits_plan"), index=True)
    village_code: Mapped[str] = mapped_column(
        ForeignKey("regions.code", name="fk_spot_check_visits_village"))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lat: Mapped[float] = mapped_column(Float)  # WGS-84
    lon: Mapped[float] = mapped_column(Float)
    orig_lat: Mapped[float] = mapped_column(Float)  # as sent, in `crs`
    orig_lon: Mapped[float] = mapped_column(Float)
    crs: Mapped[str] = mapped_column(String(8))
    accuracy: Mapped[float] = mapped_column(Float)
    fence: Mapped[str] = mapped_column(String(10))
    distance_m: Mapped[float] = mapped_column(Float)
    media_ids: Mapped[list] = mapped_column(JSON)

    outcomes: Mapped[list[SpotCheckOutcome]] = relationship(
        back_populates="visit", order_by="SpotCheckOutcome.cadre_id", lazy="selectin")


class SpotCheckOutcome(db.Model):
    """What the inspector found of one cadre posted at the village; an unexcused absence
    names the finding it raised."""

    __tablename__ = "spot_check_outcomes"
    __table_args__ = (
        UniqueConstraint("visit_id", "cadre_id", name="uq_spot_check_outcomes_cadre"),
        one_of("outcome", VISIT_OUTCOMES, "ck_spot_check_outcomes_outcome"),
        Index("ix_spot_check_outcomes_cadre", "cadre_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(
        ForeignKey("spot_check_visits.id", name="fk_spot_check_outcomes_visit"))
    cadre_id: Mapped[int] = mapped_column(
        ForeignKey("cadres.id", name="fk_spot_check_outcomes_cadre"))
    outcome: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    finding_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("flags.id", name="fk_spot_check_outcomes_finding"))

    visit: Mapped[SpotCheckVisit] = relationship(back_populates="outcomes")
