"""A cadre's fixes over a stretch of time, for drawing on a map: compact rows in time
order, each with the window it fell in (day, night or none) and its fence verdict."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, select

from ...domain.dates import local_date
from ...domain.presence import Windows, window_table
from ...extensions import db
from ...models import Ping
from ..access.scope import Scope

FIX_COLUMNS = ("lat", "lon", "acc", "t", "slot", "verdict")


def fixes_between(scope: Scope, cadre_id: int, start_utc: datetime, end_utc: datetime,
                  windows: Windows, zone: ZoneInfo, limit: int) -> tuple[list[tuple], int]:
    """(rows, total): the first `limit` of the cadre's fixes recorded in [start_utc,
    end_utc) on dates the scope sees them, oldest first, and how many there are in all.
    A row is FIX_COLUMNS: lat, lon, accuracy in metres (None if not reported), recorded_at
    as epoch seconds, "day" / "night" / "none" (the local check-in and night windows of
    `windows`; a fix before 06:00 is in the night that began the evening before) and the
    fence verdict."""
    where = (Ping.cadre_id == cadre_id, Ping.recorded_at >= start_utc,
             Ping.recorded_at < end_utc, scope.instant_clause(Ping.recorded_at, cadre_id))
    found = db.session.execute(
        select(Ping.lat, Ping.lon, Ping.accuracy, Ping.recorded_at, Ping.fence)
        .where(*where).order_by(Ping.recorded_at, Ping.id).limit(limit)).all()
    total = len(found)
    if total == limit:
        total = db.session.scalar(select(func.count()).select_from(Ping).where(*where))
    if not found:
        return [], total
    epochs = np.array([row.recorded_at.timestamp() for row in found])
    slots = _slot_names(epochs, start_utc, end_utc, windows, zone)
    rows = [(row.lat, row.lon, row.accuracy, epoch, slot, row.fence)
            for row, epoch, slot in zip(found, epochs.tolist(), slots, strict=True)]
    return rows, total


def _slot_names(epochs: np.ndarray, start_utc: datetime, end_utc: datetime,
                windows: Windows, zone: ZoneInfo) -> list[str]:
    first = local_date(start_utc, zone) - timedelta(days=1)  # its night reaches into the range
    last = local_date(end_utc, zone)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    _, slot = window_table(days, windows, zone).locate(epochs)
    night = len(windows.day)
    names = np.where(slot == night, "night", np.where(slot >= 0, "day", "none"))
    return names.tolist()
