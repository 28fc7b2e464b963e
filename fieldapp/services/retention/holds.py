"""What the findings under hold keep back from the purge.

A finding holds its evidence while it is in any status but a closed one (open, in review,
appealed, escalated), and for `evidence_hold_days` after the move that closed it
(confirmed, dismissed, an appeal decided, withdrawn by re-evaluation, disposed by the
discipline office); a confirmed finding at least until its appeal window ends. What it
holds: every fix and media item of its cadre from the start of its period's first date to
the end of the night that starts on its last (what its dossier shows), the fixes and media
its evidence names, the media of its appeals, of the work reports of that span, and of the
spot-check visit that raised it. A photo_reused finding holds the earlier upload it
matched, which may be another cadre's.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select

from ...config import Settings
from ...domain.dates import start_of
from ...extensions import db
from ...models import Appeal, Finding, FindingEvent, SpotCheckVisit, WorkReport

# Statuses from which no move is pending on anyone; the hold runs on from the move into them.
CLOSED = ("confirmed", "dismissed", "appeal_upheld", "appeal_rejected", "withdrawn", "disposed")
CHUNK = 500  # ids per IN list
Window = tuple[datetime, datetime]  # [from, to) in UTC


def held_clause(settings: Settings, now: datetime):
    """SQL condition on findings: under hold at `now`."""
    closed_at = func.coalesce(
        select(func.max(FindingEvent.at)).where(FindingEvent.flag_id == Finding.id)
        .scalar_subquery(), Finding.updated_at)
    hold_from = now - timedelta(days=settings.retention.evidence_hold_days)
    appeal_from = now - timedelta(days=settings.appeal_days)
    return or_(Finding.status.not_in(CLOSED), closed_at > hold_from,
               and_(Finding.status == "confirmed", Finding.confirmed_at > appeal_from))


def count_held(settings: Settings, now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(Finding).where(
        held_clause(settings, now)))


def cross_cadre_media(settings: Settings, now: datetime) -> set[int]:
    """Media ids the held findings name that may be another cadre's: the earlier upload a
    reused photo matched and a visit's photos. Read once for the whole purge."""
    ids: set[int] = set()
    visits: set[int] = set()
    for evidence in db.session.scalars(select(Finding.evidence).where(
            held_clause(settings, now),
            Finding.kind.in_(("photo_reused", "absent_at_spot_check")))
            .execution_options(yield_per=CHUNK)):
        check = (evidence or {}).get("check") or {}
        if isinstance(check.get("media_id"), int):
            ids.add(check["media_id"])
        if isinstance((evidence or {}).get("visit_id"), int):
            visits.add(evidence["visit_id"])
    for chunk in _chunks(sorted(visits)):
        for media_ids in db.session.scalars(select(SpotCheckVisit.media_ids).where(
                SpotCheckVisit.id.in_(chunk))):
            ids.update(m for m in media_ids or () if isinstance(m, int))
    return ids


@dataclass
class CadreHold:
    """What the held findings about one cadre keep of that cadre's fixes and media."""

    windows: list[Window] = field(default_factory=list)
    ping_ids: set[int] = field(default_factory=set)
    media_ids: set[int] = field(default_factory=set)
    media_client_ids: set[str] = field(default_factory=set)

    def covers(self, moment: datetime) -> bool:
        return any(first <= moment < last for first, last in self.windows)


def cadre_hold(settings: Settings, now: datetime, cadre_id: int) -> CadreHold:
    hold = CadreHold()
    zone, night_end = settings.zone, settings.evaluation.windows.night[1]
    flag_ids = []
    for flag_id, first, last, evidence in db.session.execute(select(
            Finding.id, Finding.period_start, Finding.period_end, Finding.evidence).where(
            Finding.cadre_id == cadre_id, held_clause(settings, now))):
        flag_ids.append(flag_id)
        evidence = evidence or {}
        if first is not None and last is not None:
            hold.windows.append((start_of(first, zone), datetime.combine(
                last + timedelta(days=1), night_end, zone)))
        hold.ping_ids.update(p for p in evidence.get("ping_ids") or () if isinstance(p, int))
        if isinstance(evidence.get("media_id"), int):
            hold.media_ids.add(evidence["media_id"])
    hold.windows = _merged(hold.windows)
    for chunk in _chunks(flag_ids):
        for media_ids in db.session.scalars(select(Appeal.media_ids).where(
                Appeal.flag_id.in_(chunk))):
            hold.media_client_ids.update(str(m) for m in media_ids or ())
    for first, last in hold.windows:
        for media_ids in db.session.scalars(select(WorkReport.media_ids).where(
                WorkReport.cadre_id == cadre_id, WorkReport.occurred_at >= first,
                WorkReport.occurred_at < last)):
            hold.media_client_ids.update(str(m) for m in media_ids or ())
    return hold


def _merged(windows: list[Window]) -> list[Window]:
    merged: list[Window] = []
    for first, last in sorted(windows):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _chunks(values: list) -> Iterator[list]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]
