"""Cadres, their village assignments, login users with region scope, and phone devices."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, one_of, utcnow

CADRE_ROLES = ("first_secretary", "team_member", "township_leader", "county_leader",
               "dispatched_talent")
USER_ROLES = ("cadre", "inspector", "discipline", "admin")


class Cadre(db.Model):
    __tablename__ = "cadres"
    __table_args__ = (one_of("role", CADRE_ROLES, "ck_cadres_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(24))
    unit: Mapped[str | None] = mapped_column(String(160))
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="cadre", order_by="Assignment.starts_on")


class Assignment(db.Model):
    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ck_assignments_dates"),
        Index("ix_assignments_cadre_dates", "cadre_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id", name="fk_assignments_cadre"))
    region_code: Mapped[str] = mapped_column(
        ForeignKey("regions.code", name="fk_assignments_region"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    policy: Mapped[str] = mapped_column(String(40))

    cadre: Mapped[Cadre] = relationship(back_populates="assignments")


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (one_of("role", USER_ROLES, "ck_users_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(12))
    cadre_id: Mapped[int | None] = mapped_column(
        ForeignKey("cadres.id", name="fk_users_cadre"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Raised by database triggers (migration 0006) whenever the password, role, cadre,
    # active flag or regions change; a token carries the value it was issued at.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    scopes: Mapped[list[UserRegion]] = relationship(
        cascade="all, delete-orphan", order_by="UserRegion.region_code")

    @property
    def region_codes(self) -> list[str]:
        return [s.region_code for s in self.scopes]


class UserRegion(db.Model):
    """A region an inspector or discipline user covers (with everything below it)."""

    __tablename__ = "user_regions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", name="fk_user_regions_user", ondelete="CASCADE"),
        primary_key=True)
    region_code: Mapped[str] = mapped_column(
        ForeignKey("regions.code", name="fk_user_regions_region"), primary_key=True)


class Device(db.Model):
    """A cadre's phone; its token is shown once and stored only as a SHA-256 digest."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_devices_token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(
        ForeignKey("cadres.id", name="fk_devices_cadre"), index=True)
    label: Mapped[str | None] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A phone registered by logging in (POST /auth/device): its user and their token
    # version then. It is refused once that version has moved on or the user is disabled.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_devices_user"), index=True)
    user_token_version: Mapped[int | None] = mapped_column(Integer)


class SenderVersion(db.Model):
    """One row whose counter database triggers raise on every change to devices,
    assignments or regions: whoever read a sender at an older value holds a stale one."""

    __tablename__ = "sender_version"
    __table_args__ = (CheckConstraint("id = 1", name="ck_sender_version_one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


class RevokedToken(db.Model):
    """An access token logged out before it expired (its `jti`); kept until it would have
    expired anyway."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", name="fk_revoked_tokens_user", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LoginFailure(db.Model):
    """Failed logins counted in fixed windows, shared by every worker: `key` names what is
    counted (an address, an account), `window_ends` (epoch seconds) the window."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_ends: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    failures: Mapped[int] = mapped_column(Integer)
