"""Presence records: the day records and period summaries an evaluation writes, and a
cadre's presence over a date range read back with its findings."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import select

from ...config import Settings
from ...db.engines import insert_for
from ...domain.dates import local_date
from ...errors import Unprocessable
from ...extensions import db
from ...models import Finding, PresenceDay, PresencePeriod
from ...models.types import utcnow
from ..access.scope import Scope
from .township_batch import TownshipBatch

PRESENCE_READ_MAX_DAYS = 366


def presence_of(settings: Settings, scope: Scope, cadre_id: int, first: date | None,
                last: date | None) -> dict:
    """Defaults to the last 28 days; at most a year at a time. Only the days (and the
    period summaries of posts) the scope sees the cadre on, in its regions."""
    last = last or local_date(utcnow(), settings.zone)
    first = first or last - timedelta(days=27)
    if (last - first).days + 1 > PRESENCE_READ_MAX_DAYS:
        raise Unprocessable(f"at most {PRESENCE_READ_MAX_DAYS} days at a time",
                            {"to": ["range too long"]})
    days = db.session.scalars(select(PresenceDay).where(
        PresenceDay.cadre_id == cadre_id, PresenceDay.day.between(first, last),
        scope.dates_clause(PresenceDay.cadre_id, PresenceDay.day))
        .order_by(PresenceDay.day))
    periods = db.session.scalars(select(PresencePeriod).where(
        PresencePeriod.cadre_id == cadre_id, PresencePeriod.period_end >= first,
        PresencePeriod.period_start <= last,
        scope.region_clause(PresencePeriod.region_code) if scope.user.role != "cadre"
        else PresencePeriod.cadre_id == scope.user.cadre_id,
        scope.dates_clause(PresencePeriod.cadre_id, PresencePeriod.period_start,
                           PresencePeriod.period_end)).order_by(PresencePeriod.period_start))
    findings = db.session.scalars(select(Finding).where(
        Finding.cadre_id == cadre_id, scope.findings_clause(), Finding.period_end >= first,
        Finding.period_start <= last).order_by(Finding.period_start, Finding.id))
    return {"cadre_id": cadre_id, "from": first, "to": last, "days": list(days),
            "periods": list(periods), "flags": list(findings)}


def write_records(batch: TownshipBatch) -> None:
    """Upsert the day records and period summaries (same values twice → no change)."""
    _upsert(PresenceDay, _day_rows(batch), ["assignment_id", "day"])
    periods = []
    for p, period in enumerate(batch.periods):
        assignment = batch.assignments[period.assignment]
        periods.append({"assignment_id": assignment.id, "cadre_id": assignment.cadre_id,
                        "region_code": assignment.region_code, "policy": assignment.policy,
                        "period_start": period.start, "period_end": period.end,
                        "complete": period.complete, **batch.tallies[p]})
    _upsert(PresencePeriod, periods, ["assignment_id", "period_start"])


def _day_rows(batch: TownshipBatch) -> list[dict]:
    def moment(epoch: float):
        return None if not np.isfinite(epoch) else datetime.fromtimestamp(epoch, UTC)

    def number(value: float, digits: int):
        return None if not np.isfinite(value) else round(float(value), digits)

    rows = []
    counts = batch.counts.tolist()
    for i, (a, d) in enumerate(zip(batch.cells.assignment.tolist(), batch.cells.day.tolist(),
                                   strict=True)):
        assignment = batch.assignments[a]
        day_counts = np.sum(counts[i][:-1], axis=0).tolist()
        rows.append({
            "assignment_id": assignment.id, "cadre_id": assignment.cadre_id,
            "region_code": assignment.region_code, "day": batch.days[d],
            "day_status": batch.day_status[i], "night_status": batch.night_status[i],
            "counts": {"day": dict(zip(("inside", "outside", "uncertain"), day_counts,
                                       strict=True)),
                       "night": dict(zip(("inside", "outside", "uncertain"), counts[i][-1],
                                         strict=True))},
            "first_inside_at": moment(batch.first_inside[i]),
            "last_inside_at": moment(batch.last_inside[i]),
            "night_lat": number(batch.night_lat[i], 6), "night_lon": number(batch.night_lon[i], 6),
            "night_distance_m": number(batch.night_distance[i], 1)})
    return rows


def _upsert(model, rows: list[dict], keys: list[str]) -> None:
    if not rows:
        return
    statement = insert_for(db.engine, model)
    updates = {c: statement.excluded[c] for c in rows[0] if c not in keys}
    db.session.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates),
                       rows)

