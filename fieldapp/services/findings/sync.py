"""Keeping the findings table in step with what an evaluation found.

Within the keys an evaluation had the say over, it updates an open finding, withdraws one
whose condition no longer holds (late data arrived, leave was approved), re-raises a
withdrawn one, and leaves alone any finding a person has taken up and closed.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ...domain.findings import SEVERITY
from ...extensions import db
from ...models import Finding, FindingEvent
from ...models.types import utcnow
from . import audit_chain


@dataclass
class Candidate:
    key: str
    cadre_id: int
    region_code: str
    kind: str
    period: tuple
    summary: str
    evidence: dict

def sync_findings(found: list[Candidate], judged: set[str]) -> dict[str, int]:
    """Make the findings table agree with `found` within the keys in `judged`."""
    existing = {f.key: f for f in db.session.scalars(
        select(Finding).where(Finding.key.in_(judged)))} if judged else {}
    now, events = utcnow(), []
    changes = {"raised": 0, "updated": 0, "withdrawn": 0, "reraised": 0}
    found_keys = set()
    for candidate in found:
        found_keys.add(candidate.key)
        finding = existing.get(candidate.key)
        if finding is None:
            finding = Finding(key=candidate.key, cadre_id=candidate.cadre_id, status="open",
                        region_code=candidate.region_code, kind=candidate.kind,
                        severity=SEVERITY[candidate.kind], period_start=candidate.period[0],
                        period_end=candidate.period[1], summary=candidate.summary,
                        evidence=candidate.evidence, created_at=now, updated_at=now)
            db.session.add(finding)
            events.append((finding, "raise", None, "open", "raised by presence evaluation"))
            changes["raised"] += 1
        elif finding.status == "withdrawn":
            _refresh(finding, candidate, now)
            events.append((finding, "raise", "withdrawn", "open",
                           "the condition holds again on re-evaluation"))
            finding.status = "open"
            changes["reraised"] += 1
        elif finding.status in ("open", "in_review") and (
                finding.evidence != candidate.evidence or finding.summary != candidate.summary):
            _refresh(finding, candidate, now)
            events.append((finding, "update", finding.status, finding.status,
                           "evidence updated by re-evaluation"))
            changes["updated"] += 1
    for key, finding in existing.items():
        if key not in found_keys and finding.status in ("open", "in_review"):
            events.append((finding, "withdraw", finding.status, "withdrawn",
                           "no longer holds on re-evaluation (late data or approved leave)"))
            finding.status, finding.updated_at = "withdrawn", now
            changes["withdrawn"] += 1
    db.session.flush()
    audit_chain.append([FindingEvent(flag_id=f.id, actor_id=None, action=a, from_status=s,
                                     to_status=t, note=n) for f, a, s, t, n in events])
    return changes


def _refresh(finding: Finding, candidate: Candidate, now) -> None:
    finding.summary, finding.evidence = candidate.summary, candidate.evidence
    finding.updated_at = now
