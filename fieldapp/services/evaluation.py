"""Presence evaluation of a date range over a region, township by township.

Each township is read, classified and written in its own transaction, so memory stays
bounded by one township's pings and a progress bar can follow the county.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from ..errors import NotFound, Unprocessable
from ..extensions import db
from ..models import EvaluationRun, Region, User
from ..models.types import utcnow
from . import localtime
from .evaluation_settings import evaluation_settings
from .findings import candidates, sync
from .leaves import record_returns
from .presence_part import load_part, tally_days, tally_periods, write_records

Progress = Callable[[Iterable[str]], Iterable[str]]


def parse_range(week: str | None = None, month: str | None = None,
                first: date | None = None, last: date | None = None) -> tuple[date, date]:
    """One of: ISO week "2026-W47", month "2026-11", or first and last dates."""
    given = [x for x in (week, month, first or last) if x]
    if len(given) != 1:
        raise Unprocessable("give exactly one of week, month, or from and to",
                            {"week": ["one of week, month, from/to"]})
    try:
        if week:
            year, number = week.upper().split("-W")
            start = date.fromisocalendar(int(year), int(number), 1)
            return start, start + timedelta(days=6)
        if month:
            start = datetime.strptime(month, "%Y-%m").date()
            following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
            return start, following - timedelta(days=1)
    except ValueError as exc:
        raise Unprocessable(f"not a week like 2026-W47 or a month like 2026-11: {exc}",
                            {"week" if week else "month": ["invalid"]}) from exc
    if first is None or last is None:
        raise Unprocessable("from and to go together", {"to": ["required with from"]})
    return first, last


def last_finished_day(night_end: time) -> date:
    """The latest local date whose night window has ended."""
    now = utcnow().astimezone(localtime.zone())
    return now.date() - timedelta(days=1 if now.time() >= night_end else 2)


def region_parts(code: str) -> list[str]:
    """The townships to evaluate under `code` (itself if a township or a village)."""
    region = db.session.get(Region, code)
    if region is None:
        raise NotFound(f"region {code} not found")
    if region.level != "county":
        return [code]
    return list(db.session.scalars(select(Region.code).where(
        Region.level == "township", Region.code.like(code + "%")).order_by(Region.code)))


def default_region() -> str:
    code = db.session.scalar(select(Region.code).where(Region.level == "county")
                             .order_by(Region.code).limit(1))
    if code is None:
        raise NotFound("no county is loaded: run `flask geodata import` first")
    return code


def evaluate(first: date, last: date, region: str | None = None, user: User | None = None,
             progress: Progress = lambda parts: parts) -> EvaluationRun:
    """Evaluate every assignment posted under `region` over the policy periods that touch
    [first, last]. Idempotent: the same data evaluated twice changes nothing."""
    if last < first:
        raise Unprocessable("to is before from", {"to": ["before from"]})
    limit = current_app.config["EVALUATION_MAX_DAYS"]
    if (last - first).days + 1 > limit:
        raise Unprocessable(f"at most {limit} days per evaluation", {"to": ["range too long"]})
    settings = evaluation_settings()
    region = region or default_region()
    parts = region_parts(region)
    run = EvaluationRun(first_day=first, last_day=last, region_code=region,
                        triggered_by=user.id if user else None, started_at=utcnow())
    returns = record_returns()
    db.session.add(run)
    db.session.commit()
    totals: Counter = Counter(returns_recorded=returns)
    finished = last_finished_day(settings.windows.night[1])
    for prefix in progress(parts):
        part = load_part(prefix, first, last, finished, settings)
        if part is not None:
            tally_days(part, settings)
            tally_periods(part)
            write_records(part)
            found, judged = candidates(part, settings)
            totals.update(sync(found, judged))
            totals.update(assignments=len(part.assignments), days=len(part.cells.day),
                          periods=len(part.periods), pings=len(part.pings.id))
        db.session.commit()
    run.report = {"parts": len(parts), "last_finished_day": finished.isoformat(), **totals}
    run.finished_at = utcnow()
    db.session.commit()
    return run
