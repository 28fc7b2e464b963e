"""Making weeks of pings with known truth, through the ingest service."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from geoalchemy2.shape import to_shape

from fieldapp.config import app_settings
from fieldapp.db.connections import autocommit_connection
from fieldapp.extensions import db
from fieldapp.models import Region
from fieldapp.services.ingest import pings as ingest
from fieldapp.services.ingest import senders
from fieldapp.services.people import registry as people
from fieldapp.services.presence import evaluation

ZONE = ZoneInfo("Asia/Shanghai")
_RNG = np.random.default_rng(47)


def last_full_week() -> date:
    """Monday of the latest ISO week whose last night has ended."""
    return evaluation.last_finished_week(app_settings())[0]


def iso_week(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def inside(code: str) -> tuple[float, float]:
    point = to_shape(db.session.get(Region, code).boundary).representative_point()
    return point.y, point.x


def east_of(code: str, metres: float) -> tuple[float, float]:
    """A point `metres` east of the post's easternmost edge, at its middle latitude."""
    boundary = to_shape(db.session.get(Region, code).boundary)
    lat = inside(code)[0]
    line = shapely.LineString([(boundary.bounds[0] - 1, lat), (boundary.bounds[2] + 1, lat)])
    edge = max(x for x, _ in shapely.get_coordinates(line.intersection(boundary)))
    return lat, edge + metres / (111_320 * 0.8)


def at(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute), ZONE).isoformat()


def send(cadre_id: int, fixes: list[tuple[str, tuple[float, float], float | None]],
         jitter: bool = True, **extra) -> dict:
    """Store (recorded_at, (lat, lon), accuracy) fixes for a cadre; returns the answer.

    Positions jitter by a few metres like real GPS (unless `jitter=False`)."""
    noise = _RNG.normal(0, 3e-5, (len(fixes), 2)) * jitter
    items = [{"id": str(uuid.uuid4()), "recorded_at": when, "lat": where[0] + dy,
              "lon": where[1] + dx, **({"accuracy": acc} if acc is not None else {}), **extra}
             for (when, where, acc), (dy, dx) in zip(fixes, noise.tolist(), strict=True)]
    _, token = people.create_device(cadre_id)  # commits: no session transaction stays open
    with autocommit_connection() as conn:
        settings = app_settings()
        sender = senders.by_device(settings, conn, token)
        result = ingest.ingest(settings, conn, sender, items).as_dict()
    assert result["rejected"] == 0, result
    return result


def week_of(monday: date, day_place, night_place, days=range(7), accuracy=15.0):
    """Fixes at 09:00 and 15:00 at `day_place`, 22:00 and 03:00 at `night_place`."""
    fixes = []
    for offset in days:
        day = monday + timedelta(days=offset)
        if day_place:
            fixes += [(at(day, 9), day_place, accuracy), (at(day, 15), day_place, accuracy)]
        if night_place:
            fixes += [(at(day, 22), night_place, accuracy),
                      (at(day + timedelta(days=1), 3), night_place, accuracy)]
    return fixes
