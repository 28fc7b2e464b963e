"""Findings, their appeals, and the hash-chained log of every change of state."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import BigId, UTCDateTime, one_of, utcnow

FINDING_STATUSES = ("open", "in_review", "confirmed", "dismissed", "escalated", "appealed",
                 "appeal_upheld", "appeal_rejected", "withdrawn", "disposed")


class Finding(db.Model):
    """A finding about one cadre. `key` makes re-evaluation update it instead of adding one."""

    __tablename__ = "flags"
    __table_args__ = (
        one_of("status", FINDING_STATUSES, "ck_flags_status"),
        Index("ix_flags_queue", "status", "severity", "created_at"),
        Index("ix_flags_cadre", "cadre_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id", name="fk_flags_cadre"))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open")
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict] = mapped_column(JSON)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_flags_assignee"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disposition: Mapped[str | None] = mapped_column(String(32))  # set when disposed


class Appeal(db.Model):
    """A cadre's appeal against a confirmed finding, and how it was decided."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id", name="fk_appeals_flag"),
                                         index=True)
    text: Mapped[str] = mapped_column(Text)
    media_ids: Mapped[list] = mapped_column(JSON)
    # None: sent from a phone enrolled for a cadre who has no login (the finding's cadre)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                name="fk_appeals_submitter"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                              name="fk_appeals_decider"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)


class FindingEvent(db.Model):
    """Append-only: each row holds the hash of the one before it, and (version 2) what its
    finding asserted as of the event (see services/findings/audit_chain.py)."""

    __tablename__ = "flag_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id", name="fk_flag_events_flag"),
                                         index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                            name="fk_flag_events_actor"))
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # version 1: the fields above only (events before migration 0007); version 2 adds the
    # finding's state after the event, all of it hashed
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    kind: Mapped[str | None] = mapped_column(String(32))
    cadre_id: Mapped[int | None] = mapped_column(Integer)
    region_code: Mapped[str | None] = mapped_column(String(12))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str | None] = mapped_column(Text)
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    disposition: Mapped[str | None] = mapped_column(String(32))  # hashed from version 3


class AuditHead(db.Model):
    """The single row naming the chain's last event; locked while appending, so two writers
    never chain onto the same link, and checked by `audit verify` so a cut tail shows."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigId)
    last_hash: Mapped[str] = mapped_column(String(64))
