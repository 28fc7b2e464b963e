"""The finding dossier: the rule and its numbers, a calendar of the period, a map of its
fixes, media, leave, the hash-chained history with its check, appeals, and the moves the
reader may make from here.

    GET  /console/findings/<id>               inspectors, admins, discipline, the cadre
    POST /console/findings/<id>/transitions   action=… note=… [assignee_id=…]
                                              [disposition=…, with action=dispose]
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from ...config import Settings, app_settings
from ...documents import packages
from ...domain.dates import start_of
from ...domain.findings import DISPOSITIONS, MOVERS, TRANSITIONS, may_make
from ...domain.notes import NOTE_MAX_CHARS
from ...errors import Conflict, Unprocessable
from ...extensions import db
from ...i18n import label
from ...models import Finding
from ...services.access.access_log import log_access
from ...services.findings import audit_chain, workflow
from ...services.geodata.regions import post_feature
from ...services.ingest.fix_tracks import fixes_between
from ...services.media.uploads import media_query
from ...services.people.names import named, usernames
from ...services.presence.calendar import calendar_days
from ...services.presence.leaves import leaves_query
from ..maps import MAX_FIXES_DRAWN, map_data
from ..sessions import page_login
from . import blp

REVIEWERS = workflow.REVIEWERS
READERS = (*MOVERS, "cadre")
MEDIA_SHOWN = 50  # media of the period listed (newest first)
LEAVE_SHOWN = ("approved", "pending")


@blp.route("/findings/<bigid:finding_id>")
@page_login(*READERS)
def dossier(finding_id):
    return _page(finding_id)


@blp.route("/findings/<bigid:finding_id>/package")
@page_login(*READERS)
def finding_package(finding_id):
    """The finding as a signed evidence package (the same zip as the API's)."""
    package = packages.finding_package(app_settings(), g.scope, finding_id)
    return package.download(g.user, {"flag_id": finding_id, "page": "dossier"})


@blp.route("/findings/<bigid:finding_id>/transitions", methods=["POST"])
@page_login(*MOVERS)
def move_finding(finding_id):
    """A reviewer's move, or the discipline office's disposal. Done: back to the dossier
    with a message. Refused (not allowed from the current status: 409; no note, unknown
    action, assignee or disposition: 422): the dossier again with that status and the
    reason, nothing changed. Another role's move is the 404 page."""
    action = request.form.get("action", "")
    note = request.form.get("note", "").strip()
    try:
        workflow.transition(g.scope, finding_id, action, note,
                            _assignee_id(request.form.get("assignee_id", "")),
                            request.form.get("disposition") or None)
    except (Conflict, Unprocessable) as exc:
        db.session.rollback()
        refused = {"action": action, "note": note, "status": exc.status,
                   "reason": _refusal(exc)}
        return _page(finding_id, refused), exc.status
    flash(gettext("Done: %(action)s.", action=label("action", action)))
    return redirect(url_for("console.dossier", finding_id=finding_id), 303)


def _assignee_id(given: str) -> int | None:
    if not given:
        return None
    if not (given.isascii() and given.isdigit() and len(given) <= 10) or int(given) > 2**31 - 1:
        raise Unprocessable("not a user id", {"assignee_id": ["not an id"]})
    return int(given)


def _refusal(exc: Conflict | Unprocessable) -> str:
    """Why a move was refused, as the page words it: conflict, note, assignee, disposition
    or action."""
    if isinstance(exc, Conflict):
        return "conflict"
    return next((name for name in ("note", "assignee_id", "disposition")
                 if name in exc.errors), "action")


def _page(finding_id: int, refused: dict | None = None):
    finding = workflow.visible_finding(g.scope, finding_id)
    evidence = workflow.evidence_as_seen_by(g.scope, finding)
    log_access(g.user, finding.cadre_id, "flag", {"flag_id": finding.id, "page": "dossier"})
    settings = app_settings()
    names = named([{"cadre_id": finding.cadre_id, "region_code": finding.region_code,
                    "assignee_id": finding.assignee_id}])[0]
    period = _period(finding, settings) if finding.period_start and finding.period_end \
        else {"days": [], "fixes": [], "fixes_total": 0, "leaves": [], "media": []}
    post = post_feature(finding.region_code)
    centroids = [{**d["night_centroid"], "date": d["date"]} for d in period["days"]
                 if d["night_centroid"]]
    events, appeals = workflow.events_of(finding), workflow.appeals_of(finding)
    people = usernames([e.actor_id for e in events]
                       + [a.submitted_by for a in appeals] + [a.decided_by for a in appeals])
    allowed = _allowed_actions(finding)
    drawn = map_data([post] if post else [], period.pop("fixes"), centroids)
    windows = settings.evaluation.windows
    return render_template(
        "console/dossier.html", finding=finding, names=names, evidence=evidence,
        map=drawn, **period,
        events=events, appeals=appeals, people=people,
        chain=audit_chain.verify_finding(finding), allowed=allowed,
        reviewers=list(db.session.scalars(workflow.reviewers_covering(finding)))
        if "assign" in allowed else [],
        refused=refused, reviewer=g.user.role in REVIEWERS, mover=g.user.role in MOVERS,
        dispositions=DISPOSITIONS, note_max=NOTE_MAX_CHARS,
        day_windows=", ".join(_span(w) for w in windows.day), night_window=_span(windows.night),
        first_at=_moment(evidence.get("first_at")), last_at=_moment(evidence.get("last_at")))


def _period(finding: Finding, settings: Settings) -> dict:
    """What the scope sees of the finding's period: the day records, the fixes from the
    first date's start to the end of the night that starts on the last date, the leave
    and the media."""
    first, last, zone = finding.period_start, finding.period_end, settings.zone
    start = start_of(first, zone)
    end = datetime.combine(last + timedelta(days=1), settings.evaluation.windows.night[1], zone)
    fixes, total = fixes_between(g.scope, finding.cadre_id, start, end,
                                 settings.evaluation.windows, zone, MAX_FIXES_DRAWN)
    leaves = db.session.scalars(leaves_query(g.scope, {"cadre_id": finding.cadre_id,
                                                       "from": first, "to": last}))
    media = db.session.scalars(media_query(g.scope, finding.cadre_id, {
        "from": start, "to": end}).limit(MEDIA_SHOWN))
    return {"days": calendar_days(g.scope, finding.cadre_id, first, last,
                                  region_code=finding.region_code),
            "fixes": fixes, "fixes_total": total,
            "leaves": [leave for leave in leaves if leave.status in LEAVE_SHOWN],
            "media": list(media)}


def _allowed_actions(finding: Finding) -> list[str]:
    """The moves open from the finding's status that the reader's role may make."""
    return [action for action, (starts, _) in TRANSITIONS.items()
            if finding.status in starts and may_make(g.user.role, action)]


def _span(window: tuple) -> str:
    return "–".join(moment.strftime("%H:%M") for moment in window)


def _moment(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None
