"""The demo week: the last finished ISO week of fixes from the demo cadres' phones, sent
through the ingest service as phones send them (buffered, uploaded every few hours), then
evaluated, so the console opens on real findings. Safe to rerun: client ids come from the
cadre and the moment, so a second run stores nothing new (what the collection profile
discarded the first time it discards again: it was never stored).

Demo data only (see demo.py): fieldapp never requires a phone to report all day.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from ...config import Settings
from ...db.connections import autocommit_connection
from ...domain.coords import wgs84_to_gcj02
from ...domain.dates import start_of
from ...extensions import db
from ...models import Device, EvaluationRun, Leave, Region, User
from ...models.types import utcnow
from ..access.scope import Scope
from ..ingest import senders
from ..ingest.pings import ingest
from ..presence import evaluation, leaves
from . import registry
from .demo import COUNTY_CODE, FIRST_SECRETARIES, TEAM_MEMBERS

# Shares of the cadres past the first six, whose behaviours are FIRST_BEHAVIOURS in order
# (cadre1's cadre commutes, cadre2's keeps the rule).
MIX = {"compliant": 0.66, "commuting": 0.10, "absent": 0.08, "silent": 0.07, "spoofing": 0.05,
       "on_leave": 0.04}
FIRST_BEHAVIOURS = ("commuting", "compliant", "absent", "silent", "spoofing", "on_leave")
PENDING_SHARE = 0.05        # compliant cadres with a leave request awaiting a decision
SEED = int(COUNTY_CODE)
TOWN_OFFSET = (0.09, 0.05)  # degrees of latitude and longitude to the county town, ~11 km
UPLOAD_EVERY_S = 6 * 3600   # a phone uploads its buffer every six hours
DEVICE_LABEL = "demo week phone"
CLIENT_IDS = uuid.UUID("5d3e0f1c-4109-2210-0000-00000000de70")  # uuid5 namespace
Progress = Callable[[Iterable, str], Iterable]  # (items, what they are)


@dataclass
class WeekReport:
    first: date
    last: date
    cadres: int = 0
    devices_created: int = 0
    leaves_created: int = 0
    sent: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    discarded: int = 0  # not kept by the collection profile (docs/collection.md)
    evaluation: dict = field(default_factory=dict)  # empty when nothing new needed it

    @property
    def week(self) -> str:
        year, number, _ = self.first.isocalendar()
        return f"{year}-W{number:02d}"


def behaviours(count: int) -> list[str]:
    """The behaviour of each demo cadre in order: FIRST_BEHAVIOURS, then a seeded draw."""
    rng = np.random.default_rng(SEED)
    drawn = rng.choice(list(MIX), size=max(0, count - len(FIRST_BEHAVIOURS)),
                       p=list(MIX.values())).tolist()
    return (list(FIRST_BEHAVIOURS) + drawn)[:count]


def simulate_week(settings: Settings, posts: list[tuple[int, str]], interval_min: int,
                  progress: Progress = lambda items, _what: items) -> WeekReport:
    """Register a demo phone per cadre in `posts` (cadre id, village code), file their
    leave (decided by the first admin), send their week of fixes through `ingest`, and
    evaluate the week where anything new came in or it was never evaluated."""
    first, last = evaluation.last_finished_week(settings)
    report = WeekReport(first, last, cadres=len(posts))
    kinds = behaviours(len(posts))
    homes = home_points({code for _, code in posts})
    leave_days = _file_leave(settings, posts, kinds, first, report)
    devices = _demo_devices([cadre for cadre, _ in posts], report)
    with autocommit_connection() as conn:
        for (cadre_id, code), kind in progress(list(zip(posts, kinds, strict=True)), "cadres"):
            sender = senders.by_device_id(settings, conn, devices[cadre_id])
            fixes = week_fixes(settings, cadre_id, kind, homes[code], first, interval_min,
                               leave_days.get(cadre_id, ()))
            for received_at, items in phone_uploads(fixes, settings.ingest.batch_max):
                counts = ingest(settings, conn, sender, items, received_at=received_at).as_dict()
                report.sent += len(items)
                report.stored += counts["accepted"]
                report.duplicates += counts["duplicates"]
                report.rejected += counts["rejected"]
                report.discarded += counts["discarded"]
    whole = len(posts) >= FIRST_SECRETARIES + TEAM_MEMBERS
    regions = [COUNTY_CODE] if whole else sorted({code[:9] for _, code in posts})
    if report.stored or report.leaves_created or not all(
            _evaluated(region, first, last) for region in regions):
        for region in regions:
            run = evaluation.evaluate(settings, first, last, region,
                                      progress=lambda townships: progress(townships,
                                                                          "townships"))
            for key, value in run.report.items():
                if isinstance(value, int):
                    report.evaluation[key] = report.evaluation.get(key, 0) + value
        db.session.commit()  # reading the run's report began a transaction: end it
    return report


def _evaluated(region: str, first: date, last: date) -> bool:
    """Whether an evaluation of exactly this week over `region` has finished."""
    run = db.session.scalar(select(EvaluationRun.id).where(
        EvaluationRun.region_code == region, EvaluationRun.first_day == first,
        EvaluationRun.last_day == last, EvaluationRun.finished_at.is_not(None)).limit(1))
    db.session.commit()
    return run is not None


def home_points(codes: set[str]) -> dict[str, tuple[float, float]]:
    """A point well inside each village: (lat, lon)."""
    rows = db.session.execute(select(Region.code, Region.boundary).where(Region.code.in_(codes)))
    points = {code: to_shape(boundary).representative_point() for code, boundary in rows}
    db.session.commit()
    return {code: (point.y, point.x) for code, point in points.items()}


def _demo_devices(cadre_ids: list[int], report: WeekReport) -> dict[int, int]:
    """The demo phone of each cadre (device id), registered if it has none."""
    devices = dict(db.session.execute(select(Device.cadre_id, Device.id).where(
        Device.cadre_id.in_(cadre_ids), Device.label == DEVICE_LABEL,
        Device.revoked_at.is_(None))).all())
    db.session.commit()
    for cadre_id in cadre_ids:
        if cadre_id not in devices:
            devices[cadre_id] = registry.create_device(cadre_id, DEVICE_LABEL)[0].id
            report.devices_created += 1
    db.session.commit()  # reading the new device's id began a transaction: end it
    return devices


def _file_leave(settings: Settings, posts: list[tuple[int, str]], kinds: list[str],
                monday: date, report: WeekReport) -> dict[int, tuple[date, ...]]:
    """Approved leave on Tuesday and Wednesday for the cadres on leave; a request awaiting
    a decision for Thursday and Friday of the next week from cadre2's cadre and a share of
    the compliant ones. Returns the approved days by cadre."""
    rng = np.random.default_rng([SEED, 1])
    pending = rng.random(len(posts)) < PENDING_SHARE
    admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
    scope = Scope(admin, settings.zone)
    approved = {}
    for i, ((cadre_id, _), kind) in enumerate(zip(posts, kinds, strict=True)):
        if kind == "on_leave":
            days = (monday + timedelta(days=1), monday + timedelta(days=2))
            approved[cadre_id] = days
            _leave(settings, scope, cadre_id, days, "training", "参加县委组织部驻村干部培训",
                   report, approve=True)
        elif kind == "compliant" and (i == 1 or pending[i]):
            days = (monday + timedelta(days=10), monday + timedelta(days=11))
            _leave(settings, scope, cadre_id, days, "personal", "家中老人住院，需陪护两天",
                   report, approve=False)
    db.session.commit()
    return approved


def _leave(settings: Settings, scope: Scope, cadre_id: int, days: tuple[date, date],
           kind: str, reason: str, report: WeekReport, approve: bool) -> None:
    """One leave over `days`, unless the cadre has one (in any status) touching them: the
    demo's own from an earlier run, or one a person filed or decided since."""
    if db.session.scalar(select(Leave.id).where(
            Leave.cadre_id == cadre_id, Leave.starts_on <= days[-1], Leave.ends_on >= days[0])):
        db.session.commit()
        return
    leave = leaves.request_leave(settings, cadre_id, days[0], days[-1], kind, reason)
    if approve:
        leaves.decide(scope, leave.id, "approve", "同意（演示数据）")
    report.leaves_created += 1


def week_fixes(settings: Settings, cadre_id: int, kind: str, home: tuple[float, float],
               monday: date, interval_min: int, leave_days: tuple[date, ...] = (),
               crs: str | None = None) -> dict:
    """The week's fixes of one phone as columns: from Monday 00:00 to the end of Sunday's
    night, one every `interval_min` minutes, where `kind` puts the cadre; in `crs`, or as
    the demo's phones report (a third of them GCJ-02). bench/ uses it for its loads."""
    if kind == "silent":
        return {"epoch": np.empty(0)}
    rng = np.random.default_rng([SEED, cadre_id, monday.toordinal()])
    night_start, night_end = settings.evaluation.windows.night
    minutes = np.arange(0, 24 * 60, interval_min)
    epochs, hours, days = [], [], []
    for offset in range(8):  # the eighth day holds the end of Sunday's night
        day = monday + timedelta(days=offset)
        todays = minutes if offset < 7 else minutes[minutes < night_end.hour * 60
                                                    + night_end.minute]
        epochs.append(start_of(day, settings.zone).timestamp() + todays * 60.0)
        hours.append(todays / 60.0)
        days.append(np.full(len(todays), offset))
    epoch = np.round(np.concatenate(epochs) + rng.uniform(0, 90, sum(map(len, epochs))))
    hour, day = np.concatenate(hours), np.concatenate(days)
    early = hour < night_end.hour + night_end.minute / 60  # the end of the last day's night
    at_night = early | (hour >= night_start.hour + night_start.minute / 60)
    night_of = day - early  # the date (as an offset) that each fix's night starts on
    away = np.full(len(epoch), kind == "absent")
    if kind == "commuting":
        away = at_night
    for leave_day in leave_days:  # from the day's morning to the end of its night
        offset = (leave_day - monday).days
        away |= np.where(at_night, night_of, day) == offset
    lat = np.where(away, home[0] + TOWN_OFFSET[0], home[0])
    lon = np.where(away, home[1] + TOWN_OFFSET[1], home[1])
    if kind != "spoofing":  # real GPS jitters; a mock location app does not
        lat, lon = lat + rng.normal(0, 8e-5, len(lat)), lon + rng.normal(0, 8e-5, len(lon))
    crs = crs or ("gcj02" if cadre_id % 3 == 0 else "wgs84")  # AMap-based phones: GCJ-02
    if crs == "gcj02":
        lat, lon = wgs84_to_gcj02(lat, lon)
    return {"cadre_id": cadre_id, "epoch": epoch, "lat": np.round(lat, 7),
            "lon": np.round(lon, 7), "crs": crs, "mock": kind == "spoofing",
            "accuracy": np.round(rng.uniform(5, 40, len(epoch)), 1),
            "battery": np.round(100 - hour * 2.5 - rng.uniform(0, 5, len(epoch)))}


def phone_uploads(fixes: dict, batch_max: int) -> Iterable[tuple[datetime, list[dict]]]:
    """The phone's uploads: every UPLOAD_EVERY_S its buffer, at most `batch_max` a request,
    never later than now (bench/collection.py sends them too)."""
    epoch = fixes["epoch"]
    if not len(epoch):
        return
    now = utcnow()
    slot = (epoch - epoch[0]) // UPLOAD_EVERY_S
    bounds = np.flatnonzero(np.r_[True, slot[1:] != slot[:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        sent = min(now, datetime.fromtimestamp(
            epoch[0] + (slot[lo] + 1) * UPLOAD_EVERY_S + 300, UTC))  # 5 min after the slot
        items = [_item(fixes, i) for i in range(lo, hi)]
        for start in range(0, len(items), batch_max):
            yield sent, items[start:start + batch_max]


def _item(fixes: dict, i: int) -> dict:
    """Fix `i` as a phone's ping (the id is derived from the cadre and the moment)."""
    moment = datetime.fromtimestamp(fixes["epoch"][i], UTC)
    accuracy = float(fixes["accuracy"][i])
    return {"id": str(uuid.uuid5(CLIENT_IDS, f"{fixes['cadre_id']}/{moment.isoformat()}")),
            "recorded_at": moment.isoformat(), "lat": float(fixes["lat"][i]),
            "lon": float(fixes["lon"][i]), "crs": fixes["crs"], "accuracy": accuracy,
            "provider": "gps" if accuracy < 30 else "network",
            "battery": float(max(5.0, fixes["battery"][i])), "mock": fixes["mock"]}
