"""Recording a spot-check visit and reading visits.

A visit is made where the inspector's own fix says: it is fence-tested against the village
with the pings' accuracy-aware fence (domain/fence.py, the village fences of
services/geodata/fences.py), and anything but `inside` is refused, so an inspector who was
not there cannot record a visit as made there. Each outcome names a cadre posted at the
village on the visit's local date. In the visit's one transaction:

- `absent` with no approved leave covering that date raises an `absent_at_spot_check`
  finding, keyed by visit and cadre, with the visit as its evidence and its first event
  chained by services/findings/audit_chain.py (the inspector as actor);
- `present` stores a fix of the cadre at the visit's position and time (client id
  `spot-check:<visit id>:<random>`, provider `spot_check`, no device; in WGS-84 with the
  visit's fence verdict, the village being the cadre's post that day), so the next
  evaluation of that day counts it like any fix from the cadre. It is made with the
  visit's one outcome for the cadre, so once per visit and cadre; the random part keeps a
  phone from taking the id first (a phone names its own pings' ids).

The inspector gives the visit an `id` of their own, as a phone does a ping: sending the
same id again answers the visit stored the first time and stores nothing.
"""
from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ...config import Settings
from ...domain.coords import CRS_NAMES, to_wgs84
from ...domain.dates import local_date
from ...domain.draw import township_of
from ...domain.fence import INSIDE, classify
from ...domain.findings import SEVERITY
from ...domain.notes import NOTE_MAX_CHARS, too_long
from ...domain.pings import OPTIONAL_NUMBERS
from ...errors import Conflict, NotFound, Unprocessable
from ...extensions import db
from ...models import (
    Assignment,
    Cadre,
    Finding,
    FindingEvent,
    Leave,
    MediaItem,
    Ping,
    Region,
    SpotCheckOutcome,
    SpotCheckVisit,
)
from ...models.types import utcnow
from ..access.scope import Scope
from ..findings import audit_chain
from ..geodata.fences import fences_for
from ..ingest.pings import within_backfill
from ..people.names import cadre_cards, region_names, usernames
from .access import PLANNERS, covers, require_planner, require_reader
from .plans import readable_plan

KIND = "absent_at_spot_check"
RAISED_NOTE = "raised by a spot-check visit"  # i18n.SYSTEM_NOTES has it in the reader's words
PROVIDER = "spot_check"
OUTCOMES_MAX = 50
ACCURACY_RANGE = OPTIONAL_NUMBERS["accuracy"]  # metres, as a ping's
MEDIA_MAX = 20


@dataclass(frozen=True)
class Fix:
    """The inspector's position as sent, and in WGS-84."""

    lat: float
    lon: float
    accuracy: float
    crs: str = "wgs84"

    def check(self) -> None:
        """422 for a position or accuracy no fix can have."""
        bounds = {"lat": (-90.0, 90.0), "lon": (-180.0, 180.0), "accuracy": ACCURACY_RANGE}
        for name, (low, high) in bounds.items():
            value = getattr(self, name)
            if not (isinstance(value, float | int) and math.isfinite(value)
                    and low <= value <= high):
                raise Unprocessable(f"{name} must be a number in [{low:g}, {high:g}]",
                                    {name: ["out of range"]})
        if self.crs not in CRS_NAMES:
            raise Unprocessable(f"crs is one of {', '.join(CRS_NAMES)}", {"crs": ["unknown"]})

    def wgs84(self) -> tuple[float, float]:
        lat, lon = to_wgs84(np.array([self.lat]), np.array([self.lon]), self.crs)
        return float(lat[0]), float(lon[0])


def ping_client_id(visit_id: int) -> str:
    return f"spot-check:{visit_id}:{secrets.token_hex(8)}"


def record_visit(settings: Settings, scope: Scope, client_id: str, village_code: str,
                 visited_at: datetime, fix: Fix, outcomes: list[dict],
                 plan_id: int | None = None, media_ids: list[int] | None = None
                 ) -> tuple[SpotCheckVisit, bool]:
    """Store the visit with its outcomes and what they raise; (visit, True). A client id the
    inspector used before answers (that visit, False), or 409 if it named another village
    or time."""
    require_reader(scope)
    stored = _stored(scope, client_id, village_code, visited_at)
    if stored is not None:
        return stored, False
    village = db.session.get(Region, village_code)
    if village is None or village.level != "village" or not covers(scope, village_code):
        raise NotFound(f"village {village_code} not found in your regions")
    require_planner(scope, village_code, "record visits there")
    within_backfill(settings.ingest, visited_at, "visited_at")
    day = local_date(visited_at, settings.zone)
    if plan_id is not None:
        _check_plan(scope, plan_id, village_code, day)
    cadres = _checked_outcomes(outcomes, village_code, day)
    media_ids = _checked_media(media_ids or [], set(cadres))
    fix.check()
    lat, lon = fix.wgs84()
    verdict, distance = _fence_test(settings, village_code, lat, lon, fix.accuracy)
    visit = SpotCheckVisit(client_id=client_id, inspector_id=scope.user.id, plan_id=plan_id,
                           village_code=village_code, visited_at=visited_at, received_at=utcnow(),
                           lat=lat, lon=lon, orig_lat=fix.lat, orig_lon=fix.lon, crs=fix.crs,
                           accuracy=fix.accuracy, fence=verdict, distance_m=distance,
                           media_ids=media_ids)
    try:
        _store(scope, visit, cadres, day)
    except IntegrityError:  # the same client id, sent twice at once: the other one stored it
        db.session.rollback()
        stored = _stored(scope, client_id, village_code, visited_at)
        if stored is None:
            raise
        return stored, False
    return visit, True


def _store(scope: Scope, visit: SpotCheckVisit, cadres: dict[int, dict], day: date) -> None:
    """The visit, its outcomes, the findings and fixes they make, and the findings' first
    events, in one transaction."""
    db.session.add(visit)
    db.session.flush()
    excused = _on_approved_leave(list(cadres), day)
    raised = []
    for cadre_id, given in cadres.items():
        outcome = SpotCheckOutcome(visit_id=visit.id, cadre_id=cadre_id,
                                   outcome=given["outcome"], note=given.get("note"))
        if given["outcome"] == "absent" and cadre_id not in excused:
            finding = _absence_finding(scope, visit, cadre_id, day, given.get("note"))
            db.session.flush()
            outcome.finding_id = finding.id
            raised.append(finding)
        elif given["outcome"] == "present":
            db.session.add(_presence_fix(visit, cadre_id))
        db.session.add(outcome)
    audit_chain.append([FindingEvent(flag_id=f.id, actor_id=scope.user.id, action="raise",
                                     from_status=None, to_status="open", note=RAISED_NOTE)
                        for f in raised])
    db.session.commit()


def _stored(scope: Scope, client_id: str, village_code: str, visited_at: datetime
            ) -> SpotCheckVisit | None:
    visit = db.session.scalar(select(SpotCheckVisit).where(
        SpotCheckVisit.inspector_id == scope.user.id, SpotCheckVisit.client_id == client_id))
    if visit is not None and (visit.village_code, visit.visited_at) != (village_code,
                                                                       visited_at):
        raise Conflict(f"your visit id {client_id!r} names visit {visit.id} already (village "
                       f"{visit.village_code} at {visit.visited_at.isoformat()}); give a new "
                       "visit a new id", {"id": ["used for another visit"]})
    return visit


def _check_plan(scope: Scope, plan_id: int, village_code: str, day: date) -> None:
    plan = readable_plan(scope, plan_id)
    if plan.sample is None:
        raise Unprocessable(f"plan {plan.id} is not drawn yet: it has no sample to visit",
                            {"plan_id": ["not drawn"]})
    if village_code not in {entry["village_code"] for entry in plan.sample}:
        raise Unprocessable(f"village {village_code} is not in the sample of plan {plan.id}",
                            {"plan_id": ["village not sampled"]})
    if not plan.first_day <= day <= plan.last_day:
        raise Unprocessable(f"the visit's date {day} is outside {plan.quarter}, the quarter "
                            f"of plan {plan.id}", {"visited_at": ["outside the quarter"]})


def _checked_outcomes(outcomes: list[dict], village_code: str, day: date
                      ) -> dict[int, dict]:
    if not 1 <= len(outcomes) <= OUTCOMES_MAX:
        raise Unprocessable(f"a visit records 1 to {OUTCOMES_MAX} outcomes, one per cadre",
                            {"outcomes": ["1 to 50 outcomes"]})
    by_cadre: dict[int, dict] = {}
    for position, given in enumerate(outcomes):
        cadre_id = given["cadre_id"]
        if cadre_id in by_cadre:
            raise Unprocessable(f"cadre {cadre_id} has two outcomes; a visit records one per "
                                "cadre", {"outcomes": {str(position): ["cadre given twice"]}})
        if too_long(given.get("note")):
            raise Unprocessable(f"a note is at most {NOTE_MAX_CHARS} characters",
                                {"outcomes": {str(position): ["note too long"]}})
        by_cadre[cadre_id] = given
    posted = set(db.session.scalars(select(Assignment.cadre_id).where(
        Assignment.cadre_id.in_(by_cadre), Assignment.region_code == village_code,
        Assignment.starts_on <= day,
        or_(Assignment.ends_on.is_(None), Assignment.ends_on >= day))))
    for position, cadre_id in enumerate(by_cadre):
        if cadre_id not in posted:
            raise Unprocessable(f"cadre {cadre_id} is not posted at village {village_code} on "
                                f"{day}: a visit records the cadres posted where it is made",
                                {"outcomes": {str(position): ["not posted there"]}})
    return by_cadre


def _checked_media(media_ids: list[int], cadres: set[int]) -> list[int]:
    if len(media_ids) > MEDIA_MAX or len(set(media_ids)) != len(media_ids):
        raise Unprocessable(f"at most {MEDIA_MAX} media items, each once",
                            {"media_ids": ["too many, or repeated"]})
    found = dict(db.session.execute(select(MediaItem.id, MediaItem.cadre_id).where(
        MediaItem.id.in_(media_ids))).all()) if media_ids else {}
    for media_id in media_ids:
        if found.get(media_id) not in cadres:
            raise Unprocessable(f"media item {media_id} is not an upload of a cadre this "
                                "visit records", {"media_ids": [f"{media_id} not found"]})
    return media_ids


def _fence_test(settings: Settings, village_code: str, lat: float, lon: float,
                accuracy: float) -> tuple[str, float]:
    fence = fences_for({village_code})[village_code]
    distance = float(fence.distances_m(np.array([lat]), np.array([lon]))[0])
    verdict = str(classify(np.array([distance]), np.array([accuracy]), settings.fence)[0])
    if verdict != INSIDE:
        raise Unprocessable(
            f"the visit's own fix is {verdict} village {village_code} ({distance:.0f} m from "
            f"it, accuracy {accuracy:g} m): an inspector who was not there cannot record a "
            "visit as made there", {"verdict": [verdict], "distance_m": [f"{distance:.1f}"]})
    return verdict, round(distance, 1)


def _on_approved_leave(cadre_ids: list[int], day: date) -> set[int]:
    return set(db.session.scalars(select(Leave.cadre_id).where(
        Leave.cadre_id.in_(cadre_ids), Leave.status == "approved", Leave.starts_on <= day,
        Leave.ends_on >= day)))


def _absence_finding(scope: Scope, visit: SpotCheckVisit, cadre_id: int, day: date,
                     note: str | None) -> Finding:
    evidence = {"visit_id": visit.id, "visited_at": visit.visited_at.isoformat(),
                "village_code": visit.village_code, "lat": visit.lat, "lon": visit.lon,
                "accuracy": visit.accuracy, "distance_m": visit.distance_m,
                "inspector_id": scope.user.id, "inspector": scope.user.username,
                "plan_id": visit.plan_id, "note": note}
    finding = Finding(key=f"{KIND}:visit:{visit.id}:cadre:{cadre_id}", cadre_id=cadre_id,
                      region_code=visit.village_code, kind=KIND, severity=SEVERITY[KIND],
                      status="open", period_start=day, period_end=day,
                      summary="not in the village when a supervision group visited",
                      evidence=evidence, created_at=visit.received_at,
                      updated_at=visit.received_at)
    db.session.add(finding)
    return finding


def _presence_fix(visit: SpotCheckVisit, cadre_id: int) -> Ping:
    """The cadre's fix at the visit. Received when it was taken: it was taken in person,
    not sent late by the cadre's phone, so it is no late upload (the visit keeps when it
    reached the server)."""
    return Ping(cadre_id=cadre_id, device_id=None, client_id=ping_client_id(visit.id),
                recorded_at=visit.visited_at, received_at=visit.visited_at, lat=visit.lat,
                lon=visit.lon,
                geom=from_shape(Point(visit.lon, visit.lat), srid=4326),
                orig_lat=visit.orig_lat, orig_lon=visit.orig_lon, crs=visit.crs,
                accuracy=visit.accuracy, provider=PROVIDER, village_code=visit.village_code,
                fence=visit.fence, distance_m=visit.distance_m)


def visits_query(scope: Scope, filters: dict):
    """The visits to villages in the reader's regions, latest first; filters plan_id and
    village_code (a plan the reader may not read is 404)."""
    require_reader(scope)
    query = select(SpotCheckVisit).where(scope.region_clause(SpotCheckVisit.village_code))
    if "plan_id" in filters:
        readable_plan(scope, filters["plan_id"])
        query = query.where(SpotCheckVisit.plan_id == filters["plan_id"])
    if "village_code" in filters:
        query = query.where(SpotCheckVisit.village_code == filters["village_code"])
    return query.order_by(SpotCheckVisit.visited_at.desc(), SpotCheckVisit.id.desc())


def visit_rows(scope: Scope, visits: list[SpotCheckVisit], zone: ZoneInfo) -> list[dict]:
    """The visits as answers, with the names beside their ids; each outcome of a cadre the
    reader may see on that date (a cadre posted at a village of the reader's regions that
    day always is), naming the finding it raised only to a reader who may see that finding."""
    scope.load_periods(o.cadre_id for v in visits for o in v.outcomes)
    cards = cadre_cards(o.cadre_id for v in visits for o in v.outcomes)
    places = region_names(v.village_code for v in visits)
    inspectors = usernames(v.inspector_id for v in visits)
    raised = [o.finding_id for v in visits for o in v.outcomes if o.finding_id]
    seen = set(db.session.scalars(select(Finding.id).where(
        Finding.id.in_(raised), scope.findings_clause()))) if raised else set()
    rows = []
    for visit in visits:
        day = local_date(visit.visited_at, zone)
        row = {name: getattr(visit, name) for name in (
            "id", "client_id", "inspector_id", "plan_id", "village_code", "visited_at",
            "received_at", "lat", "lon", "orig_lat", "orig_lon", "crs", "accuracy", "fence",
            "distance_m", "media_ids")}
        row.update(inspector_name=inspectors.get(visit.inspector_id),
                   village_name=places.get(visit.village_code),
                   township_code=township_of(visit.village_code),
                   township_name=places.get(township_of(visit.village_code)))
        row["outcomes"] = [{"cadre_id": o.cadre_id, "outcome": o.outcome, "note": o.note,
                            "finding_id": o.finding_id if o.finding_id in seen else None,
                            "cadre_name": cards.get(o.cadre_id, {}).get("cadre_name")}
                           for o in visit.outcomes if scope.dates_visible(o.cadre_id, day)]
        rows.append(row)
    return rows


def posted_cadres(scope: Scope, codes: list[str], day: date) -> dict[str, list[dict]]:
    """The cadres posted on `day` at each of the villages among `codes` that the reader may
    record visits at, with their names: the outcomes a visit form asks for."""
    codes = [code for code in codes if covers(scope, code)]
    if scope.user.role not in PLANNERS or not codes:
        return {}
    rows = db.session.execute(select(Assignment.region_code, Cadre.id, Cadre.name, Cadre.role)
                              .join(Cadre, Cadre.id == Assignment.cadre_id).where(
        Assignment.region_code.in_(codes), Assignment.starts_on <= day,
        or_(Assignment.ends_on.is_(None), Assignment.ends_on >= day))
        .order_by(Assignment.region_code, Cadre.id)).all()
    posted: dict[str, list[dict]] = {}
    for code, cadre_id, name, role in rows:
        posted.setdefault(code, []).append({"cadre_id": cadre_id, "name": name, "role": role})
    return posted
