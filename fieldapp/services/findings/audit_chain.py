"""The append-only, hash-chained log of finding changes, and its verification.

Each event's hash covers its own fields and the previous event's hash, so altering or
deleting any row breaks the chain from there on. The one-row `audit_head` names the last
link; it is locked while appending (two writers never fork the chain) and compared by
`verify`, so cutting off the newest rows shows too.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select

from ...db.engines import insert_for
from ...extensions import db
from ...models import AuditHead, FindingEvent
from ...models.types import utcnow

GENESIS = "0" * 64


def event_hash(event: FindingEvent) -> str:
    fields = {"flag_id": event.flag_id, "at": event.at.isoformat(), "actor_id": event.actor_id,
              "action": event.action, "from": event.from_status, "to": event.to_status,
              "note": event.note, "prev": event.prev_hash}
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _locked_head() -> AuditHead:
    genesis = insert_for(db.engine, AuditHead).values(id=1, last_event_id=0, last_hash=GENESIS)
    db.session.execute(genesis.on_conflict_do_nothing(index_elements=["id"]))
    return db.session.scalars(select(AuditHead).where(AuditHead.id == 1)
                              .with_for_update()).one()


def append(events: list[FindingEvent]) -> None:
    """Chain `events` (flag_id, actor_id, action, from/to status, note set) onto the log.
    Runs inside the caller's transaction; the caller commits."""
    if not events:
        return
    db.session.flush()
    head = _locked_head()
    now = utcnow()
    previous = head.last_hash
    for event in events:
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

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(batch: int = 5000) -> Verification:
    """Walk the chain in order; report the first event whose link does not hold."""
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
    return Verification(checked)
