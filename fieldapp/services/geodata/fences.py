"""Fence tests against posts: a per-process cache of prepared village fences (refreshed
when a boundary changes), which post a cadre held on a date, and the verdicts."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
from geoalchemy2.shape import to_shape
from sqlalchemy import ColumnElement, and_, bindparam, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from ...domain.dates import local_date
from ...domain.fence import UNASSIGNED, FenceRules, VillageFence, classify
from ...extensions import db
from ...models import Assignment, Region

SessionOrConnection = Session | Connection  # the session, or a request's autocommit connection

_fence_cache_lock = threading.Lock()
_fence_cache: dict[tuple[Engine, str], tuple[datetime, VillageFence]] = {}


def fences_for(codes: set[str]) -> dict[str, VillageFence]:
    """Prepared fences for `codes`; one small query checks they are current."""
    if not codes:
        return {}
    versions = dict(db.session.execute(
        select(Region.code, Region.updated_at).where(Region.code.in_(codes))).all())
    return current_fences(db.session, versions)


def current_fences(session_or_conn: SessionOrConnection,
                   versions: dict[str, datetime]) -> dict[str, VillageFence]:
    """Prepared fences at the given boundary versions, loading only the changed ones."""
    database = db.engine  # hashed by identity; a URL hashes by rendering itself
    stale = [c for c in versions
             if (cached := _fence_cache.get((database, c))) is None or cached[0] != versions[c]]
    if stale:
        rows = session_or_conn.execute(select(Region.code, Region.updated_at, Region.boundary)
                                .where(Region.code.in_(stale))).all()
        with _fence_cache_lock:
            for code, updated_at, boundary in rows:
                _fence_cache[(database, code)] = (updated_at,
                                            VillageFence(code, to_shape(boundary)))
    return {code: _fence_cache[(database, code)][1] for code in versions}


@dataclass(frozen=True)
class Posts:
    """The village a cadre was posted to at each of some moments (None: unassigned), with
    the boundary version of each of those villages."""

    villages: list[str | None]
    versions: dict[str, datetime]


POST_COLUMNS = (Assignment.region_code, Assignment.starts_on, Assignment.ends_on,
                Region.updated_at)


def overlapping_posts(cadre_id) -> ColumnElement[bool]:
    """Join condition: the cadre's assignments that overlap the dates :first to :last."""
    return and_(Assignment.cadre_id == cadre_id, Assignment.starts_on <= bindparam("last"),
                or_(Assignment.ends_on.is_(None), Assignment.ends_on >= bindparam("first")))


def local_days(moments: list[datetime], zone: ZoneInfo) -> list[date]:
    return [local_date(m, zone) for m in moments]


def posts_from(rows: list[tuple], days: list[date]) -> Posts:
    """Posts on `days` out of (code, starts_on, ends_on, boundary version) rows."""
    villages = [_post_on(rows, day) for day in days] if rows else [None] * len(days)
    return Posts(villages, {code: updated_at for code, _, _, updated_at in rows})


def _post_on(rows, day: date) -> str | None:
    for code, starts_on, ends_on, _ in rows:
        if starts_on <= day and (ends_on is None or day <= ends_on):
            return code
    return None


def fence_verdicts(session_or_conn: SessionOrConnection, rules: FenceRules, posts: Posts,
                   lat: np.ndarray, lon: np.ndarray,
                   accuracy: np.ndarray) -> tuple[list[str], list[float | None]]:
    """Fence verdict and distance of each point against its post's village."""
    villages = set(posts.villages)
    codes = np.array([v or "" for v in posts.villages]) if len(villages) > 1 else None
    verdicts = np.full(len(posts.villages), UNASSIGNED, dtype=object)
    distances = np.full(len(posts.villages), np.nan)
    fences = current_fences(session_or_conn, {v: posts.versions[v] for v in villages if v})
    for code, fence in fences.items():
        mask = slice(None) if codes is None else codes == code  # one post: every fix
        distances[mask] = fence.distances_m(lat[mask], lon[mask])
        verdicts[mask] = classify(distances[mask], accuracy[mask], rules)
    rounded = [None if d != d else round(d, 1) for d in distances.tolist()]  # NaN: no post
    return verdicts.tolist(), rounded
