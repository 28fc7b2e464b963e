"""One-time enrolment codes: a link or QR code that binds a phone's browser to a cadre."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class PhoneEnrolment(db.Model):
    """An enrolment made for a cadre: the device made with it (whose token the phone apps
    use), the code (stored only as its SHA-256 digest), who made it, until when it may be
    redeemed, and once redeemed when and the device that redeeming registered."""

    __tablename__ = "phone_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(
        ForeignKey("cadres.id", name="fk_phone_enrolments_cadre"), index=True)
    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", name="fk_phone_enrolments_device"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int] = mapped_column(
        ForeignKey("users.id", name="fk_phone_enrolments_creator"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redeemed_device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", name="fk_phone_enrolments_redeemed_device"))
