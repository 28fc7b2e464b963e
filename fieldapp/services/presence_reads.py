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
    return {"cadre_id": cadre_id, "from": first.isoformat(), "to": last.isoformat(),
            "days": [_day(d) for d in days], "periods": [_period(p) for p in periods],
            "flags": [_flag(f) for f in flags]}


def _day(day: PresenceDay) -> dict:
    night = None
    if day.night_lat is not None:
        night = {"lat": day.night_lat, "lon": day.night_lon,
                 "distance_m": day.night_distance_m}
    return {"date": day.day.isoformat(), "region_code": day.region_code,
            "day": day.day_status, "night": day.night_status, "counts": day.counts,
            "first_inside_at": _iso(day.first_inside_at),
            "last_inside_at": _iso(day.last_inside_at), "night_centroid": night}


def _period(period: PresencePeriod) -> dict:
    fields = ("policy", "region_code", "complete", "active_days", "excused_days",
              "required_days", "required_nights", "present_days", "present_nights",
              "no_data_days", "no_data_nights")
    return {"start": period.period_start.isoformat(), "end": period.period_end.isoformat(),
            **{f: getattr(period, f) for f in fields}}


def _flag(flag: Flag) -> dict:
    return {"id": flag.id, "kind": flag.kind, "status": flag.status, "summary": flag.summary,
            "period_start": flag.period_start.isoformat() if flag.period_start else None}


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None
