"""The reader's language (zh-CN first, English by Accept-Language or the console's switch),
the labels of stored codes, and what a finding says, rendered from its structured evidence.

The stored `summary` of a finding stays as evaluation wrote it (the audit chain hashes it);
pages and the API show `finding_summary(...)` in the reader's language instead.
"""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from flask_babel import gettext, lazy_gettext, ngettext

from .config import app_settings
from .domain.dates import local_date

LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGE_COOKIE = "lang"


def select_language() -> str:
    """The console's switch (a cookie) first, then Accept-Language; Chinese by default."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return "en" if best == "en" else DEFAULT_LANGUAGE


KIND_LABELS = {
    "not_resident": lazy_gettext("Stationed but not resident"),
    "absent": lazy_gettext("Not on post by day"),
    "no_data": lazy_gettext("No data"),
    "mock_location": lazy_gettext("Mock location"),
    "absent_at_spot_check": lazy_gettext("Absent at a spot check"),
    "implausible_speed": lazy_gettext("Impossible speed"),
    "static_location": lazy_gettext("Frozen coordinates"),
    "photo_reused": lazy_gettext("Photo reused"),
    "photo_location_mismatch": lazy_gettext("Photo taken elsewhere"),
    "photo_time_mismatch": lazy_gettext("Photo taken at another time"),
    "challenge_missed": lazy_gettext("Location challenge missed"),
    "challenge_outside": lazy_gettext("Outside the village at a location challenge"),
    "late_upload": lazy_gettext("Late upload"),
}
STATUS_LABELS = {
    "open": lazy_gettext("Open"),
    "in_review": lazy_gettext("In review"),
    "confirmed": lazy_gettext("Confirmed"),
    "dismissed": lazy_gettext("Dismissed"),
    "escalated": lazy_gettext("Escalated"),
    "appealed": lazy_gettext("Appealed"),
    "appeal_upheld": lazy_gettext("Appeal upheld"),
    "appeal_rejected": lazy_gettext("Appeal rejected"),
    "withdrawn": lazy_gettext("Withdrawn"),
    "disposed": lazy_gettext("Disposed"),
}
ACTION_LABELS = {
    "assign": lazy_gettext("Assign"),
    "confirm": lazy_gettext("Confirm"),
    "dismiss": lazy_gettext("Dismiss"),
    "escalate": lazy_gettext("Escalate to discipline"),
    "reopen": lazy_gettext("Reopen"),
    "uphold_appeal": lazy_gettext("Uphold appeal"),
    "reject_appeal": lazy_gettext("Reject appeal"),
    "raise": lazy_gettext("Raised"),
    "update": lazy_gettext("Evidence updated"),
    "withdraw": lazy_gettext("Withdrawn"),
    "appeal": lazy_gettext("Appeal"),
    "attest": lazy_gettext("Attested"),
    "dispose": lazy_gettext("Dispose"),
}
DISPOSITION_LABELS = {
    "no_action": lazy_gettext("No action"),
    "reminder_talk": lazy_gettext("Reminder talk"),
    "criticism_education": lazy_gettext("Criticism and education"),
    "circulated_criticism": lazy_gettext("Circulated criticism"),
    "organisational_handling": lazy_gettext("Organisational handling"),
    "referred": lazy_gettext("Referred for review and investigation"),
}
PRESENCE_LABELS = {
    "present": lazy_gettext("Present"),
    "absent": lazy_gettext("Absent"),
    "no_data": lazy_gettext("No data"),
    "excused": lazy_gettext("Excused"),
}
ROLE_LABELS = {
    "first_secretary": lazy_gettext("First secretary"),
    "team_member": lazy_gettext("Work team member"),
    "township_leader": lazy_gettext("Township leader"),
    "county_leader": lazy_gettext("County leader"),
    "dispatched_talent": lazy_gettext("Dispatched staff"),
    "cadre": lazy_gettext("Cadre"),
    "inspector": lazy_gettext("Inspector"),
    "discipline": lazy_gettext("Discipline office"),
    "admin": lazy_gettext("Administrator"),
}
LEAVE_LABELS = {
    "personal": lazy_gettext("Personal leave"),
    "sick": lazy_gettext("Sick leave"),
    "official_business": lazy_gettext("Official business"),
    "training": lazy_gettext("Training"),
    "pending": lazy_gettext("Pending"),
    "approved": lazy_gettext("Approved"),
    "rejected": lazy_gettext("Rejected"),
    "cancelled": lazy_gettext("Cancelled"),
}
VERDICT_LABELS = {
    "inside": lazy_gettext("inside"),
    "outside": lazy_gettext("outside"),
    "uncertain": lazy_gettext("uncertain"),
    "unassigned": lazy_gettext("no post"),
}
REPORT_LABELS = {
    "household_visit": lazy_gettext("Household visit"),
    "meeting": lazy_gettext("Meeting"),
    "project": lazy_gettext("Project"),
    "training": lazy_gettext("Training"),
    "other": lazy_gettext("Other"),
}
LABELS = {"kind": KIND_LABELS, "status": STATUS_LABELS, "action": ACTION_LABELS,
          "presence": PRESENCE_LABELS, "role": ROLE_LABELS, "leave": LEAVE_LABELS,
          "verdict": VERDICT_LABELS, "report": REPORT_LABELS, "disposition": DISPOSITION_LABELS}


# What evaluation and the upload checks write as an event's note (services/findings/).
SYSTEM_NOTES = {
    "raised by presence evaluation": lazy_gettext("Raised by presence evaluation"),
    "raised by a location challenge": lazy_gettext("Raised by a location challenge"),
    "the condition holds again on re-evaluation":
        lazy_gettext("Raised again: the condition holds on re-evaluation"),
    "evidence updated by re-evaluation": lazy_gettext("Evidence updated by re-evaluation"),
    "no longer holds on re-evaluation (late data or approved leave)":
        lazy_gettext("Withdrawn: no longer holds on re-evaluation (late data or approved "
                     "leave)"),
    "raised by the upload's checks": lazy_gettext("Raised by the upload's checks"),
    "raised by a spot-check visit": lazy_gettext("Raised by a spot-check visit"),
}


def event_note(note: str) -> str:
    """An event's note: a person's words as written, the system's in the reader's
    language."""
    return str(SYSTEM_NOTES.get(note, note))


def policy_text(code: str | None) -> str:
    """A presence policy as the rule it sets, with this installation's numbers."""
    policy = app_settings().evaluation.policies.get(code or "")
    if policy is None:
        return code or ""
    if policy.period == "week":
        return gettext("%(days)d days and %(nights)d nights a week in the village",
                       days=policy.min_days, nights=policy.min_nights)
    return gettext("%(days)d days a month in the village", days=policy.min_days)


def label(group: str, code: str | None) -> str:
    """The reader's word for a stored code (the code itself when there is none)."""
    if code is None:
        return ""
    if group == "policy":
        return policy_text(code)
    return str(LABELS[group].get(code, code))


def _in_period(policy: str | None) -> str:
    return gettext("this month") if (policy or "").startswith("monthly") else gettext(
        "this week")


def finding_summary(kind: str, evidence: dict) -> str:
    """What the finding says, from its evidence, in the reader's language."""
    counts = evidence.get("counts") or {}
    period = _in_period((evidence.get("period") or {}).get("policy"))
    if kind == "not_resident" and counts:
        return ngettext(
            "Stationed but not resident: %(num)d night in the village %(period)s, "
            "%(no_data)s without data, %(required)s required",
            "Stationed but not resident: %(num)d nights in the village %(period)s, "
            "%(no_data)s without data, %(required)s required",
            counts["present_nights"], no_data=counts["no_data_nights"],
            required=counts["required_nights"], period=period)
    if kind == "absent" and counts:
        return ngettext(
            "Not on post by day: %(num)d day in the village %(period)s, %(no_data)s "
            "without data, %(required)s required",
            "Not on post by day: %(num)d days in the village %(period)s, %(no_data)s "
            "without data, %(required)s required",
            counts["present_days"], no_data=counts["no_data_days"],
            required=counts["required_days"], period=period)
    if kind == "no_data" and counts:
        return gettext("No evidence either way %(period)s: days without data %(days)s, "
                       "nights without data %(nights)s", period=period,
                       days=counts["no_data_days"], nights=counts["no_data_nights"])
    if "count" in evidence and "first_at" in evidence:
        return _ping_summary(kind, evidence)
    if kind in ("challenge_outside", "challenge_missed") and "deadline" in evidence:
        return _challenge_summary(kind, evidence)
    check = evidence.get("check") or {}
    if kind == "photo_location_mismatch" and "distance_m" in check:
        return gettext("The photo's GPS is %(m).0f m outside the village",
                       m=check["distance_m"])
    if kind == "photo_time_mismatch" and "gap_hours" in check:
        return gettext("The photo was taken %(h).1f h from the time claimed",
                       h=check["gap_hours"])
    if kind == "photo_reused":
        return gettext("This photo was uploaded before")
    if kind == "absent_at_spot_check" and "visited_at" in evidence:
        return gettext("Not in the village when a supervision group visited at %(time)s",
                       time=_local_time(evidence["visited_at"]))
    return label("kind", kind)


def _local_day(moment: str) -> str:
    """An ISO instant of the evidence (UTC) as the local date the reader counts in."""
    try:
        return local_date(datetime.fromisoformat(moment), app_settings().zone).isoformat()
    except (TypeError, ValueError):
        return str(moment)[:10]


def _local_time(moment: str) -> str:
    """An ISO instant of the evidence (UTC) as local wall time, to the minute."""
    try:
        return datetime.fromisoformat(moment).astimezone(app_settings().zone).strftime(
            "%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return str(moment)[:16]


def _challenge_summary(kind: str, evidence: dict) -> str:
    asked = _local_time(evidence["issued_at"])
    fix = evidence.get("fix") or {}
    if kind == "challenge_outside":
        if fix.get("distance_m") is None:
            return label("kind", kind)
        return gettext("Outside the village when asked for a location at %(time)s: the "
                       "answer was %(m).0f m from it", time=asked, m=fix["distance_m"])
    return ngettext("No location within %(num)d minute of a location challenge at %(time)s",
                    "No location within %(num)d minutes of a location challenge at %(time)s",
                    evidence.get("deadline_minutes") or 0, time=asked)


def _ping_summary(kind: str, evidence: dict) -> str:
    span = {"num": evidence["count"], "first": _local_day(evidence["first_at"]),
            "last": _local_day(evidence["last_at"])}
    if kind == "mock_location":
        return ngettext("%(num)d fix from a mock-location app (%(first)s to %(last)s)",
                        "%(num)d fixes from a mock-location app (%(first)s to %(last)s)",
                        **span)
    if kind == "implausible_speed":
        return ngettext("%(num)d fix reached faster than possible (%(first)s to %(last)s)",
                        "%(num)d fixes reached faster than possible (%(first)s to %(last)s)",
                        **span)
    if kind == "static_location":
        return ngettext("%(num)d fix repeating the exact same coordinates (%(first)s to "
                        "%(last)s)",
                        "%(num)d fixes repeating the exact same coordinates (%(first)s to "
                        "%(last)s)", **span)
    if kind == "late_upload":
        return ngettext("%(num)d fix uploaded long after it was taken (%(first)s to "
                        "%(last)s)",
                        "%(num)d fixes uploaded long after they were taken (%(first)s to "
                        "%(last)s)", **span)
    return label("kind", kind)
