"""Spot-check pages for inspectors and admins: the plans of their regions, and a plan's
sample by township with its coverage, the visits recorded under it and, for each sampled
village the reader covers, a visit form (time, position from the browser or typed, an
outcome per cadre posted there) → services/spotchecks/. Each cadre whose outcome a page
shows finds the read in the access log (spot_check_visits).

    GET  /console/spotchecks?page=N
    GET  /console/spotchecks/<id>
    GET  /console/spotchecks/<id>/export        the plan's export file
    POST /console/spotchecks/<id>/visits        record a visit to one of its sampled villages
"""
from __future__ import annotations

import json
import math
import re
import uuid
from datetime import datetime

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext

from ...config import app_settings
from ...domain.dates import local_date, supported_moment
from ...errors import BadInput, Conflict, Unprocessable
from ...extensions import db
from ...i18n import label
from ...models.spotchecks import VISIT_OUTCOMES
from ...models.types import utcnow
from ...services.access.access_log import log_reads
from ...services.people.names import region_names
from ...services.spotchecks import coverage, plans, visits
from ...services.spotchecks.access import PLANNERS
from ..sessions import page_login
from . import blp

PER_PAGE = 50
VISITS_SHOWN = 50
CLIENT_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
VILLAGE_CODE = re.compile(r"[0-9]{12}")
CADRE_FIELD = re.compile(r"outcome-([1-9][0-9]{0,9})")
MAX_ID = 2**31 - 1
OUTCOME_LABELS = {
    "present": lazy_gettext("Present"),
    "absent": lazy_gettext("Absent"),
    "on_leave": lazy_gettext("On leave"),
    "explained": lazy_gettext("Away, explained"),
}
STATE_LABELS = {
    "committed": lazy_gettext("Committed, not drawn"),
    "drawn": lazy_gettext("Drawn"),
    "revealed": lazy_gettext("Secret revealed"),
}


def _page_number() -> int:
    page = request.args.get("page", "1")
    if not (page.isascii() and page.isdigit() and 1 <= int(page) <= 100_000):
        raise BadInput(gettext("Not a page number."))
    return int(page)


@blp.route("/spotchecks")
@page_login(*PLANNERS)
def spotchecks():
    """The plans of regions inside or above the reader's, latest quarter first."""
    page = db.paginate(plans.plans_query(g.scope, {}), page=_page_number(), per_page=PER_PAGE,
                       error_out=False)
    return render_template("console/spotchecks.html", page=page, states=STATE_LABELS,
                           rows=plans.plan_rows(g.scope, page.items))


@blp.route("/spotchecks/<int:plan_id>")
@page_login(*PLANNERS)
def spotcheck_plan(plan_id: int):
    """The plan, its coverage, its sample by township with a visit form per village the
    reader covers, and the visits recorded under it."""
    settings = app_settings()
    plan = plans.readable_plan(g.scope, plan_id)
    (row,) = plans.plan_rows(g.scope, [plan], detail=True)
    cover = coverage.plan_coverage(settings, plan)
    visited = coverage.visits_in_quarter(settings, plan)
    today = local_date(utcnow(), settings.zone)
    codes = [entry["village_code"] for entry in plan.sample or ()]
    posted = visits.posted_cadres(g.scope, codes, today)
    names = region_names(codes)
    townships = {t["township_code"]: {**t, "villages": []} for t in cover["townships"]}
    for entry in plan.sample or ():
        count, latest = visited.get(entry["village_code"], (0, None))
        townships[entry["township_code"]]["villages"].append({
            **entry, "name": names.get(entry["village_code"]), "visits": count,
            "latest": latest, "cadres": posted.get(entry["village_code"], []),
            "form_id": str(uuid.uuid4())})
    recorded = db.session.scalars(visits.visits_query(g.scope, {"plan_id": plan.id})
                                  .limit(VISITS_SHOWN)).all()
    shown = visits.visit_rows(g.scope, recorded, settings.zone)
    log_reads(g.user, "spot_check_visits", [(o["cadre_id"], v["id"]) for v in shown
                                            for o in v["outcomes"]],
              {"page": "console spot-check plan", "plan_id": plan.id})
    return render_template(
        "console/spotcheck_plan.html", plan=row, totals=cover["totals"],
        townships=list(townships.values()), visits=shown, states=STATE_LABELS,
        outcomes={code: OUTCOME_LABELS[code] for code in VISIT_OUTCOMES},
        now=utcnow().astimezone(settings.zone).strftime("%Y-%m-%dT%H:%M"))


@blp.route("/spotchecks/<int:plan_id>/export")
@page_login(*PLANNERS)
def spotcheck_export(plan_id: int):
    """The same file as GET /api/v1/spotchecks/plans/<id>/export."""
    plan = plans.readable_plan(g.scope, plan_id)
    body = json.dumps(plans.export_of(plan), ensure_ascii=False, indent=2) + "\n"
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="spotcheck-plan-{plan.region_code}-{plan.quarter}.json"')
    return response


@blp.route("/spotchecks/<int:plan_id>/visits", methods=["POST"])
@page_login(*PLANNERS)
def record_visit(plan_id: int):
    """Record a visit from the plan page's form; back to the plan with a message. A form
    that is not right is a 400 or 422 page saying what to change, and stores nothing."""
    settings = app_settings()
    form = request.form
    client_id = form.get("id", "")
    village_code = form.get("village_code", "")
    if not (CLIENT_ID.fullmatch(client_id) and VILLAGE_CODE.fullmatch(village_code)):
        raise BadInput(gettext("This form is not one of the plan page's; reload the page."))
    visited_at = _visited_at(form.get("visited_at", ""), settings.zone)
    fix = visits.Fix(*(_number(form.get(name, "")) for name in ("lat", "lon", "accuracy")))
    try:
        visit, created = visits.record_visit(settings, g.scope, client_id, village_code,
                                             visited_at, fix, _outcomes(form), plan_id)
    except (Unprocessable, Conflict) as exc:
        raise type(exc)(_said(exc)) from None
    place = region_names([village_code]).get(village_code) or village_code
    if created:
        flash(gettext("Visit to %(village)s recorded.", village=place))
    else:
        flash(gettext("This visit to %(village)s was recorded already; nothing was stored "
                      "again.", village=place))
    return redirect(url_for("console.spotcheck_plan", plan_id=plan_id,
                            _anchor=f"visit-{visit.id}"))


def _visited_at(text: str, zone) -> datetime:
    try:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M").replace(tzinfo=zone)
    except ValueError:
        raise BadInput(gettext("Give the visit's date and time.")) from None
    if not supported_moment(moment):
        raise BadInput(gettext("Give the visit's date and time."))
    return moment


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise BadInput(gettext("Give your position and its accuracy: use the browser's "
                               "location, or type them."))
    return value


def _outcomes(form) -> list[dict]:
    """The outcome chosen for each cadre of the form (a cadre left blank is not recorded)."""
    chosen = []
    for name, value in form.items():
        if not name.startswith("outcome-") or value == "":
            continue
        match = CADRE_FIELD.fullmatch(name)
        cadre_id = int(match[1]) if match else 0
        if value not in VISIT_OUTCOMES or not 0 < cadre_id <= MAX_ID:
            raise BadInput(gettext("This form is not one of the plan page's; reload the "
                                   "page."))
        note = form.get(f"note-{cadre_id}", "").strip()
        chosen.append({"cadre_id": cadre_id, "outcome": value, "note": note or None})
    if not chosen:
        raise Unprocessable(gettext("Choose what you found for at least one cadre."))
    return chosen


def _said(exc: Unprocessable | Conflict) -> str:
    """The service's refusal in the reader's language."""
    errors = exc.errors
    if "lat" in errors or "lon" in errors or "accuracy" in errors:
        return gettext("Give your position and its accuracy: use the browser's location, or "
                       "type them.")
    if "verdict" in errors:
        return gettext("Your position was judged %(verdict)s (%(m)s m from the village): a "
                       "visit can only be recorded where it is made.",
                       verdict=label("verdict", errors["verdict"][0]),
                       m=errors["distance_m"][0])
    if "visited_at" in errors:
        return gettext("The visit's time is in the future, too long ago, or outside the "
                       "plan's quarter.")
    if "outcomes" in errors:
        return gettext("Record one outcome for each cadre, and only for cadres posted at the "
                       "village on the visit's date; a note is at most 2000 characters.")
    if "plan_id" in errors:
        return gettext("This village is not in the plan's sample, or the plan is not drawn.")
    if "id" in errors:
        return gettext("This form was used for another visit already; reload the page.")
    return exc.message
