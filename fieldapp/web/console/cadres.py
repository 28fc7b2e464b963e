"""A cadre's month: who they are and where they are posted, the month's calendar of day and
night presence, a map of one chosen day or night with its fixes in time order (replayed
by static/replay.js), when they were last seen, the quality of their fixes, their devices,
leave, findings and work reports. Access-logged as a read of their presence.

    GET /console/cadres/<id>?month=2026-11&day=2026-11-18&slot=night

For inspectors, discipline users and admins in scope, and for the cadre themself. Scope in
time: a month holding no date on which the cadre was posted in the reader's regions is the
404 page (so a reader sees the earlier months of a cadre posted to them later on only as
"not found"); in a month partly visible, the other dates show no records and no fixes.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
from flask import g, render_template, request
from flask_babel import gettext

from ...config import app_settings
from ...domain.dates import end_of, local_date, start_of, supported
from ...domain.presence import window_table
from ...errors import BadInput
from ...extensions import db
from ...models import Cadre
from ...models.types import utcnow
from ...services.access.access_log import log_access
from ...services.access.enrolment import may_enrol
from ...services.findings.workflow import queue_query
from ...services.geodata.regions import post_feature
from ...services.ingest.fix_quality import devices_of, last_fix, quality_of
from ...services.ingest.fix_tracks import fixes_between
from ...services.ingest.ping_queries import pings_query
from ...services.media.work_reports import monthly
from ...services.people.names import posts_on, region_names
from ...services.presence.calendar import calendar_days
from ...services.presence.evaluation import last_finished_day
from ...services.presence.leaves import leaves_query
from ..maps import MAX_FIXES_DRAWN, map_data
from ..sessions import page_login
from . import blp
from .townships import READERS as TOWNSHIP_READERS
from .townships import Period, read_period

SLOTS = ("day", "night")


@blp.route("/cadres/<int:cadre_id>")
@page_login("inspector", "admin", "discipline", "cadre")
def cadre(cadre_id):
    scope, settings = g.scope, app_settings()
    scope.require_cadre(cadre_id)
    month, chosen = _month_and_choice(request.args, cadre_id)
    scope.require_dates(cadre_id, month.first, month.last, "this month")
    person = db.session.get(Cadre, cadre_id)
    start, end = start_of(month.first, settings.zone), end_of(month.last, settings.zone)
    days = calendar_days(scope, cadre_id, month.first, month.last)
    day, slot = chosen or _latest_fixed(cadre_id, start, end, month)
    fixes, total = fixes_between(scope, cadre_id, *_window(day, slot), settings.evaluation.windows,
                                 settings.zone, MAX_FIXES_DRAWN)
    record = next((d for d in days if d["date"] == day), {})
    post = record.get("region_code") or posts_on([(cadre_id, day)]).get((cadre_id, day))
    centroid = record.get("night_centroid")
    boundary = post_feature(post) if post else None
    drawn = map_data([boundary] if boundary else [], fixes,
                     [{**centroid, "date": day}] if slot == "night" and centroid else [])
    seen = last_fix(scope, cadre_id)
    log_access(g.user, cadre_id, "presence", {"page": "cadre", "from": month.first,
                                              "to": month.last, "map": f"{day} {slot}"})
    return render_template(
        "console/cadre.html", cadre=person, month=month, days=days, day=day, slot=slot,
        map=drawn, fixes_total=total, fixes=fixes, phone=_phone(person.phone),
        postings=_postings(person), last_seen=seen, places=region_names(
            [seen.village_code] if seen else []), quality=quality_of(scope, cadre_id, start, end),
        devices=devices_of(cadre_id), neighbours=_neighbours(cadre_id, month),
        leaves=list(db.session.scalars(leaves_query(scope, {
            "cadre_id": cadre_id, "from": month.first, "to": month.last}))),
        findings=list(db.session.scalars(queue_query(scope, {
            "cadre_id": cadre_id, "period": (month.first, month.last)}))),
        reports=monthly(settings, scope, cadre_id, month.name),
        may_enrol=may_enrol(scope, cadre_id))


def _month_and_choice(args, cadre_id: int) -> tuple[Period, tuple[date, str] | None]:
    """The month (from ?month, else the chosen day's, else the latest the reader sees the
    cadre in, up to this one) and the chosen (day, slot), if any; 400 for values that are
    not a month, a date of that month, or day/night."""
    chosen = None
    if args.get("day"):
        try:
            day = date.fromisoformat(args["day"][:10]) if len(args["day"]) == 10 else None
        except ValueError:
            day = None
        if day is None or not supported(day):
            raise BadInput(gettext("%(value)s is not a date like 2026-11-18",
                                   value=args["day"][:20]))
        slot = args.get("slot", "night")
        if slot not in SLOTS:
            raise BadInput(gettext("slot is day or night"))
        chosen = (day, slot)
    default = Period.month_holding(chosen[0] if chosen else _latest_visible(cadre_id))
    month = read_period(args, default, units=("month",))
    if chosen and not month.first <= chosen[0] <= month.last:
        raise BadInput(gettext("%(day)s is not a day of %(month)s", day=chosen[0],
                               month=month.name))
    return month, chosen


def _latest_visible(cadre_id: int) -> date:
    """The last finished day (its night has ended: the latest with a whole record), or the
    last day the reader sees the cadre on if that is earlier."""
    settings = app_settings()
    finished = last_finished_day(settings.evaluation.windows.night[1], settings.zone)
    ends = [last or finished for _, last in g.scope.cadre_periods(cadre_id)]
    return min(finished, max(ends)) if ends else finished


def _latest_fixed(cadre_id: int, start: datetime, end: datetime,
                  month: Period) -> tuple[date, str]:
    """The day or night of the month's latest fix (the month's last day if it has none)."""
    latest = db.session.scalar(pings_query(g.scope, cadre_id, {"from": start, "to": end})
                               .limit(1))
    if latest is None:
        return min(month.last, local_date(utcnow(), app_settings().zone)), "day"
    settings = app_settings()
    on = local_date(latest.recorded_at, settings.zone)
    table = window_table([on - timedelta(days=1), on], settings.evaluation.windows,
                         settings.zone)
    index, slot = table.locate(np.array([latest.recorded_at.timestamp()]))
    night = on - timedelta(days=1 - int(index[0]))  # the date its night started on
    if slot[0] == len(settings.evaluation.windows.day) and night >= month.first:
        return night, "night"
    return on, "day"  # (a fix before dawn on the 1st belongs to last month's last night)


def _window(day: date, slot: str) -> tuple[datetime, datetime]:
    """The UTC bounds of the day's check-in windows, or of the night starting on it."""
    settings = app_settings()
    windows, zone = settings.evaluation.windows, settings.zone
    if slot == "day":
        return (datetime.combine(day, windows.day[0][0], zone),
                datetime.combine(day, windows.day[-1][1], zone))
    return (datetime.combine(day, windows.night[0], zone),
            datetime.combine(day + timedelta(days=1), windows.night[1], zone))


def _postings(person: Cadre) -> list[dict]:
    """The cadre's postings in the reader's regions (all of them for an admin or the cadre)
    with their names; a township links to its page where the reader may open it."""
    mine = g.scope.everything or g.user.cadre_id == person.id
    shown = [a for a in person.assignments if mine or g.scope.region_visible(a.region_code)]
    names = region_names(a.region_code for a in shown)
    pages = g.user.role in TOWNSHIP_READERS
    return [{"assignment": a, "name": names.get(a.region_code),
             "township": names.get(a.region_code[:9]) if len(a.region_code) > 9 else None,
             "township_visible": pages and g.scope.region_visible(a.region_code[:9])}
            for a in shown]


def _neighbours(cadre_id: int, month: Period) -> dict:
    """The previous and next months, where the reader sees the cadre on some day of them
    and which have begun."""
    today = local_date(utcnow(), app_settings().zone)
    return {rel: p for rel, p in (("prev", month.shifted(-1)), ("next", month.shifted(1)))
            if p is not None and p.first <= today
            and g.scope.dates_visible(cadre_id, p.first, p.last)}


def _phone(phone: str | None) -> str:
    """The number in full for admins; else its first three and last four digits."""
    if not phone or g.user.role == "admin":
        return phone or ""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
