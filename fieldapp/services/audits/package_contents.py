"""What an evidence package holds beyond its report, read for any number of findings in a
few queries (ids go in chunks): the findings an audit counts, their events and appeals,
the head of the finding log's hash chain, the fixes their evidence names and the media
items it names (the finding's upload, the earlier one a reused photo matched, an appeal's
attachments) — each only as the reader may see it."""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select, tuple_

from ...domain.dates import local_date
from ...extensions import db
from ...models import Appeal, AuditHead, Finding, FindingEvent, MediaItem, Ping
from ..access.scope import Scope
from ..findings.audit_chain import GENESIS
from ..findings.workflow import evidence_as_seen_by

CHUNK = 500  # ids per IN list: far below SQLite's and PostgreSQL's parameter limits


def _chunks(values: list) -> Iterator[list]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def audit_findings(scope: Scope, audit: dict) -> list[Finding]:
    """The findings `audit` (as presence_audit returns it) counts: the reader's, about a
    cadre at one of the audit's posts, with a period meeting the range; by id."""
    posts = {(row["cadre_id"], row["village_code"]) for row in audit["rows"]}
    found = []
    for ids in _chunks(sorted({cadre for cadre, _ in posts})):
        found.extend(f for f in db.session.scalars(select(Finding).where(
            Finding.cadre_id.in_(ids), scope.findings_clause(),
            Finding.period_start <= audit["to"], Finding.period_end >= audit["from"]))
            if (f.cadre_id, f.region_code) in posts)
    return sorted(found, key=lambda f: f.id)


def events_of(findings: list[Finding]) -> list[FindingEvent]:
    """Every event of `findings`, in chain order."""
    events = []
    for ids in _chunks([f.id for f in findings]):
        events.extend(db.session.scalars(select(FindingEvent).where(
            FindingEvent.flag_id.in_(ids))))
    return sorted(events, key=lambda e: e.id)


def appeals_of(findings: list[Finding]) -> list[Appeal]:
    appeals = []
    for ids in _chunks([f.id for f in findings]):
        appeals.extend(db.session.scalars(select(Appeal).where(Appeal.flag_id.in_(ids))))
    return sorted(appeals, key=lambda a: a.id)


def chain_head() -> dict:
    """The finding log's last link: {"last_event_id", "last_hash"} (0 and the genesis hash
    before the first event)."""
    head = db.session.get(AuditHead, 1)
    return {"last_event_id": head.last_event_id if head else 0,
            "last_hash": head.last_hash if head else GENESIS}


def evidence_fixes(scope: Scope, findings: list[Finding]) -> list[tuple[Ping, list[int]]]:
    """The fixes the findings' evidence names, each with the ids of the findings naming
    it, in time order: those of the finding's own cadre recorded on dates the reader sees
    that cadre."""
    naming: dict[int, list[int]] = {}
    owner = {f.id: f.cadre_id for f in findings}
    for finding in findings:
        for ping_id in finding.evidence.get("ping_ids") or ():
            if isinstance(ping_id, int):
                naming.setdefault(ping_id, []).append(finding.id)
    if not naming:
        return []
    visible = scope.instant_clause(Ping.recorded_at, cadre_column=Ping.cadre_id)
    cadres = set(owner.values())  # the key's first column: a partition's index is searched
    fixes = []
    for ids in _chunks(sorted(naming)):
        for ping in db.session.scalars(select(Ping).where(
                Ping.cadre_id.in_(cadres), Ping.id.in_(ids), visible)):
            flags = [f for f in naming[ping.id] if owner[f] == ping.cadre_id]
            if flags:
                fixes.append((ping, flags))
    return sorted(fixes, key=lambda fix: (fix[0].recorded_at, fix[0].id))


def evidence_media(scope: Scope, findings: list[Finding],
                   appeals: list[Appeal]) -> list[MediaItem]:
    """The media items the findings' evidence (as the reader sees it) and their appeals
    name, by id: those recorded on a date the reader sees their cadre."""
    ids: set[int] = set()
    for finding in findings:
        evidence = evidence_as_seen_by(scope, finding)
        for media_id in (evidence.get("media_id"), (evidence.get("check") or {}).get("media_id")):
            if isinstance(media_id, int):
                ids.add(media_id)
    cadre_of = {f.id: f.cadre_id for f in findings}
    attached = {(cadre_of[a.flag_id], client_id) for a in appeals for client_id in a.media_ids}
    items: dict[int, MediaItem] = {}
    for chunk in _chunks(sorted(ids)):
        items.update((m.id, m) for m in db.session.scalars(select(MediaItem).where(
            MediaItem.id.in_(chunk))))
    for chunk in _chunks(sorted(attached)):
        items.update((m.id, m) for m in db.session.scalars(select(MediaItem).where(
            tuple_(MediaItem.cadre_id, MediaItem.client_id).in_(chunk))))
    scope.load_periods({m.cadre_id for m in items.values()})
    return [m for _, m in sorted(items.items())
            if scope.dates_visible(m.cadre_id, local_date(m.recorded_at, scope.zone))]
