"""A cadre's presence over a date range: day records, period summaries, findings."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ..errors import Unprocessable
from ..extensions import db
from ..models import Flag, PresenceDay, PresencePeriod
from . import localtime
from .flags import visible_clause
from .scope import Scope

MAX_DAYS = 366


def presence_of(scope: Scope, cadre_id: int, first: date | None, last: date | None) -> dict:
    """Defaults to the last 28 days; at most a year at a time."""
    last = last or localtime.today()
    first = first or last - timedelta(days=27)
    if (last - first).days + 1 > MAX_DAYS:
        raise Unprocessable(f"at most {MAX_DAYS} days at a time", {"to": ["range too long"]})
    days = db.session.scalars(select(PresenceDay).where(
        PresenceDay.cadre_id == cadre_id, PresenceDay.day.between(first, last))
        .order_by(PresenceDay.day))
    periods = db.session.scalars(select(PresencePeriod).where(
        PresencePeriod.cadre_id == cadre_id, PresencePeriod.period_end >= first,
        PresencePeriod.period_start <= last).order_by(PresencePeriod.period_start))
    flags = db.session.scalars(select(Flag).where(
        Flag.cadre_id == cadre_id, visible_clause(scope), Flag.period_end >= first,
        Flag.period_start <= last).order_by(Flag.period_start, Flag.id))
    return {"cadre_id": cadre_id, "from": first, "to": last, "days": list(days),
            "periods": list(periods), "flags": list(flags)}
