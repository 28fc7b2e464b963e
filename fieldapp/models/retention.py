"""The purge log: one row per retention purge, with what it removed and by which cut-offs."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime

if TYPE_CHECKING:
    from .people import User


class PurgeLog(db.Model):
    """A purge (never a dry run). Written when it starts and updated in the transaction of
    each batch it deletes, so its counts always equal what is gone; `finished_at` stays
    empty if it was cut off. `pending_files` are the storage keys of the batch just
    committed whose files are not yet removed (finished by the next purge after a crash)."""

    __tablename__ = "purge_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None: the server's operator, with `flask retention purge` and no --user
    run_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", name="fk_purge_log_user"))
    ping_cutoff: Mapped[datetime] = mapped_column(UTCDateTime)
    media_cutoff: Mapped[datetime] = mapped_column(UTCDateTime)
    evidence_hold_days: Mapped[int] = mapped_column(Integer)
    findings_holding: Mapped[int] = mapped_column(Integer, default=0)
    pings: Mapped[int] = mapped_column(Integer, default=0)
    photos: Mapped[int] = mapped_column(Integer, default=0)
    videos: Mapped[int] = mapped_column(Integer, default=0)
    files: Mapped[int] = mapped_column(Integer, default=0)
    challenge_answers_unlinked: Mapped[int] = mapped_column(Integer, default=0)
    pending_files: Mapped[list] = mapped_column(JSON, default=list)
    # who ran it, loaded with the row for GET /retention/purges
    runner: Mapped[User | None] = relationship("User", lazy="joined", viewonly=True)
