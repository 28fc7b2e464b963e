"""What a printed presence audit shows beside its numbers, read for the whole audit at once:
each post's day records over the range, the findings counted in the audit, the fixes a
`not_resident` or `absent` finding names (on dates the reader sees the cadre), the
boundaries of the villages those findings are about, and the head of the finding log's
hash chain. A few queries for any number of cadres (ids go in chunks)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from geoalchemy2.shape import to_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select

from ...extensions import db
from ...models import AuditHead, Finding, Ping, PresenceDay, Region
from ..access.scope import Scope
from ..findings.audit_chain import GENESIS

MAPPED_KINDS = ("not_resident", "absent")  # findings drawn with a map of their fixes
CHUNK = 500  # row ids per IN list
PING_CHUNK = 5000  # evidence ping ids per IN list (a county-month names ~40,000); both
# databases take far more parameters (SQLite 32,766, PostgreSQL 65,535)


@dataclass(frozen=True)
class DayRecord:
    day_status: str
    night_status: str
    night_lat: float | None
    night_lon: float | None
    night_distance_m: float | None


@dataclass(frozen=True)
class Fix:
    lat: float
    lon: float
    accuracy: float | None
    recorded_at: datetime


@dataclass
class ReportEvidence:
    head_hash: str
    days: dict[int, dict[date, DayRecord]] = field(default_factory=dict)  # by assignment
    findings: dict[tuple[int, str], list[Finding]] = field(default_factory=dict)
    fixes: dict[int, list[Fix]] = field(default_factory=dict)  # by finding id
    boundaries: dict[str, BaseGeometry] = field(default_factory=dict)  # by village code


def report_evidence(scope: Scope, audit: dict) -> ReportEvidence:
    """The evidence of `audit` (as services/audits/presence_audit returns it); findings by
    (cadre id, post's region code), oldest period first, as the audit counts them."""
    first, last = audit["from"], audit["to"]
    evidence = ReportEvidence(head_hash=head_hash())
    assignment_ids = [row["assignment_id"] for row in audit["rows"]]
    evidence.days = {i: {} for i in assignment_ids}
    for ids in _chunks(assignment_ids):
        for record in db.session.execute(select(
                PresenceDay.assignment_id, PresenceDay.day, PresenceDay.day_status,
                PresenceDay.night_status, PresenceDay.night_lat, PresenceDay.night_lon,
                PresenceDay.night_distance_m).where(
                PresenceDay.assignment_id.in_(ids), PresenceDay.day.between(first, last))):
            evidence.days[record.assignment_id][record.day] = DayRecord(*record[2:])
    cadre_ids = sorted({row["cadre_id"] for row in audit["rows"]})
    for ids in _chunks(cadre_ids):
        for finding in db.session.scalars(select(Finding).where(
                Finding.cadre_id.in_(ids), scope.findings_clause(),
                Finding.period_start <= last, Finding.period_end >= first)):
            evidence.findings.setdefault((finding.cadre_id, finding.region_code),
                                         []).append(finding)
    for found in evidence.findings.values():
        found.sort(key=lambda f: (f.period_start, f.kind, f.id))
    mapped = [f for found in evidence.findings.values() for f in found
              if f.kind in MAPPED_KINDS]
    evidence.fixes = _named_fixes(scope, mapped)
    evidence.boundaries = _boundaries({f.region_code for f in mapped})
    return evidence


def head_hash() -> str:
    """The hash of the finding log's last event (the genesis hash before the first)."""
    head = db.session.get(AuditHead, 1)
    return head.last_hash if head else GENESIS


def _named_fixes(scope: Scope, findings: list[Finding]) -> dict[int, list[Fix]]:
    """Each finding's evidence fixes recorded on dates the scope sees its cadre, in time
    order (a ping named by a finding of another cadre is not drawn)."""
    wanted: dict[int, list[int]] = {}  # ping id -> findings naming it
    for finding in findings:
        for ping_id in finding.evidence.get("ping_ids") or ():
            if isinstance(ping_id, int):
                wanted.setdefault(ping_id, []).append(finding.id)
    owner = {f.id: f.cadre_id for f in findings}
    fixes: dict[int, list[Fix]] = {f.id: [] for f in findings}
    if not wanted:
        return fixes
    visible = scope.instant_clause(Ping.recorded_at, cadre_column=Ping.cadre_id)
    cadres = set(owner.values())  # the key's first column: a partition's index is searched
    for ids in _chunks(sorted(wanted), PING_CHUNK):
        for ping in db.session.execute(select(
                Ping.id, Ping.cadre_id, Ping.lat, Ping.lon, Ping.accuracy, Ping.recorded_at)
                .where(Ping.cadre_id.in_(cadres), Ping.id.in_(ids), visible)):
            for finding_id in wanted[ping.id]:
                if owner[finding_id] == ping.cadre_id:
                    fixes[finding_id].append(Fix(ping.lat, ping.lon, ping.accuracy,
                                                 ping.recorded_at))
    for drawn in fixes.values():
        drawn.sort(key=lambda fix: fix.recorded_at)
    return fixes


def _boundaries(codes: set[str]) -> dict[str, BaseGeometry]:
    shapes = {}
    for chunk in _chunks(sorted(codes)):
        for code, boundary in db.session.execute(select(Region.code, Region.boundary).where(
                Region.code.in_(chunk))):
            shapes[code] = to_shape(boundary)
    return shapes


def _chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]

