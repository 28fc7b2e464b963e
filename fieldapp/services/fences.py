"""Per-process cache of prepared village fences, refreshed when a boundary changes."""
from __future__ import annotations

import threading
from datetime import datetime

from flask import current_app
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from ..domain.fence import FenceRules, VillageFence
from ..extensions import db
from ..models import Region

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
