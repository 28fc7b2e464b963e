"""Administrative regions: county (6 digits) → township (9) → village (12)."""
from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

LEVEL_CODE_LENGTH = {"county": 6, "township": 9, "village": 12}


class Region(db.Model):
    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint("level IN ('county', 'township', 'village')", name="ck_regions_level"),
    )

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10), index=True)
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("regions.code", name="fk_regions_parent"), index=True)
    boundary = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True),
                             nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
