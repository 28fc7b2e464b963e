"""Location fixes as received, with their fence verdict; and the log of who read them."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from geoalchemy2 import Geometry
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import BigId, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .people import User


class Ping(db.Model):
    """One fix. Keyed for reads by (cadre, time); no spatial index: it slows ingest several
    times over (bench/README.md) and pings are read by cadre and time, not by
    place. On PostgreSQL partitioned by month of recorded_at, with the primary key
    (cadre_id, recorded_at, id) and the client-id key in ping_keys (db/partitions.py)."""

    __tablename__ = "pings"
    __table_args__ = (
        UniqueConstraint("cadre_id", "client_id", name="uq_pings_cadre_client"),
        Index("ix_pings_cadre_recorded", "cadre_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id", name="fk_pings_cadre"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", name="fk_pings_device"))
    client_id: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # where recorded_at came from: "device" (the fix's own time) or "receipt" (the fix
    # carried none and took the time it was received: an OsmAnd request without timestamp)
    clock: Mapped[str] = mapped_column(String(8), default="device", server_default="device")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    orig_lat: Mapped[float] = mapped_column(Float)
    orig_lon: Mapped[float] = mapped_column(Float)
    crs: Mapped[str] = mapped_column(String(8))
    accuracy: Mapped[float | None] = mapped_column(Float)
    altitude: Mapped[float | None] = mapped_column(Float)
    speed: Mapped[float | None] = mapped_column(Float)
    heading: Mapped[float | None] = mapped_column(Float)
    provider: Mapped[str | None] = mapped_column(String(32))
    battery: Mapped[float | None] = mapped_column(Float)
    mock: Mapped[bool | None] = mapped_column(Boolean)
    challenge_id: Mapped[str | None] = mapped_column(String(64))
    village_code: Mapped[str | None] = mapped_column(String(12))
    fence: Mapped[str] = mapped_column(String(10))
    distance_m: Mapped[float | None] = mapped_column(Float)


class AccessLog(db.Model):
    """Every read of a person's location or evidence by someone else."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_subject", "subject_cadre_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None: the server's operator, with a `flask` command
    viewer_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_access_log_viewer"))
    subject_cadre_id: Mapped[int] = mapped_column(
        ForeignKey("cadres.id", name="fk_access_log_subject"))
    resource: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON)
    # who read, loaded with the row for GET /access-log
    viewer: Mapped[User | None] = relationship("User", lazy="joined", viewonly=True)
