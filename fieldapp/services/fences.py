"""Fence tests against posts: a per-process cache of prepared village fences (refreshed
when a boundary changes), which post a cadre held on a date, and the verdicts."""
from __future__ import annotations

import threading
from datetime import date, datetime

import numpy as np
from flask import current_app
from geoalchemy2.shape import to_shape
from sqlalchemy import or_, select

from ..domain.fence import UNASSIGNED, FenceRules, VillageFence, classify
from ..extensions import db
from ..models import Assignment, Region
from . import localtime

_lock = threading.Lock()
_cache: dict[tuple[str, str], tuple[datetime, VillageFence]] = {}


def fence_rules() -> FenceRules:
    config = current_app.config
    return FenceRules(tolerance_m=config["FENCE_TOLERANCE_M"],
                      max_accuracy_m=config["MAX_ACCURACY_M"],
                      assumed_accuracy_m=config["ASSUMED_ACCURACY_M"])


def fences_for(codes: set[str]) -> dict[str, VillageFence]:
    """Prepared fences for `codes`; one small query checks they are current."""
    if not codes:
        return {}
    database = str(db.engine.url)
    versions = dict(db.session.execute(
        select(Region.code, Region.updated_at).where(Region.code.in_(codes))).all())
    stale = [c for c in versions
             if (cached := _cache.get((database, c))) is None or cached[0] != versions[c]]
    if stale:
        rows = db.session.execute(select(Region.code, Region.updated_at, Region.boundary)
                                  .where(Region.code.in_(stale))).all()
        with _lock:
            for code, updated_at, boundary in rows:
                _cache[(database, code)] = (updated_at,
                                            VillageFence(code, to_shape(boundary)))
    return {code: _cache[(database, code)][1] for code in versions}


def posts_on(cadre_id: int, moments: list[datetime]) -> list[str | None]:
    """The village the cadre was posted to on each moment's local date (None if none)."""
    zone = localtime.zone()
    days = [m.astimezone(zone).date() for m in moments]
    posts = db.session.execute(select(Assignment.region_code, Assignment.starts_on,
                                      Assignment.ends_on).where(
        Assignment.cadre_id == cadre_id, Assignment.starts_on <= max(days),
        or_(Assignment.ends_on.is_(None), Assignment.ends_on >= min(days)))).all()
    return [_post_on(posts, day) for day in days]


def _post_on(posts, day: date) -> str | None:
    for code, starts_on, ends_on in posts:
        if starts_on <= day and (ends_on is None or day <= ends_on):
            return code
    return None


def judge(villages: list[str | None], lat: np.ndarray, lon: np.ndarray,
          accuracy: np.ndarray) -> tuple[list[str], list[float | None]]:
    """Fence verdict and distance of each point against its village (None: unassigned)."""
    codes = np.array([v or "" for v in villages])
    verdicts = np.full(len(villages), UNASSIGNED, dtype=object)
    distances = np.full(len(villages), np.nan)
    rules = fence_rules()
    fences = fences_for({v for v in villages if v})
    for code, fence in fences.items():
        mask = codes == code
        distances[mask] = fence.distances_m(lat[mask], lon[mask])
        verdicts[mask] = classify(distances[mask], accuracy[mask], rules)
    rounded = [None if np.isnan(d) else round(float(d), 1) for d in distances]
    return verdicts.tolist(), rounded
