"""The supervision queue: who sees which findings, how they move, and appeals."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from sqlalchemy import and_, select

from ..domain.flags import APPEALABLE, TRANSITIONS, IllegalTransition, next_status
from ..errors import Conflict, Forbidden, NotFound, Unprocessable
from ..extensions import db
from ..models import Appeal, Flag, FlagEvent, MediaItem, Ping, Region, User
from ..models.types import utcnow
from . import audit
from .ping_reads import ping_feature
from .scope import Scope

REVIEWERS = ("inspector", "admin")


def visible_clause(scope: Scope):
    """Cadres see their own findings, discipline users escalated ones in their county,
    inspectors everything in their regions, admins everything."""
    role = scope.user.role
    if role == "cadre":
        return Flag.cadre_id == scope.user.cadre_id
    region = scope.region_clause(Flag.region_code)
    if role == "discipline":
        return and_(region, Flag.status == "escalated")
    return region


def queue_query(scope: Scope, filters: dict):
    """Visible findings, most severe first, then oldest first."""
    query = select(Flag).where(visible_clause(scope))
    for name, column in (("status", Flag.status), ("kind", Flag.kind),
                         ("cadre_id", Flag.cadre_id)):
        if name in filters:
            query = query.where(column == filters[name])
    if "region" in filters:
        query = query.where(Flag.region_code.like(filters["region"] + "%"))
    if "from" in filters:
        query = query.where(Flag.created_at >= filters["from"])
    if "to" in filters:
        query = query.where(Flag.created_at < filters["to"])
    return query.order_by(Flag.severity.desc(), Flag.created_at, Flag.id)


def visible_flag(scope: Scope, flag_id: int) -> Flag:
    flag = db.session.scalar(select(Flag).where(Flag.id == flag_id, visible_clause(scope)))
    if flag is None:
        raise NotFound(f"finding {flag_id} not found")
    return flag


def evidence_map(flag: Flag) -> dict:
    """The post's boundary and the pings the evidence names, as one FeatureCollection."""
    region = db.session.get(Region, flag.region_code)
    features = []
    if region is not None:
        features.append({"type": "Feature", "id": region.code,
                         "geometry": mapping(to_shape(region.boundary)),
                         "properties": {"role": "post", "code": region.code,
                                        "name": region.name}})
    ping_ids = flag.evidence.get("ping_ids", [])
    if ping_ids:
        pings = db.session.scalars(select(Ping).where(Ping.id.in_(ping_ids),
                                                      Ping.cadre_id == flag.cadre_id)
                                   .order_by(Ping.recorded_at))
        features.extend({**ping_feature(p), "properties": {**ping_feature(p)["properties"],
                                                           "role": "evidence"}}
                        for p in pings)
    return {"type": "FeatureCollection", "features": features}


def events_of(flag: Flag) -> list[FlagEvent]:
    return list(db.session.scalars(select(FlagEvent).where(FlagEvent.flag_id == flag.id)
                                   .order_by(FlagEvent.id)))


def appeals_of(flag: Flag) -> list[Appeal]:
    return list(db.session.scalars(select(Appeal).where(Appeal.flag_id == flag.id)
                                   .order_by(Appeal.id)))


def transition(scope: Scope, flag_id: int, action: str, note: str,
               assignee_id: int | None = None) -> Flag:
    """Move a finding along the workflow; 409 when the move is not allowed from here."""
    if scope.user.role not in REVIEWERS:
        raise Forbidden("only inspectors and admins review findings")
    if action not in TRANSITIONS:
        raise Unprocessable(f"unknown action {action}", {"action": ["unknown"]})
    if not (note or "").strip():
        raise Unprocessable("a note is required", {"note": ["required"]})
    flag = _locked(scope, flag_id)
    try:
        to_status = next_status(action, flag.status)
    except IllegalTransition as exc:
        raise Conflict(str(exc)) from exc
    now = utcnow()
    if action == "assign":
        flag.assignee_id = _reviewer(assignee_id, flag) if assignee_id else scope.user.id
    if action == "confirm":
        flag.confirmed_at = now
    if action in ("uphold_appeal", "reject_appeal"):
        appeal = appeals_of(flag)[-1]
        appeal.outcome = to_status
        appeal.decided_by, appeal.decided_at, appeal.decision_note = scope.user.id, now, note
    _move(flag, scope.user, action, to_status, note)
    return flag


def appeal(scope: Scope, flag_id: int, text: str, media_ids: list[str]) -> Flag:
    """The cadre contests a confirmed finding within the appeal window."""
    user = scope.user
    flag = _locked(scope, flag_id)
    if user.role != "cadre" or flag.cadre_id != user.cadre_id:
        raise Forbidden("only the cadre the finding is about can appeal it")
    if flag.status not in APPEALABLE:
        raise Conflict(f"only a confirmed finding can be appealed; this one is {flag.status}")
    window = timedelta(days=current_app.config["APPEAL_DAYS"])
    if flag.confirmed_at is None or utcnow() > flag.confirmed_at + window:
        raise Conflict(f"the {window.days}-day appeal window has closed")
    if not (text or "").strip():
        raise Unprocessable("the appeal needs a text", {"text": ["required"]})
    known = set(db.session.scalars(select(MediaItem.client_id).where(
        MediaItem.cadre_id == user.cadre_id, MediaItem.client_id.in_(media_ids))))
    if missing := [m for m in media_ids if m not in known]:
        raise Unprocessable("media not uploaded by you: " + ", ".join(missing),
                            {"media_ids": [f"unknown: {m}" for m in missing]})
    db.session.add(Appeal(flag_id=flag.id, text=text, media_ids=list(media_ids),
                          submitted_by=user.id))
    _move(flag, user, "appeal", "appealed", text)
    return flag


def _locked(scope: Scope, flag_id: int) -> Flag:
    """The finding, row-locked on PostgreSQL so two reviewers cannot both move it."""
    flag = db.session.scalar(select(Flag).where(Flag.id == flag_id, visible_clause(scope))
                             .with_for_update())
    if flag is None:
        raise NotFound(f"finding {flag_id} not found")
    return flag


def _reviewer(user_id: int, flag: Flag) -> int:
    user = db.session.get(User, user_id)
    if user is None or user.role not in REVIEWERS or not Scope(user).region_visible(
            flag.region_code):
        raise Unprocessable(f"user {user_id} is not a reviewer covering {flag.region_code}",
                            {"assignee_id": ["not a reviewer of this region"]})
    return user.id


def _move(flag: Flag, actor: User, action: str, to_status: str, note: str) -> None:
    event = FlagEvent(flag_id=flag.id, actor_id=actor.id, action=action,
                      from_status=flag.status, to_status=to_status, note=note)
    flag.status, flag.updated_at = to_status, utcnow()
    audit.append([event])
    db.session.commit()
