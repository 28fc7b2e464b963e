"""The supervision queue: who sees which findings, how they move (reviewers review, the
discipline office disposes), and appeals."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, exists, func, literal, or_, select

from ...config import Settings
from ...domain.findings import (
    APPEALABLE,
    DISPOSITIONS,
    REVIEWERS,
    TRANSITIONS,
    IllegalTransition,
    may_make,
    next_status,
)
from ...domain.notes import NOTE_MAX_CHARS, too_long
from ...errors import Conflict, Forbidden, NotFound, Unprocessable
from ...extensions import db
from ...models import (
    Appeal,
    Assignment,
    Finding,
    FindingEvent,
    MediaItem,
    Ping,
    User,
    UserRegion,
)
from ...models.types import utcnow
from ..access.scope import Scope
from ..geodata.regions import post_feature
from ..ingest.ping_queries import ping_feature
from ..rows import in_region, in_time_range, where_equal
from . import audit_chain


def queue_query(scope: Scope, filters: dict):
    """Visible findings, most severe first, then oldest first. Filters: status, kind,
    cadre_id, assignee_id, region (a code prefix), from/to (raised in [from, to)), period
    ((first, last) dates the finding's period overlaps)."""
    return _filtered(select(Finding), scope, filters).order_by(
        Finding.severity.desc(), Finding.created_at, Finding.id)


def status_counts(scope: Scope, filters: dict) -> dict[str, int]:
    """How many visible findings each status holds, under every filter but status."""
    others = {k: v for k, v in filters.items() if k != "status"}
    counted = _filtered(select(Finding.status, func.count()), scope, others)
    return dict(db.session.execute(counted.group_by(Finding.status)).all())


def _filtered(query, scope: Scope, filters: dict):
    query = where_equal(query.where(scope.findings_clause()), filters, {
        "status": Finding.status, "kind": Finding.kind, "cadre_id": Finding.cadre_id,
        "assignee_id": Finding.assignee_id})
    query = in_region(query, filters, Finding.region_code)
    query = in_time_range(query, Finding.created_at, filters)
    if "period" in filters:
        first, last = filters["period"]
        query = query.where(Finding.period_start <= last, Finding.period_end >= first)
    return query


def visible_finding(scope: Scope, flag_id: int) -> Finding:
    finding = db.session.scalar(select(Finding).where(Finding.id == flag_id,
                                                      scope.findings_clause()))
    if finding is None:
        raise NotFound(f"finding {flag_id} not found")
    return finding


def dossier(scope: Scope, flag_id: int) -> tuple[Finding, dict]:
    """A visible finding, and everything shown about it: its evidence, a map of it, its
    history and its appeals."""
    finding = visible_finding(scope, flag_id)
    return finding, {"evidence": evidence_as_seen_by(scope, finding),
                     "map": evidence_map(finding, scope),
                     "events": events_of(finding), "appeals": appeals_of(finding)}


def evidence_as_seen_by(scope: Scope, finding: Finding) -> dict:
    """The evidence; which earlier upload a reused photo matched, and whose it was, is for
    reviewers only (it may be another cadre's)."""
    check = finding.evidence.get("check")
    if scope.user.role != "cadre" or finding.kind != "photo_reused" or not check:
        return finding.evidence
    return {**finding.evidence, "check": {"failed": bool(check.get("failed"))}}


def evidence_map(finding: Finding, scope: Scope) -> dict:
    """The post's boundary and the pings the evidence names (those recorded on dates the
    scope sees the cadre on), as one FeatureCollection."""
    post = post_feature(finding.region_code)
    features = [post] if post else []
    ping_ids = finding.evidence.get("ping_ids", [])
    if ping_ids:
        pings = db.session.scalars(select(Ping).where(
            Ping.id.in_(ping_ids), Ping.cadre_id == finding.cadre_id,
            scope.instant_clause(Ping.recorded_at, finding.cadre_id))
                                   .order_by(Ping.recorded_at))
        for ping in pings:
            feature = ping_feature(ping)
            feature["properties"]["role"] = "evidence"
            features.append(feature)
    return {"type": "FeatureCollection", "features": features}


def events_of(finding: Finding) -> list[FindingEvent]:
    return list(db.session.scalars(select(FindingEvent).where(FindingEvent.flag_id == finding.id)
                                   .order_by(FindingEvent.id)))


def appeals_of(finding: Finding) -> list[Appeal]:
    return list(db.session.scalars(select(Appeal).where(Appeal.flag_id == finding.id)
                                   .order_by(Appeal.id)))


def transition(scope: Scope, flag_id: int, action: str, note: str,
               assignee_id: int | None = None, disposition: str | None = None) -> Finding:
    """Move a finding along the workflow: reviewers (inspectors, admins) make every move
    but `dispose`, which the discipline office (and admins) make, with a `disposition`.
    403 for a move not the user's to make, 409 when the finding's status does not allow it."""
    if action not in TRANSITIONS:
        raise Unprocessable(f"unknown action {action}", {"action": ["unknown"]})
    if not may_make(scope.user.role, action):
        raise Forbidden("only the discipline office and admins dispose of findings"
                        if action == "dispose" else
                        "only inspectors and admins review findings; the discipline office "
                        "disposes of escalated ones")
    if not (note or "").strip():
        raise Unprocessable("a note is required", {"note": ["required"]})
    if too_long(note):
        raise Unprocessable(f"a note is at most {NOTE_MAX_CHARS} characters",
                            {"note": ["too long"]})
    _check_disposition(action, disposition)
    finding = _locked(scope, flag_id)
    try:
        to_status = next_status(action, finding.status)
    except IllegalTransition as exc:
        raise Conflict(str(exc)) from exc
    now = utcnow()
    if action == "assign":
        finding.assignee_id = (_reviewer(assignee_id, finding) if assignee_id
                               else scope.user.id)
    if action == "confirm":
        finding.confirmed_at = now
    if action == "dispose":
        finding.disposition = disposition
    if action in ("uphold_appeal", "reject_appeal"):
        appeal = appeals_of(finding)[-1]
        appeal.outcome = to_status
        appeal.decided_by, appeal.decided_at, appeal.decision_note = scope.user.id, now, note
    _move(finding, scope.user, action, to_status, note)
    return finding


def _check_disposition(action: str, disposition: str | None) -> None:
    """A disposition comes with `dispose`, one of DISPOSITIONS, and with no other move."""
    if action != "dispose":
        if disposition is not None:
            raise Unprocessable("a disposition is given only with dispose",
                                {"disposition": ["only with dispose"]})
        return
    if disposition is None:
        raise Unprocessable("dispose needs a disposition", {"disposition": ["required"]})
    if disposition not in DISPOSITIONS:
        raise Unprocessable(f"unknown disposition {disposition}",
                            {"disposition": [f"one of {', '.join(DISPOSITIONS)}"]})


def latest_move_query(scope: Scope, status: str, action: str):
    """Visible findings in `status`, the one whose latest `action` event (the move that put
    it there) is the newest first; any without such an event last, newest finding first."""
    latest = (select(func.max(FindingEvent.id))
              .where(FindingEvent.flag_id == Finding.id, FindingEvent.action == action)
              .scalar_subquery())
    return (select(Finding).where(scope.findings_clause(), Finding.status == status)
            .order_by(latest.desc().nulls_last(), Finding.id.desc()))


def latest_moves(findings: list[Finding], action: str) -> dict[int, FindingEvent]:
    """The latest `action` event of each of `findings`, by finding id; one query."""
    ids = [finding.id for finding in findings]
    if not ids:
        return {}
    latest = (select(func.max(FindingEvent.id)).where(FindingEvent.flag_id.in_(ids),
                                                      FindingEvent.action == action)
              .group_by(FindingEvent.flag_id))
    events = db.session.scalars(select(FindingEvent).where(FindingEvent.id.in_(latest)))
    return {event.flag_id: event for event in events}


def appeal(settings: Settings, scope: Scope, flag_id: int, text: str,
           media_ids: list[str]) -> Finding:
    """The cadre contests a confirmed finding within the appeal window."""
    user = scope.user
    finding = _locked(scope, flag_id)
    if user.role != "cadre" or finding.cadre_id != user.cadre_id:
        raise Forbidden("only the cadre the finding is about can appeal it")
    if finding.status not in APPEALABLE:
        raise Conflict(f"only a confirmed finding can be appealed; this one is {finding.status}")
    window = timedelta(days=settings.appeal_days)
    if finding.confirmed_at is None or utcnow() > finding.confirmed_at + window:
        raise Conflict(f"the {window.days}-day appeal window has closed")
    if not (text or "").strip():
        raise Unprocessable("the appeal needs a text", {"text": ["required"]})
    known = set(db.session.scalars(select(MediaItem.client_id).where(
        MediaItem.cadre_id == user.cadre_id, MediaItem.client_id.in_(media_ids))))
    if missing := [m for m in media_ids if m not in known]:
        raise Unprocessable("media not uploaded by you: " + ", ".join(missing),
                            {"media_ids": [f"unknown: {m}" for m in missing]})
    db.session.add(Appeal(flag_id=finding.id, text=text, media_ids=list(media_ids),
                          submitted_by=user.id))
    _move(finding, user, "appeal", "appealed", text)
    return finding


def _locked(scope: Scope, flag_id: int) -> Finding:
    """The finding, row-locked on PostgreSQL so two reviewers cannot both move it."""
    finding = db.session.scalar(select(Finding).where(Finding.id == flag_id,
                                                      scope.findings_clause())
                             .with_for_update())
    if finding is None:
        raise NotFound(f"finding {flag_id} not found")
    return finding


def reviewers_near(scope: Scope):
    """Active reviewers who share a region with the scope (all of them for an admin), by
    username: whom a queue may be filtered by."""
    query = select(User).where(User.role.in_(REVIEWERS), User.active.is_(True))
    if not scope.everything:
        sharing = select(UserRegion.user_id).where(scope.region_clause(UserRegion.region_code))
        query = query.where(User.id.in_(sharing) | (User.id == scope.user.id))
    return query.order_by(User.username)


def reviewers_covering(finding: Finding):
    """Active reviewers who may take the finding, by username: admins, and inspectors with
    a region that holds the finding's (or lies inside it) and a region the finding's cadre
    was posted in during its period — what a Scope of theirs would let them see."""
    code = finding.region_code
    near = select(UserRegion.user_id).where(or_(
        literal(code).like(UserRegion.region_code + "%"), UserRegion.region_code.like(code + "%")))
    covering = User.id.in_(near)
    if finding.period_start is not None:
        posted = select(UserRegion.user_id).where(exists().where(
            Assignment.cadre_id == finding.cadre_id,
            Assignment.region_code.like(UserRegion.region_code + "%"),
            Assignment.starts_on <= finding.period_end,
            or_(Assignment.ends_on.is_(None), Assignment.ends_on >= finding.period_start)))
        covering = and_(covering, User.id.in_(posted))
    return select(User).where(User.role.in_(REVIEWERS), User.active.is_(True),
                              or_(User.role == "admin", covering)).order_by(User.username)


def _reviewer(user_id: int, finding: Finding) -> int:
    """`user_id`, if a reviewer who may take the finding (`reviewers_covering`)."""
    user = db.session.scalar(reviewers_covering(finding).where(User.id == user_id))
    if user is None:
        raise Unprocessable(f"user {user_id} is not a reviewer covering {finding.region_code}",
                            {"assignee_id": ["not a reviewer of this region"]})
    return user.id


def _move(finding: Finding, actor: User, action: str, to_status: str, note: str) -> None:
    event = FindingEvent(flag_id=finding.id, actor_id=actor.id, action=action,
                      from_status=finding.status, to_status=to_status, note=note)
    finding.status, finding.updated_at = to_status, utcnow()
    audit_chain.append([event])
    db.session.commit()
