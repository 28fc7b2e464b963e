"""Location challenges (电话和微信定位): an inspector's batch of them, issued at one moment
with one deadline (to cadres named, or to a sample drawn from a region with the random
source recorded), and one challenge per cadre with how it was answered."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import BigId, UTCDateTime, one_of

CHALLENGE_STATUSES = ("open", "answered_inside", "answered_outside", "answered_uncertain",
                      "missed")


class ChallengeBatch(db.Model):
    """One issue: who, when, the deadline, a note for the supervisors; for a drawn sample
    its region, its pool (cadre ids ascending) and the draw's source (RFC 3797 numbers
    drawn at random when it was issued), from which the sample can be derived again."""

    __tablename__ = "challenge_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    issued_by: Mapped[int] = mapped_column(
        ForeignKey("users.id", name="fk_challenge_batches_issuer"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_minutes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(
        ForeignKey("regions.code", name="fk_challenge_batches_region"))
    sample_size: Mapped[int | None] = mapped_column(Integer)
    pool: Mapped[list | None] = mapped_column(JSON)
    draw_source: Mapped[list | None] = mapped_column(JSON)

    challenges: Mapped[list[Challenge]] = relationship(
        back_populates="batch", order_by="Challenge.id", lazy="selectin")


class Challenge(db.Model):
    """One cadre asked for their location: their post when asked, the deadline, and once
    settled the status, the fix that answered it and the finding it raised."""

    __tablename__ = "challenges"
    __table_args__ = (
        one_of("status", CHALLENGE_STATUSES, "ck_challenges_status"),
        Index("ix_challenges_cadre_issued", "cadre_id", "issued_at"),
        Index("ix_challenges_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("challenge_batches.id", name="fk_challenges_batch"), index=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id", name="fk_challenges_cadre"))
    village_code: Mapped[str] = mapped_column(
        ForeignKey("regions.code", name="fk_challenges_village"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    rank: Mapped[int | None] = mapped_column(Integer)  # 1 = drawn first, for a drawn sample
    status: Mapped[str] = mapped_column(String(20), default="open")
    answer_ping_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("pings.id", name="fk_challenges_answer_ping"))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finding_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("flags.id", name="fk_challenges_finding"))
    delivery: Mapped[dict | None] = mapped_column(JSON)  # what the MQTT and webhook sends did

    batch: Mapped[ChallengeBatch] = relationship(back_populates="challenges", lazy="joined",
                                                 innerjoin=True)
