"""Uploaded photos and videos with what they say about themselves; work reports."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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

MEDIA_KINDS = ("photo", "video")
REPORT_KINDS = ("household_visit", "meeting", "project", "training", "other")


class MediaItem(db.Model):
    """One upload by one cadre. The bytes live once in storage under `sha256`; the pHash is
    also kept as four 16-bit bands, each indexed, so near-duplicates are found by lookup."""

    __tablename__ = "media"
    __table_args__ = (
        UniqueConstraint("cadre_id", "client_id", name="uq_media_cadre_client"),
        one_of("kind", MEDIA_KINDS, "ck_media_kind"),
        Index("ix_media_cadre_recorded", "cadre_id", "recorded_at"),
        Index("ix_media_phash_b0", "phash_b0"), Index("ix_media_phash_b1", "phash_b1"),
        Index("ix_media_phash_b2", "phash_b2"), Index("ix_media_phash_b3", "phash_b3"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id", name="fk_media_cadre"))
    client_id: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    format: Mapped[str] = mapped_column(String(8))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    crs: Mapped[str | None] = mapped_column(String(8))
    accuracy: Mapped[float | None] = mapped_column(Float)
    report_id: Mapped[str | None] = mapped_column(String(64))
    challenge_id: Mapped[str | None] = mapped_column(String(64))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exif_lat: Mapped[float | None] = mapped_column(Float)
    exif_lon: Mapped[float | None] = mapped_column(Float)
    make: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(64))
    orientation: Mapped[int | None] = mapped_column(Integer)
    exif_missing: Mapped[bool] = mapped_column(Boolean)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)
    codec: Mapped[str | None] = mapped_column(String(16))
    phash: Mapped[int] = mapped_column(BigInteger)
    phash_b0: Mapped[int] = mapped_column(Integer)
    phash_b1: Mapped[int] = mapped_column(Integer)
    phash_b2: Mapped[int] = mapped_column(Integer)
    phash_b3: Mapped[int] = mapped_column(Integer)
    village_code: Mapped[str | None] = mapped_column(String(12))
    checks: Mapped[dict] = mapped_column(JSON)


class WorkReport(db.Model):
    """A work record (工作纪实): a household visit, meeting, project, training, …"""

    __tablename__ = "work_reports"
    __table_args__ = (
        UniqueConstraint("cadre_id", "client_id", name="uq_work_reports_cadre_client"),
        one_of("kind", REPORT_KINDS, "ck_work_reports_kind"),
        Index("ix_work_reports_cadre_occurred", "cadre_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id", name="fk_work_reports_cadre"))
    client_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[str] = mapped_column(Text)
    household_ref: Mapped[str | None] = mapped_column(String(64))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    orig_lat: Mapped[float] = mapped_column(Float)
    orig_lon: Mapped[float] = mapped_column(Float)
    crs: Mapped[str] = mapped_column(String(8))
    accuracy: Mapped[float | None] = mapped_column(Float)
    village_code: Mapped[str | None] = mapped_column(String(12))
    fence: Mapped[str] = mapped_column(String(10))
    distance_m: Mapped[float | None] = mapped_column(Float)
    media_ids: Mapped[list] = mapped_column(JSON)
