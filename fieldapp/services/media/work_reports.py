"""Work reports (工作纪实) with the fence test on their location, and the monthly record."""
from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...config import Settings
from ...domain.coords import to_wgs84
from ...domain.dates import end_of, month_bounds, start_of
from ...errors import Unprocessable
from ...extensions import db
from ...models import Cadre, MediaItem, WorkReport
from ..access.scope import Scope
from ..exports import csv_text
from ..geodata.fences import fence_verdicts
from ..ingest.pings import within_backfill
from ..ingest.senders import Sender
from ..rows import in_time_range, where_equal


def create_report(settings: Settings, sender: Sender, body: dict) -> tuple[WorkReport, bool]:
    """Store a report once per client id; (report, created)."""
    cadre_id = sender.cadre_id
    existing = _by_client_id(cadre_id, body["id"])
    if existing is not None:
        return existing, False
    within_backfill(settings.ingest, body["occurred_at"], "occurred_at")
    known = set(db.session.scalars(select(MediaItem.client_id).where(
        MediaItem.cadre_id == cadre_id, MediaItem.client_id.in_(body["media_ids"]))))
    missing = [m for m in body["media_ids"] if m not in known]
    if missing:
        raise Unprocessable("media not uploaded by you: " + ", ".join(missing),
                            {"media_ids": [f"unknown: {m}" for m in missing]})
    lat, lon = to_wgs84(np.array([body["lat"]]), np.array([body["lon"]]), body["crs"])
    posts = sender.posts_on([body["occurred_at"]], settings.zone)
    village = posts.villages[0]
    accuracy = np.array([np.nan if body.get("accuracy") is None else body["accuracy"]])
    verdicts, distances = fence_verdicts(db.session, settings.fence, posts, lat, lon, accuracy)
    report = WorkReport(
        cadre_id=cadre_id, client_id=body["id"], kind=body["kind"],
        occurred_at=body["occurred_at"], summary=body["summary"],
        household_ref=body.get("household_ref"), lat=float(lat[0]), lon=float(lon[0]),
        orig_lat=body["lat"], orig_lon=body["lon"], crs=body["crs"],
        accuracy=body.get("accuracy"), village_code=village, fence=verdicts[0],
        distance_m=distances[0], media_ids=list(dict.fromkeys(body["media_ids"])))
    db.session.add(report)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _by_client_id(cadre_id, body["id"]), False
    return report, True


def _by_client_id(cadre_id: int, client_id: str) -> WorkReport | None:
    return db.session.scalar(select(WorkReport).where(WorkReport.cadre_id == cadre_id,
                                                      WorkReport.client_id == client_id))


def reports_query(scope: Scope, filters: dict):
    """Visible reports, newest first: of the cadres in scope, on the dates they were posted
    there."""
    visible = (scope.instant_clause(WorkReport.occurred_at, filters["cadre_id"])
               if "cadre_id" in filters else
               scope.instant_clause(WorkReport.occurred_at, cadre_column=WorkReport.cadre_id))
    query = where_equal(select(WorkReport).where(scope.cadre_clause(WorkReport.cadre_id),
                                                 visible),
                        filters, {"cadre_id": WorkReport.cadre_id, "kind": WorkReport.kind})
    query = in_time_range(query, WorkReport.occurred_at, filters)
    return query.order_by(WorkReport.occurred_at.desc(), WorkReport.id.desc())


MONTHLY_COLUMNS = ["date", "time", "kind", "summary", "household_ref", "village_code",
                   "fence", "distance_m", "media_count", "report_id"]


def monthly(settings: Settings, scope: Scope, cadre_id: int, month: str) -> dict:
    """A cadre's work record for a month ("2026-11"), in local dates, oldest first: the
    days of it the scope sees the cadre on."""
    first, last = month_bounds(month)
    zone = settings.zone
    cadre = db.session.get(Cadre, cadre_id)
    reports = db.session.scalars(select(WorkReport).where(
        WorkReport.cadre_id == cadre_id,
        WorkReport.occurred_at >= start_of(first, zone),
        WorkReport.occurred_at < end_of(last, zone),
        scope.instant_clause(WorkReport.occurred_at, cadre_id))
        .order_by(WorkReport.occurred_at, WorkReport.id)).all()
    rows = []
    for r in reports:
        local = r.occurred_at.astimezone(zone)
        rows.append({"date": local.date().isoformat(), "time": local.strftime("%H:%M"),
                     "kind": r.kind, "summary": r.summary, "household_ref": r.household_ref,
                     "village_code": r.village_code, "fence": r.fence,
                     "distance_m": r.distance_m, "media_count": len(r.media_ids),
                     "report_id": r.client_id})
    by_kind: dict[str, int] = {}
    for row in rows:
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + 1
    return {"cadre_id": cadre_id, "name": cadre.name if cadre else None, "month": month,
            "days_with_reports": len({row["date"] for row in rows}), "by_kind": by_kind,
            "reports": rows}


def monthly_csv(record: dict) -> str:
    """The month's reports as CSV (BOM first; cells safe to open in a spreadsheet)."""
    return csv_text(MONTHLY_COLUMNS, record["reports"])
