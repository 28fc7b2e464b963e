"""Presence evaluation of a date range over a region, township by township.

Each township is read, classified and written in its own transaction, so memory stays
bounded by one township's pings and a progress bar can follow the county.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ...config import Settings
from ...domain.dates import local_date, month_bounds, week_bounds
from ...errors import NotFound, Unprocessable
from ...extensions import db
from ...models import EvaluationRun, PurgeLog, Region, User
from ...models.types import utcnow
from ..findings.sync import sync_findings
from .batch_findings import evaluated_findings
from .leaves import record_returns
from .records import write_records
from .township_batch import load_township_batch, tally_days, tally_periods

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
            return week_bounds(week)
        if month:
            return month_bounds(month)
    except ValueError as exc:
        example = "an ISO week like 2026-W47" if week else "a month like 2026-11"
        raise Unprocessable(f"{week or month!r} is not {example}",
                            {"week" if week else "month": ["invalid"]}) from exc
    if first is None or last is None:
        raise Unprocessable("from and to go together", {"to": ["required with from"]})
    return first, last


def last_finished_day(night_end: time, zone: ZoneInfo) -> date:
    """The latest local date whose night window has ended."""
    now = utcnow().astimezone(zone)
    return now.date() - timedelta(days=1 if now.time() >= night_end else 2)


def last_finished_week(settings: Settings) -> tuple[date, date]:
    """Monday and Sunday of the latest ISO week whose Sunday night has ended."""
    finished = last_finished_day(settings.evaluation.windows.night[1], settings.zone)
    sunday = finished - timedelta(days=(finished.weekday() + 1) % 7)
    return sunday - timedelta(days=6), sunday


def townships_of(code: str) -> list[str]:
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


PERIOD_REACH = timedelta(days=30)  # a month period touching a day starts at most this before


def _require_unpurged(settings: Settings, first: date) -> None:
    """Refuse to evaluate periods whose fixes a retention purge has deleted: their days would
    be rewritten as without data (the records and findings written while the fixes existed
    stay as they were)."""
    cutoff = db.session.scalar(select(func.max(PurgeLog.ping_cutoff)).where(
        PurgeLog.pings > 0))
    if cutoff is not None and first - PERIOD_REACH <= local_date(cutoff, settings.zone):
        earliest = local_date(cutoff, settings.zone) + PERIOD_REACH + timedelta(days=1)
        raise Unprocessable(f"fixes before {cutoff:%Y-%m-%d} have been purged by retention: "
                            f"evaluate from {earliest} on", {"from": ["fixes purged"]})


def evaluate(settings: Settings, first: date, last: date, region: str | None = None,
             user: User | None = None,
             progress: Progress = lambda townships: townships) -> EvaluationRun:
    """Evaluate every assignment posted under `region` over the policy periods that touch
    [first, last]. Idempotent: the same data evaluated twice changes nothing."""
    if last < first:
        raise Unprocessable("to is before from", {"to": ["before from"]})
    limit = settings.evaluation.max_days
    if (last - first).days + 1 > limit:
        raise Unprocessable(f"at most {limit} days per evaluation", {"to": ["range too long"]})
    _require_unpurged(settings, first)
    region = region or default_region()
    townships = townships_of(region)
    run = EvaluationRun(first_day=first, last_day=last, region_code=region,
                        triggered_by=user.id if user else None, started_at=utcnow())
    returns = record_returns()
    db.session.add(run)
    db.session.commit()
    totals: Counter = Counter(returns_recorded=returns)
    finished = last_finished_day(settings.evaluation.windows.night[1], settings.zone)
    for prefix in progress(townships):
        batch = load_township_batch(prefix, first, last, finished, settings)
        if batch is not None:
            tally_days(batch, settings)
            tally_periods(batch)
            write_records(batch)
            found, judged = evaluated_findings(batch, settings)
            totals.update(sync_findings(found, judged))
            totals.update(assignments=len(batch.assignments), days=len(batch.cells.day),
                          periods=len(batch.periods), pings=len(batch.pings.id))
        db.session.commit()
    run.report = {"parts": len(townships), "last_finished_day": finished.isoformat(), **totals}
    run.finished_at = utcnow()
    db.session.commit()
    return run
