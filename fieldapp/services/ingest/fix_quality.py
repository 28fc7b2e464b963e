"""How good a cadre's stream of fixes is over a time range: how many per local day, the
longest silence between two fixes, accuracy, the last battery level, which device and
client sent them; and the cadre's devices. Only fixes recorded on dates the scope sees
the cadre on. These are the stored fixes: under the `minimal` collection profile a few a
day, with gaps between windows by design (docs/collection.md)."""
from __future__ import annotations

import statistics
from datetime import datetime

from sqlalchemy import select

from ...extensions import db
from ...models import Device, Ping
from ..access.scope import Scope
from .ping_queries import pings_query


def quality_of(scope: Scope, cadre_id: int, start_utc: datetime, end_utc: datetime) -> dict:
    """{"fixes", "per_day" (local date → fixes), "longest_gap" ({"seconds", "from", "to"}
    or None), "accuracy" ({"median", "worst", "missing"}), "battery" ({"level", "at"} or
    None), "clients" ([{"device_id", "label", "provider", "fixes", "last_at"}], most fixes
    first)} of the fixes recorded in [start_utc, end_utc)."""
    rows = db.session.execute(select(
        Ping.recorded_at, Ping.accuracy, Ping.battery, Ping.device_id, Ping.provider).where(
        Ping.cadre_id == cadre_id, Ping.recorded_at >= start_utc, Ping.recorded_at < end_utc,
        scope.instant_clause(Ping.recorded_at, cadre_id))
        .order_by(Ping.recorded_at, Ping.id)).all()
    per_day: dict = {}
    for row in rows:
        day = row.recorded_at.astimezone(scope.zone).date()
        per_day[day] = per_day.get(day, 0) + 1
    accuracies = [r.accuracy for r in rows if r.accuracy is not None]
    charged = [r for r in rows if r.battery is not None]
    return {
        "fixes": len(rows), "per_day": per_day, "longest_gap": _longest_gap(rows),
        "accuracy": {"median": statistics.median(accuracies) if accuracies else None,
                     "worst": max(accuracies, default=None),
                     "missing": len(rows) - len(accuracies)},
        "battery": ({"level": charged[-1].battery, "at": charged[-1].recorded_at}
                    if charged else None),
        "clients": _clients(rows)}


def _longest_gap(rows) -> dict | None:
    gaps = [(b.recorded_at - a.recorded_at, a.recorded_at, b.recorded_at)
            for a, b in zip(rows, rows[1:], strict=False)]
    if not gaps:
        return None
    gap, after, before = max(gaps, key=lambda g: g[0])
    return {"seconds": gap.total_seconds(), "from": after, "to": before}


def _clients(rows) -> list[dict]:
    """The (device, provider) pairs that sent the fixes, with the device's label."""
    senders: dict[tuple, dict] = {}
    for row in rows:
        sender = senders.setdefault((row.device_id, row.provider), {
            "device_id": row.device_id, "provider": row.provider, "fixes": 0})
        sender["fixes"] += 1
        sender["last_at"] = row.recorded_at
    labels = dict(db.session.execute(select(Device.id, Device.label).where(
        Device.id.in_({d for d, _ in senders if d is not None}))).all()) if senders else {}
    for sender in senders.values():
        sender["label"] = labels.get(sender["device_id"])
    return sorted(senders.values(), key=lambda s: (-s["fixes"], s["device_id"] or 0))


def last_fix(scope: Scope, cadre_id: int) -> Ping | None:
    """The cadre's latest fix the scope sees."""
    return db.session.scalar(pings_query(scope, cadre_id, {}).limit(1))


def devices_of(cadre_id: int) -> list[Device]:
    """The cadre's phones, oldest first (their tokens are stored only as digests)."""
    return list(db.session.scalars(select(Device).where(Device.cadre_id == cadre_id)
                                   .order_by(Device.created_at, Device.id)))
