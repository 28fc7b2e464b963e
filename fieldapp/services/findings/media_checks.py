"""Findings raised by an upload's failing checks, with the media item as evidence."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from ...domain.dates import local_date
from ...domain.findings import SEVERITY
from ...extensions import db
from ...models import Assignment, Finding, FindingEvent, MediaItem
from . import audit_chain

CHECK_KINDS = {"location": "photo_location_mismatch", "time": "photo_time_mismatch",
               "reuse": "photo_reused"}


def raise_media_findings(item: MediaItem, zone: ZoneInfo) -> list[Finding]:
    """One open finding per failing check, keyed by the item so it is raised once."""
    region = item.village_code or db.session.scalar(
        select(Assignment.region_code).where(Assignment.cadre_id == item.cadre_id)
        .order_by(Assignment.starts_on.desc()).limit(1))
    if region is None:  # nobody to route it to: the checks stay on the item
        return []
    day = local_date(item.recorded_at, zone)
    findings = []
    for check, kind in CHECK_KINDS.items():
        result = item.checks[check]
        if not result["failed"]:
            continue
        findings.append(Finding(key=f"{kind}:media:{item.id}", cadre_id=item.cadre_id,
                          region_code=region, kind=kind, severity=SEVERITY[kind],
                          status="open", period_start=day, period_end=day,
                          summary=_summary(kind, result, item.cadre_id),
                          evidence={"media_id": item.id, "sha256": item.sha256,
                                    "check": result}))
    db.session.add_all(findings)
    db.session.flush()
    audit_chain.append([FindingEvent(flag_id=f.id, actor_id=None, action="raise", from_status=None,
                            to_status="open", note="raised by the upload's checks")
                  for f in findings])
    return findings


def _summary(kind: str, result: dict, cadre_id: int) -> str:
    if kind == "photo_location_mismatch":
        return f"the file's GPS is {result['distance_m']:.0f} m outside the post"
    if kind == "photo_time_mismatch":
        return f"the file was taken {result['gap_hours']:.1f} h from the claimed time"
    # The summary is shown to the cadre too: it names no other item or cadre (the
    # evidence keeps media_id and cadre_id for reviewers).
    same = "the same file" if result.get("same_bytes") else "a near-identical image"
    whose = "by you on another day" if result.get("cadre_id") == cadre_id else "by another cadre"
    return f"{same} was uploaded before, {whose}"
