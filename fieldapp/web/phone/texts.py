"""The words the phone page's scripts show, in the reader's language: each key the scripts
use (`t("check_in")`) with its English msgid, so the catalog holds them all; and the labels
of stored codes, from fieldapp/i18n.py, so a finding or a leave reads as on the console."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...config import Settings
from ...i18n import LABELS, policy_text
from ...models.media import REPORT_KINDS
from ...models.presence import LEAVE_KINDS

TEXTS = {
    # enrolment and login
    "phone_label": _l("Phone page"),
    "enrolling": _l("Registering this phone…"),
    "enrol_failed": _l("This link could not register the phone."),
    "enrol_gone": _l("This link has expired or has been used already. Ask your township "
                     "for a new QR code."),
    "enrol_unknown": _l("This link is not known. Scan the QR code again."),
    "login_wrong": _l("Wrong username or password."),
    "login_throttled": _l("Too many failed logins; try again in %(s)s seconds."),
    "login_not_cadre": _l("Only a cadre's login registers a phone."),
    "logged_out": _l("This phone no longer holds a token."),
    "token_refused": _l("The server no longer accepts this phone. Register it again."),
    "confirm_logout": _l("Forget this phone's registration? Entries not yet sent are "
                         "deleted."),
    # check in
    "locating": _l("Getting a fresh position…"),
    "accuracy": _l("accuracy ±%(m)s m"),
    "geo_denied": _l("Location is not allowed for this page. Allow it in the browser's "
                     "settings."),
    "geo_unavailable": _l("No position could be found. Go outdoors and try again."),
    "geo_timeout": _l("Finding a position took too long. Try again."),
    "geo_missing": _l("This browser cannot give a position."),
    "sending": _l("Sending…"),
    "queued": _l("No network: kept on this phone, sent when the network returns."),
    "answer_inside": _l("In the village"),
    "answer_outside": _l("Outside the village, %(km)s km from it"),
    "answer_uncertain": _l("Cannot tell: the position is too coarse near the village "
                           "edge"),
    "answer_unassigned": _l("You have no post on this date"),
    "answer_duplicate": _l("Already received"),
    "answer_discarded_window": _l("Not kept: now is outside every check-in window"),
    "answer_discarded_kept": _l("Not kept: this window already holds such a fix"),
    "answer_rejected": _l("Refused by the server: %(reason)s"),
    "answered_at": _l("answered %(time)s"),
    "window_open": _l("Check-in window open until %(time)s"),
    "window_closed": _l("No check-in window now. The next opens %(time)s."),
    "window_closed_note": _l("A position taken outside a window is not kept."),
    "window_track": _l("This county keeps every position you send."),
    "pending": _l("Waiting to send: %(n)s"),
    "all_sent": _l("Everything is sent"),
    "send_failed": _l("Not sent: %(reason)s"),
    # photo and work record
    "photo_sent": _l("Photo received"),
    "photo_checks_failed": _l("Photo received; a check did not pass: %(checks)s"),
    "check_location": _l("place"),
    "check_time": _l("time"),
    "check_reuse": _l("uploaded before"),
    "report_sent": _l("Entry received"),
    "report_needs_text": _l("Write what was done."),
    "report_photos": _l("%(n)s photos"),
    "no_reports": _l("No entries this month."),
    "days_with_reports": _l("%(n)s days with entries"),
    # my record
    "week": _l("Week"),
    "month": _l("Month"),
    "previous": _l("Previous"),
    "next": _l("Next"),
    "day": _l("Day"),
    "night": _l("Night"),
    "not_evaluated": _l("not evaluated"),
    "weekday_0": _l("Mon"), "weekday_1": _l("Tue"), "weekday_2": _l("Wed"),
    "weekday_3": _l("Thu"), "weekday_4": _l("Fri"), "weekday_5": _l("Sat"),
    "weekday_6": _l("Sun"),
    "period_days": _l("%(present)s of %(required)s days, %(nights)s of %(required_nights)s "
                      "nights"),
    "slept_km": _l("slept %(km)s km away"),
    "no_findings": _l("No findings about you."),
    "appeal": _l("Appeal"),
    "appeal_until": _l("You may appeal until %(date)s"),
    "appeal_closed": _l("The appeal window has closed"),
    "add_photos": _l("Add photos"),
    "send_appeal": _l("Send the appeal"),
    "appeal_sent": _l("Your appeal was received"),
    "appeal_needs_text": _l("Write why the finding is wrong."),
    "challenge_due": _l("A supervision group asks where you are now. Time left:"),
    "answer_now": _l("Answer now"),
    "challenge_answered": _l("Answer sent"),
    "no_challenges": _l("No location challenges."),
    # leave
    "leave_sent": _l("Leave request sent"),
    "leave_cancelled": _l("Leave cancelled"),
    "cancel_leave": _l("Cancel"),
    "no_leaves": _l("No leave requests."),
    # privacy
    "no_reads": _l("Nobody else has looked at your data."),
    "operator": _l("the server's operator"),
    "exporting": _l("Preparing your data…"),
    "export_ready": _l("Your data is saved: %(name)s"),
    "export_failed": _l("The export could not be made now."),
    "offline": _l("No network"),
    "failed": _l("Something went wrong. Try again."),
    "read_pings": _l("your positions"),
    "read_presence": _l("your day records"),
    "read_media": _l("your photos' details"),
    "read_media_file": _l("a photo"),
    "read_media_thumbnail": _l("a photo's thumbnail"),
    "read_reports": _l("your work reports"),
    "read_reports_monthly": _l("your monthly work record"),
    "read_leaves": _l("your leave requests"),
    "read_leave": _l("a leave request"),
    "read_flag": _l("a finding"),
    "read_audit_presence": _l("a presence audit"),
    "read_package": _l("an evidence package"),
}


def page_config(settings: Settings, language: str) -> dict:
    """What the shell embeds for its scripts: the words, the labels of stored codes, the
    time zone days are counted in, and the appeal window."""
    labels = {group: {code: str(text) for code, text in table.items()}
              for group, table in LABELS.items()}
    labels["policy"] = {code: policy_text(code) for code in settings.evaluation.policies}
    return {"language": language, "zone": settings.zone.key,
            "appeal_days": settings.appeal_days,
            "texts": {key: str(text) for key, text in TEXTS.items()}, "labels": labels,
            "leave_kinds": list(LEAVE_KINDS), "report_kinds": list(REPORT_KINDS)}


def web_manifest(icons: dict[int, str]) -> dict:
    """The PWA manifest in the reader's language; `icons` maps a square size to its URL."""
    name = str(_l("Village duty"))
    return {"name": name, "short_name": name, "id": "/m/", "start_url": "/m/", "scope": "/m/",
            "description": str(_l("Check in, work record, leave and your own record, for "
                                  "village-stationed cadres")),
            "display": "standalone", "orientation": "portrait",
            "background_color": "#f6f4f1", "theme_color": "#b3261e",
            "icons": [{"src": url, "sizes": f"{size}x{size}", "type": "image/png",
                       "purpose": "any"} for size, url in icons.items()]}
