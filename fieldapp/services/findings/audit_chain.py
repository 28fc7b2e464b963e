"""The append-only, hash-chained log of finding changes, and its verification.

Each event's hash covers its own fields and the previous event's hash, so altering or
deleting any row breaks the chain from there on. The one-row `audit_head` names the last
link; it is locked while appending (two writers never fork the chain) and compared by
`verify`, so cutting off the newest rows shows too.

Since version 2 of the event format (migration 0007) an event also records, and hashes,
what its finding asserts as of that event: kind, subject (cadre, region), period, status,
summary and a SHA-256 of its evidence. `verify` then checks every finding against its
latest event, so a finding edited outside fieldapp shows even though no event was touched.
Version 1 events (written before 0007) keep their old hash; 0007 appended a version 2
"attest" event for every finding that existed then, so every finding has a recorded state.
Version 3 (migration 0008) records and hashes the finding's `disposition` too; a finding
whose latest event is of version 2 has none (no disposition existed before 0008).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ...db.engines import insert_for
from ...extensions import db
from ...models import AuditHead, Finding, FindingEvent
from ...models.types import utcnow

GENESIS = "0" * 64
VERSION = 3  # the event format append writes; 1: before migration 0007; 2: before 0008
SNAPSHOT = ("kind", "cadre_id", "region_code", "period_start", "period_end", "summary")
# What version 3 adds to the snapshot of version 2.
SNAPSHOT_V3 = ("disposition",)


def evidence_digest(evidence) -> str:
    """SHA-256 of the evidence as canonical JSON (keys sorted), so it survives the
    round trip through either database's JSON column."""
    canonical = json.dumps(evidence, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _iso(value):
    return None if value is None else value.isoformat()


def event_hash(event: FindingEvent) -> str:
    fields = {"flag_id": event.flag_id, "at": event.at.isoformat(), "actor_id": event.actor_id,
              "action": event.action, "from": event.from_status, "to": event.to_status,
              "note": event.note, "prev": event.prev_hash}
    if (event.version or 1) >= 2:
        fields.update({"version": event.version, "kind": event.kind,
                       "cadre_id": event.cadre_id, "region_code": event.region_code,
                       "period_start": _iso(event.period_start),
                       "period_end": _iso(event.period_end), "summary": event.summary,
                       "evidence_sha256": event.evidence_sha256})
    if (event.version or 1) >= 3:
        fields.update({name: getattr(event, name) for name in SNAPSHOT_V3})
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _locked_head() -> AuditHead:
    genesis = insert_for(db.engine, AuditHead).values(id=1, last_event_id=0, last_hash=GENESIS)
    db.session.execute(genesis.on_conflict_do_nothing(index_elements=["id"]))
    return db.session.scalars(select(AuditHead).where(AuditHead.id == 1)
                              .with_for_update()).one()


def _snapshot(event: FindingEvent) -> None:
    """Copy what the event's finding asserts now (after the change) onto the event."""
    finding = db.session.get(Finding, event.flag_id)
    if finding.status != event.to_status:
        raise RuntimeError(f"event for finding {finding.id} says {event.to_status} but the "
                           f"finding is {finding.status}: change the finding before appending")
    event.version = VERSION
    for name in (*SNAPSHOT, *SNAPSHOT_V3):
        setattr(event, name, getattr(finding, name))
    event.evidence_sha256 = evidence_digest(finding.evidence)


def append(events: list[FindingEvent]) -> None:
    """Chain `events` (flag_id, actor_id, action, from/to status, note set) onto the log,
    each with a snapshot of its finding as it stands now: make the change first.
    Runs inside the caller's transaction; the caller commits."""
    if not events:
        return
    db.session.flush()
    head = _locked_head()
    now = utcnow()
    previous = head.last_hash
    for event in events:
        _snapshot(event)
        event.at, event.prev_hash = now, previous
        event.hash = previous = event_hash(event)
    db.session.add_all(events)
    db.session.flush()
    head.last_event_id, head.last_hash = events[-1].id, previous


@dataclass
class Verification:
    checked: int
    broken_at: int | None = None
    reason: str = ""
    findings_checked: int = 0
    flag_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None and self.flag_id is None


def verify(batch: int = 5000) -> Verification:
    """Walk the chain in order and report the first event whose link does not hold; then
    check every finding against its latest event and report the first (in event order)
    that no longer matches, or a finding that has no event at all."""
    previous, checked, last_id = GENESIS, 0, 0
    query = select(FindingEvent).order_by(FindingEvent.id).execution_options(yield_per=batch)
    for event in db.session.scalars(query):
        if event.prev_hash != previous:
            return Verification(checked, event.id, "its previous-hash does not match the "
                                "event before it: a row before it was altered or removed")
        if event_hash(event) != event.hash:
            return Verification(checked, event.id, "its content does not match its hash: "
                                "the row was altered")
        previous, last_id, checked = event.hash, event.id, checked + 1
    head = db.session.get(AuditHead, 1)
    recorded = (head.last_event_id, head.last_hash) if head else (0, GENESIS)
    if recorded != (last_id, previous):
        return Verification(checked, recorded[0] or last_id,
                            "the chain ends before its recorded head: newest rows were removed")
    return _verify_findings(checked, batch)


def _verify_findings(checked: int, batch: int) -> Verification:
    latest = (select(FindingEvent.flag_id, func.max(FindingEvent.id).label("event_id"))
              .group_by(FindingEvent.flag_id).subquery())
    query = (select(Finding, FindingEvent)
             .join(latest, latest.c.flag_id == Finding.id)
             .join(FindingEvent, FindingEvent.id == latest.c.event_id)
             .order_by(FindingEvent.id).execution_options(yield_per=batch))
    findings = 0
    for finding, event in db.session.execute(query):
        differ = _differences(finding, event)
        if differ:
            return Verification(checked, event.id, f"finding {finding.id} no longer matches "
                                f"this, its latest event ({', '.join(differ)} differ): the "
                                "finding was altered outside fieldapp", findings, finding.id)
        findings += 1
    orphan = db.session.scalar(select(func.min(Finding.id)).where(
        ~select(FindingEvent.id).where(FindingEvent.flag_id == Finding.id).exists()))
    if orphan is not None:
        return Verification(checked, None, f"finding {orphan} has no event in the chain: it "
                            "was inserted outside fieldapp", findings, orphan)
    return Verification(checked, findings_checked=findings)


def _differences(finding: Finding, event: FindingEvent) -> list[str]:
    if (event.version or 1) < 2:
        return ["everything (its latest event records no state)"]
    differ = [name for name in SNAPSHOT if getattr(finding, name) != getattr(event, name)]
    for name in SNAPSHOT_V3:  # what a version 2 event did not record was not there yet
        if getattr(finding, name) != (getattr(event, name) if event.version >= 3 else None):
            differ.append(name)
    if finding.status != event.to_status:
        differ.append("status")
    if evidence_digest(finding.evidence) != event.evidence_sha256:
        differ.append("evidence")
    return differ


def verify_finding(finding: Finding) -> dict:
    """The chain as it concerns one finding: each of its events' content against its hash,
    its link to the event just before it in the whole chain (by id) and the link of the
    event just after it (or the recorded head) back to it, and the finding's current state
    against its latest event. {"ok", "checked": events checked, "problems": [{"event_id",
    "problem": "content" | "previous_link" | "next_link" | "state" | "no_events",
    "fields": what differs (state only)}]}, problems in event order."""
    before, after = aliased(FindingEvent), aliased(FindingEvent)
    previous_hash = (select(before.hash).where(before.id < FindingEvent.id)
                     .order_by(before.id.desc()).limit(1).scalar_subquery())
    next_prev_hash = (select(after.prev_hash).where(after.id > FindingEvent.id)
                      .order_by(after.id).limit(1).scalar_subquery())
    rows = db.session.execute(select(FindingEvent, previous_hash, next_prev_hash)
                              .where(FindingEvent.flag_id == finding.id)
                              .order_by(FindingEvent.id)).all()
    if not rows:
        return {"ok": False, "checked": 0,
                "problems": [{"event_id": None, "problem": "no_events", "fields": []}]}
    head = db.session.get(AuditHead, 1)
    problems = []

    def problem(event_id, name, fields=()):
        problems.append({"event_id": event_id, "problem": name, "fields": list(fields)})

    for event, previous, next_prev in rows:
        if event_hash(event) != event.hash:
            problem(event.id, "content")
        if event.prev_hash != (previous or GENESIS):
            problem(event.id, "previous_link")
        newest = next_prev is None
        if (newest and (head is None or (head.last_event_id, head.last_hash)
                        != (event.id, event.hash))) or (not newest and next_prev != event.hash):
            problem(event.id, "next_link")
    if differ := _differences(finding, rows[-1][0]):
        problem(rows[-1][0].id, "state", differ)
    return {"ok": not problems, "checked": len(rows), "problems": problems}
